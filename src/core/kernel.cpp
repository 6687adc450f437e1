#include "core/kernel.h"

#include "core/common_labels.h"
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
    init_task_->hashed = true;
    tasks_.push_back(init_task_);
    return init_task_;
}

// kernel/pid.c: the caller holds tasklist_lock (or RCU); the lookup reads the hash.
task_struct* Kernel::find_task_by_pid(int pid, const sim::Label& l) {
    pid_hash.read(l);
    return task_by_pid(pid);
}

// kernel/fork.c copy_process(), reduced to the steps that publish the child.
int Kernel::fork(int pid, const std::string& comm) {
    task_struct* parent = current();
    if (task_by_pid(pid)) return -EEXIST;  // the scenario's pid is taken: not a kernel path
    auto* p = sim::kmalloc<task_struct>(lbl::copy_process::alloc_task, sim::GFP_KERNEL, pid, comm);
    p->uid = parent->uid;
    p->euid = parent->euid;
    p->suid = parent->suid;
    sim::atomic_set(p->usage, 2, lbl::copy_process::set_usage);
    tasks_.push_back(p);
    fork_hook(p);
    sim::write_lock(tasklist_lock, lbl::copy_process::write_lock_tasklist);
    pid_hash.write(pid_hash.peek() + 1, lbl::copy_process::attach_pid);
    p->hashed = true;
    sim::write_unlock(tasklist_lock, lbl::copy_process::write_unlock_tasklist);
    return 0;
}

// kernel/exit.c do_exit(): PF_EXITING, the container hook, then the reaping
// that makes the task unfindable and drops the two task_struct references.
int Kernel::exit() {
    task_struct* tsk = current();
    tsk->flags.write(tsk->flags.peek() | PF_EXITING, lbl::do_exit::set_pf_exiting);
    exit_hook(tsk);
    tsk->exit_hook_done = true;
    sim::write_lock(tasklist_lock, lbl::release_task::write_lock_tasklist);
    pid_hash.write(pid_hash.peek() + 1, lbl::release_task::detach_pid);
    tsk->hashed = false;
    sim::write_unlock(tasklist_lock, lbl::release_task::write_unlock_tasklist);
    sim::put_task_struct(tsk, lbl::release_task::put_task_struct);
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
