// What every modelled kernel offers the scenario runner: the operations a
// scenario can perform (each returns 0 or -errno, as the syscall would) and
// the end-of-run invariants. Runs inside the sim (operations yield); never
// touches fibers itself.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/dcache.h"
#include "core/errno_names.h"
#include "core/task.h"
#include "sim/finding.h"
#include "sim/kernel/mutex.h"
#include "sim/kernel/rwlock.h"
#include "sim/kernel/shared.h"
#include "sim/label.h"

namespace core {

// Named fixes, each switchable (docs/fixes.md says where each applies).
enum class Fix { exit_task_lock, attach_recheck_exiting, release_under_task_lock, attach_pin_oldcg };
std::optional<Fix> parse_fix(const std::string& name);
const char* fix_name(Fix f);
std::vector<std::string> fix_names();

struct MountArgs {
    std::string path;
    std::vector<std::string> subsystems;  // empty: the kernel's default
};

// One directory of a hierarchy, for the final state table and `expect.final`.
struct NodeState {
    std::string path;
    int count;
    std::vector<int> tasks;  // pids of live tasks attached (as the kernel defines membership)
    // Further integer state for `expect.final` ("s_active", "refcnt.cpuset",
    // a subsystem's own such as "cpuacct.usage"), by key.
    std::map<std::string, long> values = {};
    // Text state ("cpuset.cpus": "0-1"), by key.
    std::map<std::string, std::string> texts = {};
};
// A live task's user-visible state for `expect.final` ("/proc/100":
// {"cpus_allowed": "0-1"}), where the kernel has any.
struct TaskState {
    int pid;
    std::map<std::string, std::string> texts;
};
struct GroupState {
    std::string name;
    int refcount;
    std::vector<int> tasks;
    bool freed;
};

class Kernel {
public:
    explicit Kernel(std::set<Fix> fixes);
    virtual ~Kernel();

    virtual const char* name() const = 0;
    virtual std::vector<const sim::Label*> labels() const = 0;
    virtual std::string default_mount_point() const = 0;

    // --- boot and operations (run inside the machine) ----------------------
    virtual void boot() = 0;
    virtual int mount(const MountArgs& a) = 0;
    virtual int mkdir(const std::string& path) = 0;
    virtual int rmdir(const std::string& path) = 0;
    virtual int attach(const std::string& dir, int pid) = 0;       // echo pid > dir/tasks
    virtual int write(const std::string& file, const std::string& value) = 0;
    int fork(int pid, const std::string& comm) { return do_fork(pid, comm, 0); }  // current forks
    int exit();                                                      // current exits
    // clone(2) with flags (CLONE_NEWUTS, ...): do_fork() with those flags.
    int clone(int pid, const std::string& comm, unsigned long flags) { return do_fork(pid, comm, flags); }
    // Credentials of current (setresuid semantics; setuid away from root drops
    // the effective capabilities, as cap_emulate_setxuid() does).
    int setuid(int uid, int euid, int suid);
    int capability(int cap, bool on);

    // Ops not every kernel has: has_op() says which (the scenario parser
    // rejects the others, naming the kernel). Defaults return -ENOSYS.
    virtual bool has_op(const std::string& op) const;
    virtual int read(const std::string& path, std::string& out);  // cat PATH
    virtual int umount(const std::string& path, bool lazy);  // lazy: MNT_DETACH
    virtual int remount(const MountArgs& a);
    virtual int unshare(unsigned long flags);
    virtual int open_file(const std::string& name);   // get_empty_filp(), the file named `name`
    virtual int close_file(const std::string& name);  // fput() -> file_free()
    // open(2) of a control file: the fd (3, 4, ...) or -errno; read(2) to the
    // end, write(2) and close(2) on it. Where modelled (containers-v7).
    virtual int open_path(const std::string& path);
    virtual int read_fd(int fd, std::string& out);
    virtual int write_fd(int fd, const std::string& value);
    virtual int close_fd(int fd);
    virtual int tick(unsigned long cputime);          // account_user_time(current, cputime)
    virtual int register_subsys(const std::string& ss);
    virtual int css_get_op(const std::string& dir, const std::string& ss);
    virtual int css_put_op(const std::string& dir, const std::string& ss);
    // echo VALUE > /sys/module/MODULE/parameters/PARAM, as root.
    virtual int module_param(const std::string& module, const std::string& param, const std::string& value);
    // A thread's ops are system calls: the CPU returns to user mode after each
    // (an RCU quiescent state). The lab kernel's ops are one kernel path.
    virtual bool ops_are_syscalls() const { return true; }
    // Subsystems compiled into this kernel (registered at boot or loadable), by name.
    virtual std::vector<std::string> subsystem_names() const { return {}; }

