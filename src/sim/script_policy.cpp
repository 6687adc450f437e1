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
        if (skip_[idx_] || s.kind == ScriptStep::Kind::until_done) continue;
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

bool ScriptPolicy::goal_done(const ScriptStep& s, const Machine& m, unsigned seen, unsigned done) const {
    const CpuState& c = m.cpu_state(s.cpu);
    switch (s.kind) {
    case ScriptStep::Kind::through: return seen >= s.occurrence;
    case ScriptStep::Kind::steps: return done >= s.steps;
    case ScriptStep::Kind::to: return !c.finished && c.pending == s.label && seen + 1 == s.occurrence;
    case ScriptStep::Kind::until_done: return c.finished;
    }
    return true;
}

// The script asks blocked CPU s.cpu to run. Without a repair left, the run
// stops here; otherwise the next repair decides how the order is bent.
bool ScriptPolicy::block(const Machine& m, const ScriptStep& s) {
    ScriptBlock b;
    static_cast<Blocked&>(b) = m.blocked_on(s.cpu);
    const CpuState& c = m.cpu_state(s.cpu);
    b.script_idx = idx_;
    if (b.holder >= 0) {
        std::uint32_t step = 0;
        for (const Run& r : m.runs())
            for (unsigned k = 0; k < r.count; ++k)
                if (++step >= b.since && r.cpu != b.cpu) ++b.others_since;
    }
    // A finish_holder repair not used yet applies here (hold_back ones are
    // armed by step number in choose()).
    for (std::size_t i = 0; i < repairs_.size(); ++i) {
        Repair& r = repairs_[i];
        if (r.kind != Repair::Kind::finish_holder || r.used) continue;
        if (b.holder < 0) break;
        r.used = true;
        finishing_ = s.cpu;
        finish_holder_ = b.holder;
        finish_ran_ = 0;
        return true;
    }
    blocked_ = b;
    auto& mm = const_cast<Machine&>(m);
    mm.fail_schedule(s.where + ": " + c.name + " is blocked at " + std::string(c.pending->name) + " before " +
                     goal(s) + " (after step " + std::to_string(m.step()) + ")");
    return false;
}

// The holder runs on during finish_holder: a goal of its own later schedule
// steps that it passes now is done (so the script does not ask for it again).
void ScriptPolicy::note_holder_pick(const Machine& m, int cpu) {
    const Label* l = m.cpu_state(cpu).pending;
    for (std::size_t i = idx_ + 1; i < script_.size(); ++i) {
        const ScriptStep& s = script_[i];
        if (s.cpu != cpu || skip_[i]) continue;
        if ((s.kind == ScriptStep::Kind::through || s.kind == ScriptStep::Kind::to) && s.label == l &&
            s.occurrence == 1)
            skip_[i] = true;
        break;  // only its next schedule step
    }
}

int ScriptPolicy::choose(const Machine& m, CpuMask runnable, int current) {
    auto& mm = const_cast<Machine&>(m);
    // hold_back: just before the holder's acquisition, the blocked CPU runs
    // to the goal it was asked for.
    if (insert_ < 0) {
        for (std::size_t i = hold_next_; i < repairs_.size(); ++i) {
            const Repair& r = repairs_[i];
            if (r.kind != Repair::Kind::hold_back) continue;
            if (r.block.since != m.step() + 1) break;
            hold_next_ = i + 1;
            insert_ = r.block.cpu;
            insert_idx_ = r.block.script_idx;
            insert_seen_ = insert_done_ = insert_ran_ = 0;
            // Steps by other CPUs between the acquisition and the block:
            // they now come after the inserted ones.
            insert_deferred_ = r.block.others_since;
            // The blocked CPU's schedule steps up to its goal are run now.
            for (std::size_t k = idx_; k <= insert_idx_ && k < script_.size(); ++k)
                if (script_[k].cpu == insert_) skip_[k] = true;
            break;
        }
    }
    if (insert_ >= 0) {
        const ScriptStep& g = script_[insert_idx_];
        const CpuState& c = m.cpu_state(insert_);
        if (goal_done(g, m, insert_seen_, insert_done_)) {
            moved_ += std::min(insert_ran_, insert_deferred_);
            insert_ = -1;
        } else if (c.finished) {
            // The goal is not on its path from here: this bent order fails (nearest skips it).
            insert_ = -1;
            mm.fail_schedule(g.where + ": " + c.name + " finished before " + goal(g) + " (after step " +
                             std::to_string(m.step()) + ")");
            return lowest_cpu(runnable);
        } else if (!(runnable & (1u << insert_))) {
            // Blocked again while inserted: a further block to repair or report.
            ScriptStep s = g;
            insert_ = -1;
            if (!block(m, s)) return lowest_cpu(runnable);
        } else {
            if (g.label && c.pending == g.label) ++insert_seen_;
            ++insert_done_;
            ++insert_ran_;
            ++scripted_;
            return insert_;
        }
    }
    if (finishing_ >= 0) {
        if (runnable & (1u << finishing_)) {
            moved_ += finish_ran_;
            finishing_ = -1;
        } else {
            int h = (runnable & (1u << finish_holder_)) ? finish_holder_
                                                         : lowest_cpu(runnable);
            note_holder_pick(m, h);
            ++finish_ran_;
            ++scripted_;
            return h;
        }
    }
    while (idx_ < script_.size()) {
        const ScriptStep& s = script_[idx_];
        const CpuState& c = m.cpu_state(s.cpu);
        if (skip_[idx_] || (s.kind == ScriptStep::Kind::through && seen_ >= s.occurrence) ||
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
            if (c.finished) {
                mm.fail_schedule(s.where + ": " + c.name + " finished before " + goal(s) + " (after step " +
                                 std::to_string(m.step()) + ")");
                return lowest_cpu(runnable);
            }
            if (!block(m, s)) return lowest_cpu(runnable);
            return choose(m, runnable, current);  // finish_holder now runs
        }
        if (at_label) ++seen_;
        ++done_;
        ++scripted_;
        return s.cpu;
    }
    return fallback_.choose(m, runnable, current);
}

}  // namespace sim
