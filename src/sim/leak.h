// The end-of-run leak check: kmalloc'ed objects still allocated that nothing
// live reaches. What "reaches" means is the model's business: it passes the set.
#pragma once
#include <set>
#include <vector>

#include "sim/arena.h"
#include "sim/finding.h"

namespace sim {

void check_leaks(const Arena& arena, const std::set<const Object*>& reachable, std::vector<Finding>& out);

}  // namespace sim
