// Resource Groups' numtasks controller, V7 patch 5/7 (text: V6 5/6).
// Interface agreed for issue 3; the implementation is in numtasks.cpp. Registered
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

class numtasks_subsys_t : public core::v7::container_subsys {
public:
    explicit numtasks_subsys_t(core::v7::KernelV7& k);
    int create(container* cont) override;
    void destroy(container* cont) override;
    std::vector<const sim::Label*> labels() const override;

    // numtasks_allow_fork(): called from do_fork() before copy_process(); 0 or -errno.
    int numtasks_allow_fork(task_struct* task);
};

}  // namespace subsys
