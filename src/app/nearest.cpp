#include "app/nearest.h"

#include <deque>

#include <fmt/format.h>

#include "app/timeline_facts.h"

namespace app {

namespace {

std::string repair_note(const RunResult& r, const sim::Repair& rp) {
    const sim::ScriptBlock& b = rp.block;
    const sim::ScriptStep& s = r.scenario->schedule[b.script_idx];
    std::string holder = r.cpu_name(b.holder), blocked = r.cpu_name(b.cpu);
    if (rp.kind == sim::Repair::Kind::finish_holder && b.gp_waits_for)
        return fmt::format("{} runs on from step {} until it passes a quiescent state; then {} goes on past {}", holder,
                           b.after_step + 1, blocked, b.at ? b.at->name : "?");
    if (rp.kind == sim::Repair::Kind::finish_holder)
        return fmt::format("{} runs on from step {} until it releases {} (taken at step {}, {}); then {} goes on "
                           "past {}",
                           holder, b.after_step + 1, b.lock ? b.lock->display() : "the lock", b.since,
                           b.holder_label ? b.holder_label->name : "?", blocked, b.at ? b.at->name : "?");
    return fmt::format("{} runs to the goal of $.{} before {} takes {} at step {} ({})", blocked, s.where, holder,
                       b.lock ? b.lock->display() : "the lock", b.since, b.holder_label ? b.holder_label->name : "?");
}

}  // namespace

std::string describe_block(const RunResult& r) {
    const sim::ScriptBlock& b = *r.infeasible;
    // The timeline's wait row, told of the blocked CPU, with when the wait began.
    std::string since = b.gp_waits_for ? " since it began"
                        : b.holder >= 0 ? fmt::format(" ({})", b.holder_label ? b.holder_label->name : "?")
                                        : "";
    return r.cpu_name(b.cpu) + " " + wait_text(r, b) + since;
}

std::optional<Nearest> find_nearest(const Scenario& sc, const RunOptions& base) {
    struct Node {
        std::vector<sim::Repair> repairs;
        std::vector<std::string> notes;
    };
    std::optional<std::set<std::string>> target = sc.expect.violations;
    std::optional<Nearest> best;
    std::size_t tried = 0;
    // Breadth first: fewer repairs are tried (and win ties) first.
    std::deque<Node> todo{Node{}};
    while (!todo.empty()) {
        Node n = std::move(todo.front());
        todo.pop_front();
        RunOptions o = base;
        o.repairs = n.repairs;
        RunResult r;
        try {
            r = run_scenario(sc, o);
        } catch (const InputError&) {
            continue;  // the bent schedule asks for something that no longer happens
        }
        ++tried;
        if (r.infeasible) {
            const sim::ScriptBlock& b = *r.infeasible;
            if (b.holder < 0 || n.repairs.size() >= kMaxRepairs) continue;
            for (auto kind : {sim::Repair::Kind::finish_holder, sim::Repair::Kind::hold_back}) {
                // A grace period has no acquisition to hold the blocked CPU back before.
                if (kind == sim::Repair::Kind::hold_back && b.gp_waits_for) continue;
                Node c = n;
                c.repairs.push_back({kind, b, false});
                c.notes.push_back(repair_note(r, c.repairs.back()));
                todo.push_back(std::move(c));
            }
            continue;
        }
        if (n.repairs.empty()) continue;  // the drawn order itself can happen
        std::vector<std::string> got = r.violation_set();
        bool reach = !target || std::set<std::string>(got.begin(), got.end()) == *target;
        bool better = !best || (reach && !best->reaches_target) ||
                      (reach == best->reaches_target && r.moved < best->run.moved);
        if (better) {
            best.emplace();
            best->run = std::move(r);
            best->notes = std::move(n.notes);
            best->reaches_target = reach;
        }
    }
    if (best) {
        best->target = target;
        best->tried = tried;
    }
    return best;
}

}  // namespace app
