// The ns subsystem, V7 patch 7/7 (text not in our reference; modelled from the thread).
// Interface agreed for issue 3; the implementation is in ns.cpp. Registered
// by adding it to KernelV7's builtin_subsys_ (src/core/v7/container.cpp).
#pragma once
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/v7/container.h"
#include "core/v7/file.h"

namespace subsys {

using core::task_struct;
using core::v7::cftype;
using core::v7::container;
using core::v7::container_subsys_state;

class ns_subsys_t : public core::v7::container_subsys {
public:
    explicit ns_subsys_t(core::v7::KernelV7& k);
    int create(container* cont) override;
    void destroy(container* cont) override;
    std::vector<const sim::Label*> labels() const override;

    // ns_container_clone(): from copy_namespaces()/sys_unshare() when a new
    // namespace is made; calls container_clone(tsk, &ns_subsys). 0 or -errno.
    int ns_container_clone(task_struct* tsk);
};

}  // namespace subsys
