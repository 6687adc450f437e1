// Placeholder: see cpuacct.h.
#include "subsys/cpuacct.h"

#include <cerrno>

namespace subsys {

cpuacct_subsys_t::cpuacct_subsys_t(core::v7::KernelV7& k) : container_subsys(k, "cpuacct", 0) {}
int cpuacct_subsys_t::create(container*) { return -ENOMEM; }
void cpuacct_subsys_t::destroy(container*) {}
std::vector<const sim::Label*> cpuacct_subsys_t::labels() const { return {}; }
void cpuacct_subsys_t::cpuacct_charge(task_struct*, unsigned long) {}

}  // namespace subsys
