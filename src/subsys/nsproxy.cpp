#include "subsys/nsproxy.h"

#include <cerrno>

#include "sim/kernel/spinlock.h"
#include "subsys/ns.h"

namespace subsys {

using core::task_struct;
using core::v7::KernelV7;

namespace {

ns_subsys_t* ns_subsys(KernelV7& k) { return dynamic_cast<ns_subsys_t*>(k.subsys_by_name("ns")); }

// With the ns subsystem not built in (not registered), ns_container_clone()
// is the header's stub: return 0.
int ns_container_clone(KernelV7& k, task_struct* tsk) {
    ns_subsys_t* ns = ns_subsys(k);
    return ns ? ns->ns_container_clone(tsk) : 0;
}

bool capable(KernelV7& k, int cap) { return k.current()->has_capability(cap); }

int new_id(ns_subsys_t* ns) { return ns ? ns->new_namespace_id() : 0; }

// CONFIG_UTS_NS / CONFIG_IPC_NS: the scenario's config block; on unless it
// says otherwise (the kernel the thread's testers ran had them chosen per test).
bool uts_ns(KernelV7& k) { return k.config("UTS_NS", true); }
bool ipc_ns(KernelV7& k) { return k.config("IPC_NS", true); }

}  // namespace

// kernel/nsproxy.c (2.6.20). The capability checks live in the per-namespace
// copy functions (fs/namespace.c copy_namespace(), kernel/utsname.c
// copy_utsname(), ipc/util.c copy_ipcs()), not here; with CONFIG_UTS_NS=n
// (or CONFIG_IPC_NS=n) copy_utsname() (copy_ipcs()) is a stub that returns 0:
// "erroneously returns 0 rather than -EINVAL when you clone(CLONE_NEWUTS).
// But you didn't get a new uts namespace, you were just lied to" (#18030).
int copy_namespaces(KernelV7& k, unsigned long flags, task_struct* tsk) {
    ns_subsys_t* ns = ns_subsys(k);
    // struct nsproxy *old_ns = tsk->nsproxy: the pointer dup_task_struct()
    // copied from current. get_nsproxy(old_ns): counts are not modelled.
    ns_ids old_ns = ns ? ns->task_namespaces(k.current()) : ns_ids{};
    if (ns) ns->set_task_namespaces(tsk, old_ns);
    if (!(flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC))) return 0;

    // new_ns = clone_namespaces(old_ns); tsk->nsproxy = new_ns;
    ns_ids new_ns = old_ns;
    int err = 0;
    // copy_namespace(flags, tsk)
    if (flags & CLONE_NEWNS) {
        if (!capable(k, core::CAP_SYS_ADMIN))
            err = -EPERM;
        else
            new_ns.mnt = new_id(ns);
    }
    // copy_utsname(flags, tsk)
    if (!err && uts_ns(k) && (flags & CLONE_NEWUTS)) {
        if (!capable(k, core::CAP_SYS_ADMIN))
            err = -EPERM;
        else
            new_ns.uts = new_id(ns);
    }
    // copy_ipcs(flags, tsk)
    if (!err && ipc_ns(k) && (flags & CLONE_NEWIPC)) {
        if (!capable(k, core::CAP_SYS_ADMIN))
            err = -EPERM;
        else
            new_ns.ipc = new_id(ns);
    }
    // 7/7 assumption: ns_container_clone(tsk) comes last, once every copy has
    // succeeded (#11552's chain: copy_namespaces() -> ns_container_clone()),
    // and its failure unwinds like a failed copy_ipcs(). With ns mounted it
    // reaches ns_create(), whose capable() check is the only one left when
    // CONFIG_UTS_NS=n: the #18052 anomaly.
    if (!err) err = ns_container_clone(k, tsk);
    if (err) {
        // out_ipc/out_uts/out_ns: put the new namespaces, tsk->nsproxy = old_ns, kfree(new_ns)
        return err;
    }
    if (ns) ns->set_task_namespaces(tsk, new_ns);
    // out: put_nsproxy(old_ns)
    return 0;
}

// sys_unshare() (2.6.20 kernel/fork.c), its namespace part: in 2.6.20 this is
// inline in sys_unshare() (unshare_namespace(), unshare_utsname(),
// unshare_ipcs(), dup_namespaces(), the switch under task_lock(current)); the
// helper of this name came in 2.6.21. Unlike copy_utsname(), the
// CONFIG_UTS_NS=n unshare_utsname() stub refuses CLONE_NEWUTS with -EINVAL.
// The non-namespace flags (CLONE_FS, CLONE_VM, ...) are accepted and ignored.
int unshare_nsproxy_namespaces(KernelV7& k, unsigned long flags, task_struct* tsk) {
    constexpr unsigned long supported = CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM |
                                        CLONE_FILES | CLONE_SYSVSEM | CLONE_NEWUTS | CLONE_NEWIPC;
    ns_subsys_t* ns = ns_subsys(k);
    /* Return -EINVAL for all unsupported flags */
    if (flags & ~supported) return -EINVAL;
    ns_ids old_ns = ns ? ns->task_namespaces(tsk) : ns_ids{};
    ns_ids new_ns = old_ns;
    bool new_any = false;
    // unshare_namespace()
    if (flags & CLONE_NEWNS) {
        if (!capable(k, core::CAP_SYS_ADMIN)) return -EPERM;
        new_ns.mnt = new_id(ns);
        new_any = true;
    }
    // unshare_utsname()
    if (flags & CLONE_NEWUTS) {
        if (!uts_ns(k)) return -EINVAL;
        if (!capable(k, core::CAP_SYS_ADMIN)) return -EPERM;
        new_ns.uts = new_id(ns);
        new_any = true;
    }
    // unshare_ipcs()
    if (flags & CLONE_NEWIPC) {
        if (!ipc_ns(k)) return -EINVAL;
        if (!capable(k, core::CAP_SYS_ADMIN)) return -EPERM;
        new_ns.ipc = new_id(ns);
        new_any = true;
    }
    if (!new_any) return 0;
    // new_nsproxy = dup_namespaces(old_nsproxy);
    // 7/7 assumption: ns_container_clone(current) once the new namespaces
    // exist and before they are installed (where mainline 2.6.24 calls
    // ns_cgroup_clone()); on failure they are dropped and unshare fails.
    int err = ns_container_clone(k, tsk);
    if (err) return err;
    sim::task_lock(tsk, lbl::sys_unshare::task_lock);
    // current->nsproxy = new_nsproxy; (and the per-namespace pointer swaps)
    if (ns) ns->set_task_namespaces(tsk, new_ns);
    sim::task_unlock(tsk, lbl::sys_unshare::task_unlock);
    // put_nsproxy(old_nsproxy) and the old namespaces: counts not modelled.
    return 0;
}

}  // namespace subsys
