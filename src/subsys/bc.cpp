// Placeholder: see bc.h.
#include "subsys/bc.h"

#include <cerrno>

namespace subsys {

bc_subsys_t::bc_subsys_t(core::v7::KernelV7& k) : container_subsys(k, "bc", 0) {}
int bc_subsys_t::create(container*) { return -ENOMEM; }
void bc_subsys_t::destroy(container*) {}
std::vector<const sim::Label*> bc_subsys_t::labels() const { return {}; }
int bc_subsys_t::bc_file_charge(core::v7::file*) { return 0; }
void bc_subsys_t::bc_file_uncharge(core::v7::file*) {}

}  // namespace subsys
