// Placeholder: see nsproxy.h. Until the real nsproxy.c model replaces this
// file, a namespace flag just clones the task's ns container.
#include "subsys/nsproxy.h"

#include "subsys/ns.h"

namespace subsys {

namespace {
int clone_ns(core::v7::KernelV7& k, unsigned long flags, core::task_struct* tsk) {
    if (!(flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC))) return 0;
    auto* ns = dynamic_cast<ns_subsys_t*>(k.subsys_by_name("ns"));
    return ns ? ns->ns_container_clone(tsk) : 0;
}
}  // namespace

int copy_namespaces(core::v7::KernelV7& k, unsigned long flags, core::task_struct* tsk) { return clone_ns(k, flags, tsk); }
int unshare_nsproxy_namespaces(core::v7::KernelV7& k, unsigned long flags, core::task_struct* tsk) {
    return clone_ns(k, flags, tsk);
}

}  // namespace subsys
