// Follows a human-written schedule: "run CPU0 through attach_task:read_oldcont,
// then CPU1 to container_exit:write_top_container, ...". After the script, the
// fallback policy (serial by default) runs whatever remains.
//
// A drawn schedule can ask a CPU to run while it waits for a lock another CPU
// holds: that order cannot happen. The policy then stops the run and records
// the block (who waits for what, held by whom since which step). With repairs
// it instead follows the nearest orders that can happen (see Repair).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/blocked.h"
#include "sim/label.h"
#include "sim/policy.h"

namespace sim {

struct Cell;

struct ScriptStep {
    enum class Kind { until_done, to, through, steps };
    int cpu;
    Kind kind = Kind::until_done;
    const Label* label = nullptr;  // to / through
    unsigned occurrence = 1;       // label#k: the k-th time from the start of this step
    unsigned steps = 0;            // steps: N
    std::string where;             // "schedule[2]", for error messages
};

// Where a script asked a blocked CPU to run.
// (A grace period's first CPU not yet past a quiescent state is `holder`:
// finish_holder runs it until it passes one.)
struct ScriptBlock : Blocked {
    std::size_t script_idx = 0;      // the schedule step that could not go on
    unsigned others_since = 0;       // steps other CPUs ran from `since` to the block
};

// One way round a block, applied to the i-th block a run meets:
// finish_holder: the holder runs on (its steps move ahead of the blocked
//   step) until the blocked CPU can go, then the script resumes;
// hold_back: replayed from the start, the blocked CPU runs to its goal just
//   before the holder's acquisition at step `since` (the steps between move
//   after it).
struct Repair {
    enum class Kind { finish_holder, hold_back };
    Kind kind;
    ScriptBlock block;  // hold_back: the block met by the run without this repair
    bool used = false;  // finish_holder: applied to a block of this run
};

class ScriptPolicy : public Policy {
public:
    ScriptPolicy(std::vector<ScriptStep> script, Policy& fallback, std::vector<Repair> repairs = {})
        : script_(std::move(script)), fallback_(fallback), repairs_(std::move(repairs)),
          skip_(script_.size(), false) {}
    int choose(const Machine& m, CpuMask runnable, int current) override;
    // After the run: the first step whose goal was never reached ("" if none).
    std::string unmet(const Machine& m);
    // Picks the script made (the rest came from the fallback).
    std::size_t scripted() const { return scripted_; }
    // The block that stopped the run (a drawn order that cannot happen).
    const std::optional<ScriptBlock>& blocked() const { return blocked_; }
    // The steps the repairs moved relative to the drawn order.
    unsigned moved() const { return moved_; }

private:
    void advance();
    std::string goal(const ScriptStep& s) const;
    bool block(const Machine& m, const ScriptStep& s);
    void note_holder_pick(const Machine& m, int cpu);
    bool goal_done(const ScriptStep& s, const Machine& m, unsigned seen, unsigned done) const;
    std::vector<ScriptStep> script_;
    Policy& fallback_;
    std::vector<Repair> repairs_;
    std::vector<bool> skip_;  // schedule steps a repair already ran
    std::size_t idx_ = 0;
    unsigned seen_ = 0;  // occurrences of the step's label executed so far
    unsigned done_ = 0;  // steps executed in this schedule step
    std::size_t scripted_ = 0;
    std::optional<ScriptBlock> blocked_;
    unsigned moved_ = 0;
    // finish_holder in progress: the blocked CPU waits while the holder runs.
    int finishing_ = -1, finish_holder_ = -1;
    unsigned finish_ran_ = 0;
    // hold_back in progress: `insert_` runs to script_[insert_idx_]'s goal.
    int insert_ = -1;
    std::size_t insert_idx_ = 0;
    unsigned insert_seen_ = 0, insert_done_ = 0, insert_ran_ = 0, insert_deferred_ = 0;
    std::size_t hold_next_ = 0;  // the next hold_back repair to arm
};

}  // namespace sim
