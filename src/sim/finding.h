// A violation found by a check: never a crash, always a report with the steps
// involved, in the kernel's own words.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

struct Finding {
    std::string kind;      // "refcount-underflow", "use-after-free", ...
    std::string message;   // "BUG: refcount underflow: CS1->count 0 -> -1 at step 14 ..."
    std::uint32_t step = 0;            // 0 = found at the end of the run
    int cpu = -1;
    std::vector<std::uint32_t> related_steps;
    std::vector<std::string> details;  // extra lines (lockdep tables)
};

}  // namespace sim
