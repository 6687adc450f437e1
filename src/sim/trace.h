// One executed step, recorded only while tracing.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/access.h"
#include "sim/label.h"
#include "sim/object.h"
#include "sim/value.h"

namespace sim {

struct Event {
    std::uint32_t step;
    int cpu;
    const Label* label;
    const Cell* cell;
    Access access;
    Value before;   // read: the value read; write/rmw: the old value
    Value after;    // write/rmw: the new value
    bool changed;
};

using Trace = std::vector<Event>;

}  // namespace sim
