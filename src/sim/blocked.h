// Why a parked CPU cannot run, as reports and the timeline tell it.
#pragma once
#include <cstdint>

#include "sim/label.h"
#include "sim/object.h"
#include "sim/policy.h"

namespace sim {

// Why a parked CPU cannot run: the lock it waits for and who holds it, or
// the grace period it waits for and the CPUs that have not yet passed a
// quiescent state. What `contsim run` prints for a drawn order that cannot
// happen, and for each wait of a traced run.
struct Blocked {
    int cpu = -1;                    // the blocked CPU
    std::uint32_t after_step = 0;    // steps executed when it was found blocked
    const Label* at = nullptr;       // the step it is parked at
    const Cell* lock = nullptr;      // the lock it waits for (nullptr: a grace period)
    int holder = -1;                 // the CPU holding it (-1: none found)
    std::uint32_t since = 0;         // the step at which the holder took it
    const Label* holder_label = nullptr;
    // A grace period: the CPUs it still waits for (the first is `holder`).
    CpuMask gp_waits_for = 0;
};

// A traced run's wait: a CPU found blocked after step `after_step`, able to
// run again after step `until` (0: never, the run ended first).
struct WaitRow : Blocked {
    std::uint32_t until = 0;
};

}  // namespace sim
