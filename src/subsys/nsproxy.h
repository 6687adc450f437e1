// kernel/nsproxy.c and sys_unshare() (2.6.20) as far as the ns subsystem
// (7/7) hooks into them: clone() and unshare() with namespace flags reach
// copy_namespaces() / unshare_nsproxy_namespaces(), which call
// ns_container_clone() for the task getting the new namespaces.
//
// The nsproxy and the namespaces themselves are outside the container code:
// the model keeps only which mount/uts/ipc namespace each task has (model
// data in ns_subsys_t, no steps, no reference counts), so that a test can see
// whether a clone really got a new namespace. The steps that matter to the
// container code are ns_container_clone() and sys_unshare()'s task_lock(current).
#pragma once
#include <sched.h>  // CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC: glibc's values are the kernel's

#include "core/labels.h"
#include "core/task.h"
#include "core/v7/container.h"

#define CONTSIM_V7_NSPROXY_LABELS(X)                                             \
    X(sys_unshare, task_lock, "task_lock(current); /* install the new namespaces */") \
    X(sys_unshare, task_unlock, "task_unlock(current);")

namespace subsys::lbl {
CONTSIM_V7_NSPROXY_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace subsys {

// copy_process() -> copy_namespaces(flags, child), current being the parent;
// 0 or -errno (the clone fails).
int copy_namespaces(core::v7::KernelV7& k, unsigned long flags, core::task_struct* tsk);
// sys_unshare() -> unshare_nsproxy_namespaces(flags, ...) for current; 0 or -errno.
int unshare_nsproxy_namespaces(core::v7::KernelV7& k, unsigned long flags, core::task_struct* tsk);

}  // namespace subsys
