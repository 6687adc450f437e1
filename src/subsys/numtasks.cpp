// Placeholder: see numtasks.h.
#include "subsys/numtasks.h"

#include <cerrno>

namespace subsys {

numtasks_subsys_t::numtasks_subsys_t(core::v7::KernelV7& k) : container_subsys(k, "numtasks", 0) {}
int numtasks_subsys_t::create(container*) { return -ENOMEM; }
void numtasks_subsys_t::destroy(container*) {}
std::vector<const sim::Label*> numtasks_subsys_t::labels() const { return {}; }
int numtasks_subsys_t::numtasks_allow_fork(task_struct*) { return 0; }

}  // namespace subsys
