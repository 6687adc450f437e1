// Placeholder: see nsproxy.h.
#include "subsys/nsproxy.h"

namespace subsys {

int copy_namespaces(core::v7::KernelV7&, unsigned long, core::task_struct*) { return 0; }
int unshare_nsproxy_namespaces(core::v7::KernelV7&, unsigned long, core::task_struct*) { return 0; }

}  // namespace subsys
