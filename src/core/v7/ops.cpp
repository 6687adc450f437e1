// The scenario ops containers-v7 adds to the common ones, and where each
// enters the kernel: the subsystem entry points of 4/7-7/7 (do_fork's
// numtasks_allow_fork, copy_namespaces/unshare, get_empty_filp/file_free's
// beancounter charge, account_user_time's cpuacct_charge), module loading
// (container_register_subsys after boot) and the css_get/css_put helpers.
#include <algorithm>
#include <cerrno>
#include <functional>

#include "core/mm.h"
#include "core/v7/container.h"
#include "core/v7/file.h"
#include "core/v7/labels.h"
#include "sim/kernel/slab.h"
#include "subsys/bc.h"
#include "subsys/cpuacct.h"
#include "subsys/cpuset.h"
#include "subsys/nsproxy.h"
#include "subsys/numtasks.h"

namespace core::v7 {

using namespace sim;

// Kconfig symbols: CPUSETS (2/7), CONTAINER_CPUACCT (4/7), RES_GROUPS_NUMTASKS
// (5/7), BEANCOUNTERS (6/7); 7/7's symbol is not in our texts: CONTAINER_NS is
// assumed. In boot order: cpuset_init_early() and bc_init_early() run from
// start_kernel(); cpuacct, numtasks (and, assumed, ns) from module_init().
const std::vector<KernelV7::SubsysConfig>& KernelV7::subsys_configs() {
    static const std::vector<SubsysConfig> c{{"cpuset", "CPUSETS", false},
                                             {"bc", "BEANCOUNTERS", false},
                                             {"cpuacct", "CONTAINER_CPUACCT", true},
                                             {"numtasks", "RES_GROUPS_NUMTASKS", true},
                                             {"ns", "CONTAINER_NS", true}};
    return c;
}

container_subsys* KernelV7::builtin(const std::string& name) const {
    for (const auto& ss : builtin_subsys_)
        if (name == ss->ss_name) return ss.get();
    return nullptr;
}

std::vector<std::string> KernelV7::subsystem_names() const {
    std::vector<std::string> v;
    for (const SubsysConfig& c : subsys_configs())
        if (config(c.symbol, true) && builtin(c.name)) v.emplace_back(c.name);
    return v;
}

bool KernelV7::has_op(const std::string& op) const {
    static const char* const mine[] = {"umount",  "remount", "clone",        "unshare",  "open",
                                       "close",   "tick",    "register_subsys", "css_get", "css_put",
                                       "module_param", "cpu_down", "cpu_up", "mem_online"};
    for (const char* m : mine)
        if (op == m) return true;
    return Kernel::has_op(op);
}

// The hotplug notifiers' cpuset half (2/7), when cpuset is compiled in.
// CPU_DEAD: the scheduler's migration notifier first (migrate_live_tasks():
// a task allowed only offline cpus gets every cpu), then cpuset's.
void KernelV7::cpuset_hotplug(bool cpu_dead) {
    auto* cs = dynamic_cast<subsys::cpuset_subsys_t*>(subsys_by_name("cpuset"));
    if (!cs) return;
    if (cpu_dead)
        for (task_struct* t : tasks_)
            if (live(t)) cs->move_task_off_dead_cpu(t);
    cs->common_cpu_mem_hotplug_unplug();
}

// do_fork(): Resource Groups' admission check before copy_process() (5/7).
int KernelV7::fork_allowed(task_struct* p) {
    if (auto* nt = dynamic_cast<subsys::numtasks_subsys_t*>(subsys_by_name("numtasks")))
        return nt->numtasks_allow_fork(p);
    return 0;
}

// copy_process() -> copy_namespaces(clone_flags, p): only a namespace flag
// gets past its first test.
int KernelV7::copy_namespaces_hook(unsigned long flags, task_struct* p) {
    if (!(flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC))) return 0;
    return subsys::copy_namespaces(*this, flags, p);
}

// sys_unshare(): -EINVAL for flags it does not know; the namespace part goes
// to unshare_nsproxy_namespaces() for current.
int KernelV7::unshare(unsigned long flags) {
    if (int err = unshare_vm(flags, current())) return err;
    if (!(flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC))) return 0;
    return subsys::unshare_nsproxy_namespaces(*this, flags, current());
}

// open(2) of any file: get_empty_filp() allocates the struct file and (6/7)
// charges it to current's beancounter; a failed charge frees it and the open
// fails with -ENFILE, as a NULL get_empty_filp() does.
int KernelV7::open_file(const std::string& name) {
    namespace yp = lbl::get_empty_filp;
    if (files_.count(name)) return -EEXIST;  // the scenario's name is taken: not a kernel path
    file* f = kmalloc<file>(yp::kmem_cache_alloc, GFP_KERNEL, name);
    if (!f) return -ENFILE;
    if (auto* bc = dynamic_cast<subsys::bc_subsys_t*>(subsys_by_name("bc"))) {
        if (bc->bc_file_charge(f)) {
            kfree(f, yp::kmem_cache_free);  // fail_charge
            return -ENFILE;
        }
    }
    fdt.write(fdt.peek() + 1, lbl::fd_install::write_fdt);
    f->owner_pid = current()->pid;
    files_[name] = f;
    return 0;
}