    // The task each CPU runs as; the runner sets it through the machine's per-CPU slot.
    task_struct* current() const;
    task_struct* task_by_pid(int pid) const;  // model lookup (not a step)
    bool path_exists(const std::string& path) const { return resolves(path); }

    // --- after the run (not steps) ------------------------------------------
    virtual std::vector<NodeState> nodes() const = 0;
    virtual std::vector<GroupState> groups() const { return {}; }
    virtual std::vector<TaskState> task_states() const { return {}; }
    // The report's final-state table when the kernel has its own (the lab's
    // objects); empty: the containers and groups of nodes() and groups().
    virtual std::vector<std::string> final_state_lines() const { return {}; }
    // count-mismatch, kref-mismatch, dangling-pointer.
    virtual void check_invariants(std::vector<sim::Finding>& out) const = 0;
    // Everything live state reaches, for the leak check.
    virtual void reachable(std::set<const sim::Object*>& out) const = 0;
    const std::vector<task_struct*>& all_tasks() const { return tasks_; }
    // printk(KERN_INFO ...) lines of the run, each prefixed "[step N] " (or
    // "[set-up] "), for the report.
    const std::vector<std::string>& kernel_log() const { return log_; }
    bool has_fix(Fix f) const { return fixes_.count(f) != 0; }
    // The kernel's build configuration (the scenario's "config" block, e.g.
    // {"UTS_NS": false}): CONFIG_<key>, or `dflt` when the scenario does not set it.
    bool config(const std::string& key, bool dflt) const {
        auto it = config_.find(key);
        return it == config_.end() ? dflt : it->second;
    }
    void set_config(std::map<std::string, bool> c) { config_ = std::move(c); }
    // The machine's shape (the scenario's "machine"): the cpus and memory
    // nodes online at boot, as cpu_online_map and node_online_map. More than
    // one node is a NUMA kernel: MAX_NUMNODES is 1 << NODES_SHIFT, 3 by
    // default on i386 (arch/i386/Kconfig); else 1.
    void set_machine(int cpus, int mems) {
        cpu_online_ = (1ul << cpus) - 1;
        node_online_ = (1ul << mems) - 1;
        max_numnodes_ = mems > 1 ? 8 : 1;
    }
    // The maps now (not a step): the cells' values once hotplug made them.
    unsigned long cpu_online_map() const { return cpu_cell_ ? cpu_cell_->peek() : cpu_online_; }
    unsigned long node_online_map() const { return node_cell_ ? node_cell_->peek() : node_online_; }
    // A scenario with a hotplug op: the online maps change while the threads
    // run, so they are shared cells (made at boot) and code reads them as
    // steps; without one they are constants, read without a step.
    void set_hotplug(bool on) { hotplug_ = on; }
    unsigned long read_cpu_online_map(const sim::Label& l) { return cpu_cell_ ? cpu_cell_->read(l) : cpu_online_; }
    unsigned long read_node_online_map(const sim::Label& l) { return node_cell_ ? node_cell_->read(l) : node_online_; }
    // The cpu_online_map cell when hotplug can change it (for a step that
    // reads it in its local code: Machine::note_also_reads), else nullptr.
    const sim::Cell* cpu_online_cell() const { return cpu_cell_.get(); }
    // CPU hotplug (CONFIG_HOTPLUG_CPU, kernel/cpu.c): cpu_down() clears the
    // cpu from cpu_online_map (take_cpu_down), cpu_up() sets it; then the
    // CPU_DEAD/CPU_ONLINE notifier chain runs (cpuset_handle_cpuhp). Memory
    // hot-add (mm/memory_hotplug.c add_memory()): node_set_online(nid), then
    // cpuset_track_online_nodes(). 2.6.20 has no memory hot-remove.
    int cpu_hotplug(int cpu, bool up);
    int mem_online(int node);
    int max_numnodes() const { return max_numnodes_; }
    // Kconfig's "m": CONFIG_<key> built as a module, so its subsystem is not
    // registered at boot but by the `register_subsys` op (module_init).
    bool config_module(const std::string& key) const { return modules_.count(key) != 0; }
    void set_config_modules(std::set<std::string> m) { modules_ = std::move(m); }

protected:
    // Per-kernel halves of fork and exit (cpuset_fork/container_fork, ...).
    virtual void fork_hook(task_struct* child) = 0;
    virtual void exit_hook(task_struct* tsk) = 0;
    virtual bool resolves(const std::string& path) const = 0;
    // do_fork()'s admission check before copy_process() (numtasks on containers-v7).
    virtual int fork_allowed(task_struct*) { return 0; }
    // copy_process()'s copy_namespaces(clone_flags, p); an error fails the fork.
    virtual int copy_namespaces_hook(unsigned long /*flags*/, task_struct*) { return 0; }
    // put_files_struct()'s close_files(): the exiting task's open files go
    // with it (filp_close() -> fput() -> file_free()). Where files are modelled.
    virtual void close_files(task_struct*) {}
    int do_fork(int pid, const std::string& comm, unsigned long flags);
    void exit_files(task_struct* tsk);
    void exit_fs(task_struct* tsk);
    void printk(const std::string& line);

