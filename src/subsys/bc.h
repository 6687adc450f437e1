// BeanCounters' numfiles resource, V7 patch 6/7 (text: V6 6/6).
// Interface agreed for issue 3; the implementation is in bc.cpp. Registered
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

class bc_subsys_t : public core::v7::container_subsys {
public:
    explicit bc_subsys_t(core::v7::KernelV7& k);
    int create(container* cont) override;
    void destroy(container* cont) override;
    std::vector<const sim::Label*> labels() const override;

    // bc_file_charge(): from get_empty_filp() (the `open` op); 0 or -errno.
    int bc_file_charge(core::v7::file* f);
    // bc_file_uncharge(): from file_free() (the `close` op).
    void bc_file_uncharge(core::v7::file* f);
};

}  // namespace subsys
