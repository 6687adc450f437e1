// cpuset-2.6.20: mainline kernel/cpuset.c of 2.6.20, before the containers
// series — tsk->cpuset, cpuset->count counts tasks, the_top_cpuset_hack, and
// attach_task() that already re-checks PF_EXITING under task_lock (Sep 2006).
// The text is the '-' side of V6 2/6 (containers-v6/02-cpusets.txt).
#pragma once
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/single_tree.h"
#include "sim/kernel/atomic.h"
#include "sim/kernel/mutex.h"

namespace core::cpuset_2620 {

// bits in struct cpuset flags field
enum cpuset_flagbits_t {
    CS_CPU_EXCLUSIVE,
    CS_MEM_EXCLUSIVE,
    CS_MEMORY_MIGRATE,
    CS_REMOVED,
    CS_NOTIFY_ON_RELEASE,
    CS_SPREAD_PAGE,
    CS_SPREAD_SLAB,
};

// cpumask_t and nodemask_t as one word each. The modelled machine has two
// online CPUs and one memory node (a non-NUMA SMP box).
using cpumask_t = unsigned long;
using nodemask_t = unsigned long;
constexpr int NR_CPUS = 8;       // CONFIG_NR_CPUS (i386 default)
// MAX_NUMNODES, cpu_online_map and node_online_map are the machine's
// (core::Kernel::set_machine(): the scenario's "machine").

// LL= notes say which lock protects a field when it is written.
struct cpuset : sim::Object {
    explicit cpuset(const std::string& dname);
    sim::Shared<unsigned long> flags;       // LL=manage_mutex+callback_mutex ("unsigned long" so bitops work)
    sim::Shared<cpumask_t> cpus_allowed;    // LL=manage_mutex+callback_mutex
    sim::Shared<nodemask_t> mems_allowed;   // LL=manage_mutex+callback_mutex
    sim::atomic_t count;                    // count tasks using this cpuset; atomic for fork/exit
    cpuset* parent = nullptr;               // LL=manage_mutex+callback_mutex
    std::vector<cpuset*> children;          // LL=manage_mutex+callback_mutex (list ops are not steps)
    std::string dname;                      // directory name
    // Dentry references: the directory's own, plus each walk or open control
    // file (core/dcache.h); the memory goes at the last one, in the diput.
    sim::atomic_t d_count;
    std::vector<cpuset*> d_subdirs;  // the positive dentries below this directory (core/dcache.h)
    bool d_deleted = false;        // rmdir'ed (IS_DEADDIR)
    // The directory inode's i_mutex: mkdir and rmdir in it hold it
    // (lookup_create(), do_rmdir()), so two of them on one name serialise.
    sim::mutex i_mutex;
};

class KernelCpuset2620 : public Kernel {
public:
    explicit KernelCpuset2620(std::set<Fix> fixes);
    const char* name() const override { return "cpuset-2.6.20"; }
    std::vector<const sim::Label*> labels() const override;
    std::string default_mount_point() const override { return "/dev/cpuset"; }

    void boot() override;
    int mount(const MountArgs& a) override;
    int mkdir(const std::string& path) override;
    int rmdir(const std::string& path) override;
    int attach(const std::string& dir, int pid) override;
    int write(const std::string& file, const std::string& value) override;
    int read(const std::string& path, std::string& out) override;  // tasks, notify_on_release (read.cpp)

    std::vector<NodeState> nodes() const override;
    void check_invariants(std::vector<sim::Finding>& out) const override;
    void reachable(std::set<const sim::Object*>& out) const override;

protected:
    void fork_hook(task_struct* child) override { cpuset_fork(child); }
    void exit_hook(task_struct* tsk) override { cpuset_exit(tsk); }
    bool resolves(const std::string& path) const override { return tree_.lookup(path) != nullptr; }

private:
    // The cpuset_filetype_t values the model offers (the other files are not modelled).
    enum cpuset_filetype_t { FILE_CPULIST, FILE_MEMLIST, FILE_NOTIFY_ON_RELEASE, FILE_TASKLIST };
    int cpuset_common_file_write(cpuset* cs, cpuset_filetype_t type, const std::string& buffer);
    int attach_task(cpuset* cs, const std::string& pidbuf, sim::Object** ppathbuf);
    int update_cpumask(cpuset* cs, const std::string& buf);
    int update_nodemask(cpuset* cs, const std::string& buf);
    int update_flag(cpuset_flagbits_t bit, cpuset* cs, const std::string& buf);
    void check_for_release(cpuset* cs, sim::Object** ppathbuf);
    void cpuset_release_agent(sim::Object* pathbuf);
    void cpuset_fork(task_struct* child);
    void cpuset_exit(task_struct* tsk);
    int cpuset_create(cpuset* parent, const std::string& name);
    int cpuset_rmdir(cpuset* cs);

    int write_file(cpuset* cs, cpuset_filetype_t type, const std::string& value);
    void dput(cpuset* cs);

    cpuset top_cpuset;
    sim::mutex manage_mutex;
    sim::mutex callback_mutex;
    int number_of_cpusets = 1;
    SingleTree<cpuset> tree_{dcache, top_cpuset, "/dev/cpuset", &task_struct::cpuset, "cpuset"};
};

}  // namespace core::cpuset_2620
