// kernel/nsproxy.c as far as the ns subsystem (7/7) hooks into it: clone()
// and unshare() with namespace flags call copy_namespaces() /
// unshare_nsproxy_namespaces(), which call ns_container_clone() for the new
// nsproxy. Interface agreed for issue 3; implementation in nsproxy.cpp.
#pragma once
#include <sched.h>  // CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC: glibc's values are the kernel's

#include "core/task.h"
#include "core/v7/container.h"

namespace subsys {

// copy_process() -> copy_namespaces(flags, child); 0 or -errno (the clone fails).
int copy_namespaces(core::v7::KernelV7& k, unsigned long flags, core::task_struct* tsk);
// sys_unshare() -> unshare_nsproxy_namespaces(flags, ...) for current; 0 or -errno.
int unshare_nsproxy_namespaces(core::v7::KernelV7& k, unsigned long flags, core::task_struct* tsk);

}  // namespace subsys
