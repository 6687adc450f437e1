#include "sim/alloc_fail.h"

#include <cstring>

namespace sim {

bool AllocFailInjector::should_fail(const Label& l) {
    if (!armed_ || plan_.empty()) return false;
    const char* colon = std::strchr(l.name, ':');
    std::string site = colon ? std::string(l.name, colon) : std::string(l.name);
    std::uint32_t n = ++seen_[site];
    for (const AllocFailure& f : plan_)
        if (f.site == site && f.nth == n) {
            ++failed_;
            return true;
        }
    return false;
}

}  // namespace sim
