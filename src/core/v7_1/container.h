// containers-v7-1: kernel/container.c after patch 1/7 — one hierarchy,
// tsk->container, container->count counts tasks, the_top_container_hack, and
// attach_task() that re-checks only `!oldcont` under task_lock.
#pragma once
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/single_tree.h"
#include "sim/kernel/atomic.h"
#include "sim/kernel/mutex.h"

namespace core::v7_1 {

constexpr unsigned long CONT_REMOVED = 1ul << 0;
constexpr unsigned long CONT_NOTIFY_ON_RELEASE = 1ul << 1;

// LL= notes say which lock protects a field when it is written.
struct container : sim::Object {
    explicit container(const std::string& dname);
    sim::Shared<unsigned long> flags;  // LL=callback_mutex (set_bit/clear_bit)
    sim::atomic_t count;               // tasks using this container; atomic for fork/exit
    container* parent = nullptr;       // LL=manage_mutex+callback_mutex
    std::vector<container*> children;  // LL=manage_mutex+callback_mutex (list ops are not steps)
    std::string dname;                 // directory name
    // Dentry references: the directory's own, plus each walk or open control
    // file (core/dcache.h); the memory goes at the last one, in the diput.
    sim::atomic_t d_count;
    std::vector<container*> d_subdirs;  // the positive dentries below this directory (core/dcache.h)
    bool d_deleted = false;        // rmdir'ed (IS_DEADDIR)
    // The directory inode's i_mutex: mkdir and rmdir in it hold it
    // (lookup_create(), do_rmdir()), so two of them on one name serialise.
    sim::mutex i_mutex;
};

class Kernel171 : public Kernel {
public:
    explicit Kernel171(std::set<Fix> fixes);
    const char* name() const override { return "containers-v7-1"; }
    std::vector<const sim::Label*> labels() const override;
    std::string default_mount_point() const override { return "/dev/container"; }

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
    void fork_hook(task_struct* child) override { container_fork(child); }
    void exit_hook(task_struct* tsk) override { container_exit(tsk); }
    bool resolves(const std::string& path) const override { return tree_.lookup(path) != nullptr; }

private:
    enum filetype { FILE_NOTIFY_ON_RELEASE, FILE_TASKLIST };
    int container_common_file_write(container* cont, filetype type, const std::string& buf);
    int attach_task(container* cont, int pid, sim::Object** ppathbuf);
    int update_flag(unsigned long bit, container* cont, const std::string& buf);
    void check_for_release(container* cont, sim::Object** ppathbuf);
    void container_release_agent(sim::Object* pathbuf);
    void container_fork(task_struct* child);
    void container_exit(task_struct* tsk);
    int container_create(container* parent, const std::string& name);
    int container_rmdir(container* cont);

    int write_file(container* c, filetype type, const std::string& value);
    void dput(container* c);

    container top_container;
    sim::mutex manage_mutex;
    sim::mutex callback_mutex;
    int number_of_containers = 1;
    SingleTree<container> tree_{dcache, top_container, "/dev/container", &task_struct::container, "container"};
};

}  // namespace core::v7_1
