#include "sim/leak.h"

#include <fmt/format.h>

namespace sim {

void check_leaks(const Arena& arena, const std::set<const Object*>& reachable, std::vector<Finding>& out) {
    for (const Object* o : arena.objects()) {
        if (o->freed || reachable.count(o)) continue;
        out.push_back({"leak",
                       fmt::format("BUG: memory leak: {} ({}) is still allocated but nothing live reaches it",
                                   o->name(), o->type),
                       0, -1, {}, {}});
    }
}

}  // namespace sim
