#include "app/timeline_facts.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "sim/kernel/rcu.h"

namespace app {

namespace {

bool writes(sim::Access a) {
    using A = sim::Access;
    return a == A::write || a == A::rmw || a == A::rcu_assign || a == A::alloc || a == A::free;
}

bool data_access(sim::Access a) {
    using A = sim::Access;
    return writes(a) || a == A::read || a == A::rcu_deref;
}

// The locks a CPU holds at one of its accesses: exclusive and shared.
struct LockSet {
    std::set<const sim::Cell*> ex, sh;
};

// Some lock held across both accesses orders them: exclusively by one side
// and at all by the other (two read_locks order nothing).
bool ordered(const LockSet& x, const LockSet& y) {
    for (const sim::Cell* l : x.ex)
        if (y.ex.count(l) || y.sh.count(l)) return true;
    for (const sim::Cell* l : y.ex)
        if (x.sh.count(l)) return true;
    return false;
}

}  // namespace

std::string wait_text(const RunResult& r, const sim::Blocked& b) {
    if (b.gp_waits_for) {
        std::string who;
        for (sim::CpuMask g = b.gp_waits_for; g; g &= g - 1) who += (who.empty() ? "" : ", ") + r.cpu_name(__builtin_ctz(g));
        return fmt::format("waits for an RCU grace period: {} {} not passed a quiescent state", who,
                           __builtin_popcount(b.gp_waits_for) > 1 ? "have" : "has");
    }
    std::string what = b.lock ? b.lock->display() : std::string("an RCU grace period");
    if (b.holder < 0) return "waits for " + what;
    return fmt::format("waits for {}, held by {} since step {}", what, r.cpu_name(b.holder), b.since);
}

TimelineFacts timeline_facts(const RunResult& r) {
    TimelineFacts f;
    if (!r.machine) return f;
    const sim::Trace& trace = r.machine->trace();

    // Races: each access against the latest conflicting one of every other CPU.
    struct Access {
        std::uint32_t step;
        int cpu;
        bool write;
        bool rmw;
        LockSet locks;
    };
    std::map<int, LockSet> held;
    std::map<const sim::Cell*, std::vector<Access>> by_cell;
    std::set<std::tuple<const sim::Cell*, int, std::uint32_t, bool>> paired;  // cell, cpu, partner step, writes
    for (const sim::Event& e : trace) {
        using A = sim::Access;
        LockSet& mine = held[e.cpu];
        if (e.access == A::acquire) mine.ex.insert(e.cell);
        else if (e.access == A::acquire_shared) mine.sh.insert(e.cell);
        else if (e.access == A::release) mine.ex.erase(e.cell);
        else if (e.access == A::release_shared) mine.sh.erase(e.cell);
        if (!e.cell || !data_access(e.access)) continue;
        Access now{e.step, e.cpu, writes(e.access), e.access == A::rmw, mine};
        auto& seen = by_cell[e.cell];
        std::map<int, const Access*> latest;  // per other CPU
        // Two atomic read-modify-writes (atomic_inc, atomic_dec_and_test)
        // are indivisible against each other: their order matters only
        // through what a finding names.
        const bool rmw = e.access == A::rmw;
        for (const Access& p : seen)
            if (p.cpu != e.cpu && (p.write || now.write) && !(rmw && p.rmw)) latest[p.cpu] = &p;
        for (const auto& [cpu, p] : latest)
            if (!ordered(p->locks, now.locks) && p->step != now.step &&
                paired.insert({e.cell, e.cpu, p->step, now.write}).second) {  // a later read of the same write: no new race
                f.races.push_back({p->step, now.step, e.cell});
                f.racing.insert(p->step);
                f.racing.insert(now.step);
            }
        seen.push_back(std::move(now));
    }

    // A CPU that waits again at the same step without having run (the holder
    // let go and took the lock back) is one wait: the first row, the last release.
    std::vector<sim::WaitRow> waits;
    for (const sim::WaitRow& w : r.machine->waits()) {
        // A call_rcu() callback waiting for its grace period after the CPU's
        // ops are done delays only a free: not a wait of the race.
        if (w.at == &sim::rcu_process_callbacks_invoke) continue;
        bool same = false;
        for (auto it = waits.rbegin(); it != waits.rend(); ++it)
            if (it->cpu == w.cpu) {
                same = it->at == w.at && it->lock == w.lock &&
                       std::none_of(trace.begin(), trace.end(), [&](const sim::Event& e) {
                           return e.cpu == w.cpu && e.step > it->after_step && e.step <= w.after_step;
                       });
                if (same) it->until = w.until;
                break;
            }
        if (!same) waits.push_back(w);
    }
    for (const sim::WaitRow& w : waits) {
        f.waits.push_back(w);
        if (!w.lock || w.holder < 0 || w.until == 0) continue;
        // The release that let the waiter go is the holder's step `until`;
        // the waiter's next step is its acquisition.
        HandOff h{w.until, 0, w.holder, w.cpu, w.lock};
        for (const sim::Event& e : trace)
            if (e.cpu == w.cpu && e.step > w.until) {
                h.acquire = e.step;
                break;
            }
        f.handoffs.push_back(h);
    }

    for (const sim::Finding& x : r.findings) {
        if (x.step) f.finding_steps.insert(x.step);
        for (std::uint32_t s : x.related_steps) f.finding_steps.insert(s);
    }
    // A finding at the end of the run (a leak, a dangling pointer, a count
    // mismatch) names cells ("cg(CS2)->ref") and freed objects: the last
    // change of each is its cause.
    std::map<std::string, std::uint32_t> last_change;  // "cg(CS2)->ref" or a freed object's name -> step
    for (const sim::Event& e : trace) {
        if (e.access == sim::Access::free && e.before.kind == sim::Value::Kind::object && e.before.o)
            last_change[e.before.o->name()] = e.step;
        else if (e.cell && writes(e.access) && e.cell->owner && *e.cell->owner->name())
            last_change[e.cell->display()] = e.step;
    }
    auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (const sim::Finding& x : r.findings) {
        if (x.step) continue;
        for (const auto& [name, step] : last_change)
            for (std::size_t at = x.message.find(name); at != std::string::npos; at = x.message.find(name, at + 1)) {
                const std::size_t end = at + name.size();
                if ((at == 0 || !word_char(x.message[at - 1])) && (end == x.message.size() || !word_char(x.message[end]))) {
                    f.finding_steps.insert(step);
                    break;
                }
            }
    }

    f.focus = f.racing;
    f.focus.insert(f.finding_steps.begin(), f.finding_steps.end());
    for (const sim::WaitRow& w : f.waits) {
        if (w.since) f.focus.insert(w.since);
        f.focus.insert(w.after_step);
    }
    for (const HandOff& h : f.handoffs) {
        f.focus.insert(h.release);
        if (h.acquire) f.focus.insert(h.acquire);
    }
    f.focus.erase(0);
    return f;
}

}  // namespace app
