#include "sim/script_policy.h"

#include "sim/machine.h"

namespace sim {

std::string ScriptPolicy::goal(const ScriptStep& s) const {
    if (s.kind == ScriptStep::Kind::steps)
        return "running " + std::to_string(s.steps) + (s.steps == 1 ? " step" : " steps");
    return std::string(s.kind == ScriptStep::Kind::to ? "reaching " : "executing ") + s.label->name +
           (s.occurrence > 1 ? "#" + std::to_string(s.occurrence) : "");
}

std::string ScriptPolicy::unmet(const Machine& m) {
    for (; idx_ < script_.size(); advance()) {
        const ScriptStep& s = script_[idx_];
        if (s.kind == ScriptStep::Kind::until_done) continue;
        if (s.kind == ScriptStep::Kind::through && seen_ >= s.occurrence) continue;
        if (s.kind == ScriptStep::Kind::steps && done_ >= s.steps) continue;
        return s.where + ": the run ended before " + m.cpu_state(s.cpu).name + " got to " + goal(s) + " (after step " +
               std::to_string(m.step()) + ")";
    }
    return "";
}

void ScriptPolicy::advance() {
    ++idx_;
    seen_ = done_ = 0;
}

int ScriptPolicy::choose(const Machine& m, CpuMask runnable, int current) {
    auto& mm = const_cast<Machine&>(m);
    while (idx_ < script_.size()) {
        const ScriptStep& s = script_[idx_];
        const CpuState& c = m.cpu_state(s.cpu);
        if ((s.kind == ScriptStep::Kind::through && seen_ >= s.occurrence) ||
            (s.kind == ScriptStep::Kind::steps && done_ >= s.steps)) {
            advance();
            continue;
        }
        bool at_label = s.label && !c.finished && c.pending == s.label;
        if (s.kind == ScriptStep::Kind::to && at_label && seen_ + 1 == s.occurrence) {
            advance();  // parked at the label (running or blocked): reached
            continue;
        }
        bool can_run = !c.finished && (runnable & (1u << s.cpu));
        if (!can_run) {
            if (s.kind == ScriptStep::Kind::until_done) {
                advance();
                continue;
            }
            mm.fail_schedule(s.where + ": " + c.name + " " + (c.finished ? "finished" : "is blocked at " +
                                                                             std::string(c.pending->name)) +
                             " before " + goal(s) + " (after step " + std::to_string(m.step()) + ")");
            return lowest_cpu(runnable);
        }
        if (at_label) ++seen_;
        ++done_;
        ++scripted_;
        return s.cpu;
    }
    return fallback_.choose(m, runnable, current);
}

}  // namespace sim