// close(2): the last fput() -> __fput() -> file_free(): uncharge, then the
// RCU-delayed free (freed at once here: no other CPU can reach the file).
int KernelV7::close_file(const std::string& name) {
    fdt.write(fdt.peek() + 1, lbl::sys_close::write_fdt);
    auto it = files_.find(name);
    if (it == files_.end()) return -EBADF;
    file* f = it->second;
    files_.erase(it);
    file_free(f);
    return 0;
}

// fput()'s last reference -> __fput() -> file_free(): (6/7) uncharge, then
// the RCU-delayed free (freed at once here: no other CPU can reach the file).
void KernelV7::file_free(file* f) {
    if (auto* bc = dynamic_cast<subsys::bc_subsys_t*>(subsys_by_name("bc"))) bc->bc_file_uncharge(f);
    kfree(f, lbl::file_free::call_rcu);
}

// fs/file.c put_files_struct() -> close_files() at exit: each open fd is
// taken out of the table (xchg) and filp_close()d, in fd order (the model's
// files are named; name order stands for fd order).
void KernelV7::close_files(task_struct* tsk) {
    std::vector<std::string> mine;
    for (const auto& [name, f] : files_)
        if (f->owner_pid == tsk->pid) mine.push_back(name);
    for (const std::string& name : mine) {
        fdt.write(fdt.peek() + 1, lbl::close_files::xchg_fd);
        auto it = files_.find(name);
        if (it == files_.end()) continue;  // another thread closed it first
        // A control file held open: its release too (filp_close() -> fput()).
        if (control_.count(name)) {
            release_control(name);
            continue;
        }
        file* f = it->second;
        files_.erase(it);
        file_free(f);
    }
}

// A timer tick charged to current: account_user_time() -> cpuacct_charge() (4/7).
int KernelV7::tick(unsigned long cputime) {
    if (auto* ca = dynamic_cast<subsys::cpuacct_subsys_t*>(subsys_by_name("cpuacct")))
        ca->cpuacct_charge(current(), cputime);
    return 0;
}

// Loading a subsystem built as a module ("m" in the scenario's config):
// its module_init calls container_register_subsys() with the system running.
int KernelV7::register_subsys(const std::string& name) {
    container_subsys* ss = builtin(name);
    if (!ss) return -ENOENT;
    return container_register_subsys(ss);
}

// The scenario's css_get/css_put on a directory's state for a subsystem, as a
// subsystem would call them (include/linux/container.h). A subsystem not
// bound to the directory's hierarchy has no state there: -EINVAL.
// The css_get/css_put ops stand for kernel code that reaches a css through
// its directory: the path walk pins the dentry (dget) for the op, so the
// container itself outlives it; the css does not (3/7's rmdir destroys the
// states right after the sentinel, whatever the dentry count).
int KernelV7::css_op(const std::string& dir, const std::string& name,
                     const std::function<int(container_subsys_state*)>& fn) {
    Walk w = walk(dir);
    container_subsys* ss = subsys_by_name(name);
    int ret = -ENOENT;
    if (w.c && ss) {
        Dcache::dget(w.c);
        container_subsys_state* css = w.c->subsys[ss->subsys_id].read(lbl::css_op::read_css);
        ret = css ? fn(css) : -EINVAL;
        dput(w.c);
    }
    path_release(w);
    return ret;
}

int KernelV7::css_get_op(const std::string& dir, const std::string& name) {
    return css_op(dir, name, [this](container_subsys_state* css) {
        int ret = css_get(css);
        if (!ret) ++css_held_[css];
        return ret;
    });
}

int KernelV7::css_put_op(const std::string& dir, const std::string& name) {
    return css_op(dir, name, [this](container_subsys_state* css) {
        css_put(css);
        if (css_held_[css] > 0) --css_held_[css];  // a put without a get holds nothing
        return 0;
    });
}

int KernelV7::css_references_held(const container_subsys_state* css) const {
    auto it = css_held_.find(css);
    return it == css_held_.end() ? 0 : it->second;
}

// numtasks.c's module_param_call()s (5/7): the only module parameters in the series.
const std::vector<std::pair<std::string, std::vector<std::string>>>& KernelV7::module_params() {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> p{
        {"numtasks", {"total_numtasks", "forkrate", "forkrate_interval"}}};
    return p;
}

// A root write to /sys/module/MODULE/parameters/PARAM: sysfs calls the
// parameter's set function (param_attr_store() -> kp->set) with the text.
// No such file while the module is not loaded: -ENOENT.
int KernelV7::module_param(const std::string& module, const std::string& param, const std::string& value) {
    auto* nt = dynamic_cast<subsys::numtasks_subsys_t*>(subsys_by_name(module));
    if (!nt) return -ENOENT;
    if (param == "total_numtasks") return nt->set_total_numtasks(value);
    if (param == "forkrate") return nt->set_forkrate(value);
    if (param == "forkrate_interval") return nt->set_forkrate_interval(value);
    return -ENOENT;
}

}  // namespace core::v7