    task_struct* find_task_by_pid(int pid, const sim::Label& l);
    task_struct* create_init_task();
    // Every kernel's shared yield points (fork, exit, mm, VFS), for labels().
    static std::vector<const sim::Label*> common_labels();
    bool live(const task_struct* t) const { return task_is_live(t); }

    std::set<Fix> fixes_;
    std::map<std::string, bool> config_;
    unsigned long cpu_online_ = 0x3, node_online_ = 0x1;  // at boot: two cpus, one node
    int max_numnodes_ = 1;
    bool hotplug_ = false;
    std::unique_ptr<sim::Shared<unsigned long>> cpu_cell_, node_cell_;  // with hotplug_: the maps as cells
    // kernel/cpu.c's cpu_add_remove_lock: cpu_down()/cpu_up() hold it across
    // the map change and the notifiers, so two hotplug ops never interleave.
    std::unique_ptr<sim::mutex> cpu_add_remove_lock_;
    // The hotplug notifiers' cpuset half: common_cpu_mem_hotplug_unplug(),
    // where the kernel has cpusets.
    virtual void cpuset_hotplug(bool /*cpu_dead*/) {}
    std::set<std::string> modules_;
    std::vector<std::string> log_;
    sim::rwlock_t tasklist_lock;
    sim::Shared<int> pid_hash;  // the pid hash as one location: lookups read it, attach_pid writes it
    Dcache dcache;
    std::vector<task_struct*> tasks_;  // every task ever created, in creation order
    task_struct* init_task_ = nullptr;
    std::unique_ptr<task_struct> init_storage_;  // init_task is static, not kmalloc'ed
};

std::unique_ptr<Kernel> make_kernel(const std::string& name, std::set<Fix> fixes);
std::vector<std::string> kernel_names();

// Split "/dev/container/CS1" at a mount point: returns the components below it.
std::optional<std::vector<std::string>> path_below(const std::string& mount, const std::string& path);

}  // namespace core
