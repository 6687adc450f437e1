// Every field of a run's recorded steps (sim::StepInfo), as text: two runs
// that record the same steps give the same text (tests of checkpoints).
#pragma once
#include <sstream>
#include <span>
#include <string>
#include <vector>

#include "sim/machine.h"

inline std::string steps_text(std::span<const sim::StepInfo> steps, std::size_t n = ~std::size_t{0}) {
    std::ostringstream o;
    for (std::size_t i = 0; i < n && i < steps.size(); ++i) {
        const sim::StepInfo& e = steps[i];
        o << e.cell << ' ' << e.object << ' ' << int(e.cpu) << ' ' << int(e.access) << ' ' << e.rcu_snapshot << e.fatal
          << ' ' << e.also_reads << ' ' << e.qs << e.qs_begin << ' ' << int(e.blind) << e.dec << ' ' << e.left << ' '
          << e.arrives << ' ' << e.held << ' ' << int(e.lock_bit) << ';';
    }
    return o.str();
}
