// The cpuacct subsystem, V7 patch 4/7 (text: V6 4/6): per-container CPU time.
// Interface agreed for issue 3; the implementation is in cpuacct.cpp. Registered
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

class cpuacct_subsys_t : public core::v7::container_subsys {
public:
    explicit cpuacct_subsys_t(core::v7::KernelV7& k);
    int create(container* cont) override;
    void destroy(container* cont) override;
    std::vector<const sim::Label*> labels() const override;

    // cpuacct_charge(): called from account_user_time()/account_system_time()
    // (the scenario's `tick` op charges the running task's CPU time).
    void cpuacct_charge(task_struct* task, unsigned long cputime);
};

}  // namespace subsys
