#include "core/kernel.h"

#include <algorithm>

#include "core/common_labels.h"
#include "core/mm.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/task_ref.h"
#include "sim/machine.h"

namespace core {

namespace {
constexpr std::pair<Fix, const char*> kFixes[] = {
    {Fix::exit_task_lock, "exit-task-lock"},
    {Fix::attach_recheck_exiting, "attach-recheck-exiting"},
    {Fix::release_under_task_lock, "release-under-task-lock"},
    {Fix::attach_pin_oldcg, "attach-pin-oldcg"},
};
}

std::optional<Fix> parse_fix(const std::string& name) {
    for (auto& [f, n] : kFixes)
        if (name == n) return f;
    return std::nullopt;
}
const char* fix_name(Fix f) {
    for (auto& [x, n] : kFixes)
        if (x == f) return n;
    return "?";
}
std::vector<std::string> fix_names() {
    std::vector<std::string> v;
    for (auto& [f, n] : kFixes) v.emplace_back(n);
    return v;
}

Kernel::Kernel(std::set<Fix> fixes)
    : fixes_(std::move(fixes)),
      tasklist_lock(&sim::global_object(), "tasklist_lock", "tasklist_lock"),
      pid_hash(&sim::global_object(), "pid_hash", 0) {}

Kernel::~Kernel() = default;

task_struct* Kernel::current() const {
    return static_cast<task_struct*>(sim::Machine::current().cpu_state().user);
}

task_struct* Kernel::task_by_pid(int pid) const {
    for (task_struct* t : tasks_)
        if (t->pid == pid && t->hashed) return t;
    return nullptr;
}

task_struct* Kernel::create_init_task() {
    // init_task is static in the kernel: not from kmalloc, never freed.
    init_storage_ = std::make_unique<task_struct>(1, "init");
    init_task_ = init_storage_.get();
    init_task_->usage.counter = 2;
    init_task_->mems_allowed.init(node_online_);  // every node online (cpuset_init_smp())
    if (hotplug_) {
        cpu_cell_ = std::make_unique<sim::Shared<unsigned long>>(&sim::global_object(), "cpu_online_map", cpu_online_);
        node_cell_ = std::make_unique<sim::Shared<unsigned long>>(&sim::global_object(), "node_online_map", node_online_);
        cpu_add_remove_lock_ =
            std::make_unique<sim::mutex>(&sim::global_object(), "cpu_add_remove_lock", "cpu_add_remove_lock");
    }
    init_task_->hashed = true;
    // init's mm: the boot CPU allocates it before any other CPU runs (no step).
    init_task_->mm.init(sim::Machine::current().arena().create<mm_struct>(init_task_->comm));
    tasks_.push_back(init_task_);
    return init_task_;
}

std::vector<const sim::Label*> Kernel::common_labels() {
    using namespace core::lbl;
    std::vector<const sim::Label*> v{CONTSIM_COMMON_LABELS(CONTSIM_LIST_LABEL) CONTSIM_MM_LABELS(CONTSIM_LIST_LABEL)};
    v.push_back(&sim::put_task_struct_free);
    v.push_back(&sim::rcu_process_callbacks_invoke);
    return v;
}

// kernel/pid.c: the caller holds tasklist_lock (or RCU); the lookup reads the hash.
task_struct* Kernel::find_task_by_pid(int pid, const sim::Label& l) {
    pid_hash.read(l);
    return task_by_pid(pid);
}

// kernel/fork.c do_fork() and copy_process(), reduced to the steps that
// publish the child. The container hook runs before the child is linked into
// the task list (container_fork() where 2.6.20 calls cpuset_fork()); on a
// failure after it, bad_fork_cleanup_cpuset runs the exit hook and
// bad_fork_free frees the task_struct.
int Kernel::do_fork(int pid, const std::string& comm, unsigned long flags) {
    task_struct* parent = current();
    if (task_by_pid(pid)) return -EEXIST;  // the scenario's pid is taken: not a kernel path
    if (int r = fork_allowed(parent)) return r;
    auto* p = sim::kmalloc<task_struct>(lbl::copy_process::alloc_task, sim::GFP_KERNEL, pid, comm);
    if (!p) return -ENOMEM;
    p->uid = parent->uid;
    p->euid = parent->euid;
    p->suid = parent->suid;
    p->cap_effective = parent->cap_effective;
    sim::atomic_set(p->usage, 2, lbl::copy_process::set_usage);
    tasks_.push_back(p);
    fork_hook(p);
    auto bad_fork_cleanup_cpuset = [&](int r) {
        exit_hook(p);  // container_exit(p)
        p->exit_hook_done = true;
        sim::kfree(p, lbl::copy_process::free_task);  // bad_fork_free
        return r;
    };
    // dup_task_struct() copied current's memory-policy view.
    p->mems_allowed.init(parent->mems_allowed.peek());
    p->cpuset_mems_generation.init(parent->cpuset_mems_generation.peek());
    // copy_files()/copy_fs() (no CLONE_FILES/CLONE_FS) cannot fail in the
    // model; p->files and p->fs start set (task_struct's constructor).
    if (int r = copy_mm(flags, p, parent)) return bad_fork_cleanup_cpuset(r);
    if (int r = copy_namespaces_hook(flags, p)) {
        if (mm_struct* mm = p->mm.peek()) mmput(mm);  // bad_fork_cleanup_mm
        return bad_fork_cleanup_cpuset(r);
    }
    sim::write_lock(tasklist_lock, lbl::copy_process::write_lock_tasklist);
    pid_hash.write(pid_hash.peek() + 1, lbl::copy_process::attach_pid);
    p->hashed = true;
    // list_add_tail(&p->tasks, &init_task.tasks) under tasklist_lock: the task
    // list's order is the order of these steps (not of the allocations).
    tasks_.erase(std::find(tasks_.begin(), tasks_.end(), p));
    tasks_.push_back(p);
    sim::write_unlock(tasklist_lock, lbl::copy_process::write_unlock_tasklist);
    return 0;
}

// sys_setresuid(): the task's own credentials (not shared state: no step).
int Kernel::setuid(int uid, int euid, int suid) {
    task_struct* t = current();
    bool old_any_root = t->uid == 0 || t->euid == 0 || t->suid == 0;
    bool old_euid_root = t->euid == 0;
    t->uid = uid;
    t->euid = euid;
    t->suid = suid;
    // cap_emulate_setxuid() (no keep_capabilities): dropping every root id
    // clears the capabilities; dropping only euid 0 clears the effective set,
    // and regaining euid 0 restores it from the permitted set (the full set
    // while some id stayed root).
    if (old_any_root && uid != 0 && euid != 0 && suid != 0)
        t->cap_effective = 0;
    else if (old_euid_root && euid != 0)
        t->cap_effective = 0;
    else if (!old_euid_root && euid == 0 && old_any_root)
        t->cap_effective = ~0ul;
    return 0;
}

// The scenario's switch for one capability of current (as capset(2) would).
int Kernel::capability(int cap, bool on) {
    task_struct* t = current();
    if (on)
        t->cap_effective |= 1ul << cap;
    else
        t->cap_effective &= ~(1ul << cap);
    return 0;
}

void Kernel::printk(const std::string& line) {
    sim::Machine& m = sim::Machine::current();
    log_.push_back((m.tracing() ? "[step " + std::to_string(m.step()) + "] " : std::string("[untraced] ")) + line);
}

bool Kernel::has_op(const std::string& op) const {
    static const char* const base[] = {"fork", "exit", "attach", "mount", "mkdir", "rmdir",
                                       "write", "read", "setuid", "capability"};
    for (const char* b : base)
        if (op == b) return true;
    return false;
}

int Kernel::read(const std::string&, std::string&) { return -ENOSYS; }
int Kernel::umount(const std::string&, bool) { return -ENOSYS; }
int Kernel::remount(const MountArgs&) { return -ENOSYS; }
int Kernel::unshare(unsigned long) { return -ENOSYS; }
int Kernel::open_file(const std::string&) { return -ENOSYS; }
int Kernel::close_file(const std::string&) { return -ENOSYS; }
int Kernel::open_path(const std::string&) { return -ENOSYS; }

// cpu_down()/cpu_up(): _cpu_down()/_cpu_up() under cpu_add_remove_lock.
int Kernel::cpu_hotplug(int cpu, bool up) {
    const unsigned long bit = 1ul << cpu;
    if (!cpu_cell_) return -ENOSYS;  // the parser marks a scenario with hotplug ops
    sim::mutex_lock(*cpu_add_remove_lock_, up ? lbl::cpu_up::lock : lbl::cpu_down::lock);
    int err = 0;
    const unsigned long online = cpu_cell_->read(up ? lbl::cpu_up::read_online : lbl::cpu_down::read_online);
    if (up ? (online & bit) != 0 : (online & bit) == 0) {
        err = -EINVAL;  // already up; not online
    } else if (!up && online == bit) {
        err = -EBUSY;  // num_online_cpus() == 1
    } else {
        cpu_cell_->write(up ? online | bit : online & ~bit, up ? lbl::cpu_up::cpu_set : lbl::cpu_down::cpu_clear);
        cpuset_hotplug(!up);  // blocking_notifier_call_chain(&cpu_chain, CPU_ONLINE or CPU_DEAD, hcpu)
    }
    sim::mutex_unlock(*cpu_add_remove_lock_, up ? lbl::cpu_up::unlock : lbl::cpu_down::unlock);
    return err;
}

int Kernel::mem_online(int node) {
    if (!node_cell_) return -ENOSYS;
    const unsigned long online = node_cell_->read(lbl::add_memory::read_online);
    node_cell_->write(online | (1ul << node), lbl::add_memory::node_set_online);
    cpuset_hotplug(false);  // cpuset_track_online_nodes()
    return 0;
}
int Kernel::read_fd(int, std::string&) { return -ENOSYS; }
int Kernel::write_fd(int, const std::string&) { return -ENOSYS; }
int Kernel::close_fd(int) { return -ENOSYS; }
int Kernel::tick(unsigned long) { return -ENOSYS; }
int Kernel::register_subsys(const std::string&) { return -ENOSYS; }
int Kernel::css_get_op(const std::string&, const std::string&) { return -ENOSYS; }
int Kernel::css_put_op(const std::string&, const std::string&) { return -ENOSYS; }
int Kernel::module_param(const std::string&, const std::string&, const std::string&) { return -ENOSYS; }

namespace {
// kernel/exit.c delayed_put_task_struct(): release_task()'s RCU callback.
void delayed_put_task_struct(void* p) {
    sim::put_task_struct(static_cast<task_struct*>(p), lbl::delayed_put_task_struct::put_task_struct);
}
}  // namespace

// kernel/exit.c __exit_files() (2.6.20): the pointer is cleared under
// task_lock, then put_files_struct() drops the last reference and
// close_files() closes every open file.
void Kernel::exit_files(task_struct* tsk) {
    namespace yp = lbl::__exit_files;
    if (!tsk->files.peek()) return;  // only tsk writes tsk->files
    sim::task_lock(tsk, yp::task_lock);
    tsk->files.write(false, yp::clear_files);
    sim::task_unlock(tsk, yp::task_unlock);
    close_files(tsk);  // put_files_struct(files): the files_struct is the task's own
}

// kernel/exit.c __exit_fs() (2.6.20): the same pattern for tsk->fs;
// __put_fs_struct()'s dput()/mntput() of the root and cwd are not modelled.
void Kernel::exit_fs(task_struct* tsk) {
    namespace yp = lbl::__exit_fs;
    if (!tsk->fs.peek()) return;
    sim::task_lock(tsk, yp::task_lock);
    tsk->fs.write(false, yp::clear_fs);
    sim::task_unlock(tsk, yp::task_unlock);
}

// kernel/exit.c do_exit() in the order 2.6.20-rc1 has it. Patch 1/7 (V6 1/6)
// quotes the lines around its hook: "__exit_fs(tsk); exit_thread();
// cpuset_exit(tsk); + container_exit(tsk);". Between PF_EXITING and the hook
// the exiting task takes its own task_lock three times (exit_mm(),
// __exit_files(), __exit_fs()): an attach that holds task_lock(tsk) keeps the
// exit path from reaching the hook until it unlocks.
int Kernel::exit() {
    task_struct* tsk = current();
    // A plain store in 2.6.20 (the pi_lock section around it came with
    // 2.6.22's "pi-futex: fix exit races and locking problems").
    tsk->flags.write(tsk->flags.peek() | PF_EXITING, lbl::do_exit::set_pf_exiting);
    exit_mm(tsk);
    // exit_sem(tsk): no SysV semaphore undo lists in the model (no step).
    exit_files(tsk);
    exit_fs(tsk);
    // exit_task_namespaces() is not here in 2.6.20-rc1 (the hunk above has
    // exit_thread() right after __exit_fs()); exit_thread(): arch state only.
    exit_hook(tsk);  // cpuset_exit() / container_exit()
    tsk->exit_hook_done = true;
    sim::write_lock(tasklist_lock, lbl::release_task::write_lock_tasklist);
    pid_hash.write(pid_hash.peek() + 1, lbl::release_task::detach_pid);
    tsk->hashed = false;
    sim::write_unlock(tasklist_lock, lbl::release_task::write_unlock_tasklist);
    // 2.6.20 release_task(): "call_rcu(&p->rcu, delayed_put_task_struct);"
    // the reference goes a grace period later, so a reader that found the
    // task under rcu_read_lock() may still take its own.
    sim::call_rcu(delayed_put_task_struct, tsk, lbl::release_task::call_rcu);
    sim::put_task_struct(tsk, lbl::finish_task_switch::put_task_struct);
    return 0;
}

std::optional<std::vector<std::string>> path_below(const std::string& mount, const std::string& path) {
    std::string m = mount;
    while (m.size() > 1 && m.back() == '/') m.pop_back();
    if (path.compare(0, m.size(), m) != 0) return std::nullopt;
    if (path.size() > m.size() && path[m.size()] != '/') return std::nullopt;
    std::vector<std::string> parts;
    std::size_t i = m.size();
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/') ++i;
        std::size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        if (j > i) parts.push_back(path.substr(i, j - i));
        i = j;
    }
    return parts;
}

}  // namespace core
