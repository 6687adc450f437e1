// contsim run --nearest: when a drawn schedule cannot happen, the feasible
// interleavings closest to it. Each block the drawn order meets can be bent
// two ways (sim::Repair): let the lock holder finish first, or hold it back
// before its acquisition until the blocked CPU has passed its goal. The
// search tries both at every block (up to kMaxRepairs blocks) and keeps the
// run that reaches the drawn outcome (`expect.violations`) with the fewest
// steps moved; with no drawn outcome, the fewest steps moved.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/runner.h"

namespace app {

constexpr std::size_t kMaxRepairs = 4;

struct Nearest {
    RunResult run;                   // the nearest feasible run, traced
    std::vector<std::string> notes;  // one line per repair, in the order applied
    std::optional<std::set<std::string>> target;  // the drawn outcome, if the scenario names one
    bool reaches_target = true;
    std::size_t tried = 0;           // runs the search made
};

// nullopt when no repair of up to kMaxRepairs blocks gives a feasible run.
std::optional<Nearest> find_nearest(const Scenario& sc, const RunOptions& base);

// "CPU1 waits for T1->alloc_lock, held by CPU0 since step 11 (attach_task:task_lock)".
std::string describe_block(const RunResult& r);

}  // namespace app
