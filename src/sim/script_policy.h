// Follows a human-written schedule: "run CPU0 through attach_task:read_oldcont,
// then CPU1 to container_exit:write_top_container, ...". After the script, the
// fallback policy (serial by default) runs whatever remains.
#pragma once
#include <string>
#include <vector>

#include "sim/label.h"
#include "sim/policy.h"

namespace sim {

struct ScriptStep {
    enum class Kind { until_done, to, through, steps };
    int cpu;
    Kind kind = Kind::until_done;
    const Label* label = nullptr;  // to / through
    unsigned occurrence = 1;       // label#k: the k-th time from the start of this step
    unsigned steps = 0;            // steps: N
    std::string where;             // "schedule[2]", for error messages
};

class ScriptPolicy : public Policy {
public:
    ScriptPolicy(std::vector<ScriptStep> script, Policy& fallback)
        : script_(std::move(script)), fallback_(fallback) {}
    int choose(const Machine& m, CpuMask runnable, int current) override;
    // After the run: the first step whose goal was never reached ("" if none).
    std::string unmet(const Machine& m);
    // Picks the script made (the rest came from the fallback).
    std::size_t scripted() const { return scripted_; }

private:
    void advance();
    std::string goal(const ScriptStep& s) const;
    std::vector<ScriptStep> script_;
    Policy& fallback_;
    std::size_t idx_ = 0;
    unsigned seen_ = 0;  // occurrences of the step's label executed so far
    unsigned done_ = 0;  // steps executed in this schedule step
    std::size_t scripted_ = 0;
};

}  // namespace sim
