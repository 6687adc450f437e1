// The run as a Trace Event Format document (the JSON Object Format), for
// Perfetto (ui.perfetto.dev) and chrome://tracing.
//
// One process (the scenario), one thread track per CPU (tid = CPU index + 1).
// Step s starts at ts = s * 1000 µs and lasts 1000 µs: the viewer shows one
// millisecond per step. On a CPU's track the complete ("X") slices nest:
//   level 1  each op the thread ran (OpSpan: the steps (after, until])
//   level 2  each run of the CPU's consecutive steps in one kernel function,
//            and each wait for a lock or a grace period
//   level 3  each step (named after its C line)
// Findings are instants, integer cells written by the threads (refcounts)
// are counters, and lock hand-offs and lockset races are flow arrows between
// step slices. Nothing depends on clocks or addresses: the same run prints
// the same document.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "app/report.h"
#include "app/timeline_facts.h"
#include "core/kernel.h"
#include "sim/machine.h"

namespace app {

namespace {

using nlohmann::json;

constexpr std::int64_t kStepUs = 1000;  // one step: 1000 µs, shown as 1 ms
constexpr int kPid = 1;

std::int64_t at(std::uint32_t step) { return static_cast<std::int64_t>(step) * kStepUs; }

// Where a flow arrow meets a step slice: inside it, clear of its edges, so
// that the slice enclosing the point is the step's and no other.
std::int64_t mid(std::uint32_t step) { return at(step) + kStepUs / 2; }

// The order events are written in: by time, a parent before the slices it
// encloses (longer first, then by level), then by track.
enum Rank : int { op_rank = 0, fn_rank = 1, step_rank = 2, instant_rank = 3, flow_rank = 4, counter_rank = 5 };

struct Item {
    std::int64_t ts;
    std::int64_t dur;  // X: its duration; others: 0
    int rank;
    int tid;
    std::size_t seq;
    json ev;
};

// A slice on one CPU's track, before it is written: [ts, end).
struct Span {
    std::int64_t ts, end;
};

bool inside(const Span& in, const Span& out) { return out.ts <= in.ts && in.end <= out.end; }

json one_return(int ret) { return returns_json({ret}).at(0); }

// The ops of a thread as written, when each runs once (no "if", "repeat",
// "for_each" or computed field): the k-th span is the k-th op.
bool plain_ops(const Scenario* sc, std::size_t thread) {
    if (!sc || thread >= sc->threads.size()) return false;
    for (const Op& op : sc->threads[thread].ops)
        if (!op.flow.empty() || !op.via.empty() || !op.handle.empty()) return false;
    return true;
}

json access_json(const sim::Event& e) {
    return {{"cell", e.cell ? e.cell->display() : std::string()},
            {"access", sim::access_name(e.access)},
            {"note", event_note(e)}};
}

}  // namespace

nlohmann::json report_chrome_trace(const RunResult& r) {
    std::vector<Item> items;
    auto add = [&](std::int64_t ts, std::int64_t dur, int rank, int tid, json ev) {
        items.push_back({ts, dur, rank, tid, items.size(), std::move(ev)});
    };
    auto slice = [&](int tid, const Span& s, int rank, const char* cat, std::string name, json args) {
        add(s.ts, s.end - s.ts, rank, tid,
            {{"name", std::move(name)},
             {"cat", cat},
             {"ph", "X"},
             {"pid", kPid},
             {"tid", tid},
             {"ts", s.ts},
             {"dur", s.end - s.ts},
             {"args", std::move(args)}});
    };

    const std::size_t ncpus = r.threads.size();
    static const sim::Trace no_trace;
    const sim::Trace& trace = r.machine ? r.machine->trace() : no_trace;
    const TimelineFacts facts = timeline_facts(r);

    // Each CPU's steps, with the events of each (a step may have several).
    std::vector<std::map<std::uint32_t, std::vector<const sim::Event*>>> own(ncpus);
    std::map<std::uint32_t, int> cpu_of_step;
    std::uint32_t last_step = r.steps;
    for (const sim::Event& e : trace) {
        last_step = std::max(last_step, e.step);
        if (e.cpu < 0 || static_cast<std::size_t>(e.cpu) >= ncpus) continue;
        own[static_cast<std::size_t>(e.cpu)][e.step].push_back(&e);
        cpu_of_step.emplace(e.step, e.cpu);
    }
    // The end of the run: just after its last step.
    const std::int64_t end_ts = at(last_step + 1);
    auto tid_of = [](int cpu) { return cpu + 1; };
    auto has_step = [&](int cpu, std::uint32_t step) {
        return cpu >= 0 && static_cast<std::size_t>(cpu) < ncpus && step &&
               own[static_cast<std::size_t>(cpu)].count(step) > 0;
    };

    // The waits, per CPU: from the step after the CPU was found blocked to
    // the step that let it go (or the end of the run). A wait in which the
    // CPU itself ran a step would not nest with that step: left out.
    struct Wait {
        Span span;
        std::uint32_t after, until;
        const sim::WaitRow* row;
    };
    std::vector<std::vector<Wait>> waits(ncpus);
    for (const sim::WaitRow& w : facts.waits) {
        if (w.cpu < 0 || static_cast<std::size_t>(w.cpu) >= ncpus) continue;
        const auto& steps = own[static_cast<std::size_t>(w.cpu)];
        Span s{at(w.after_step + 1), w.until ? at(w.until + 1) : std::max(end_ts, at(w.after_step + 2))};
        const std::uint32_t last = w.until ? w.until : last_step;
        if (w.until && w.until <= w.after_step) continue;
        auto it = steps.upper_bound(w.after_step);
        if (it != steps.end() && it->first <= last) continue;
        auto& mine = waits[static_cast<std::size_t>(w.cpu)];
        if (std::any_of(mine.begin(), mine.end(), [&](const Wait& o) { return o.span.ts < s.end && s.ts < o.span.end; }))
            continue;  // overlaps a wait already drawn (never seen: the machine records one wait at a time)
        mine.push_back({s, w.after_step, last, &w});
    }

    for (std::size_t c = 0; c < ncpus; ++c) {
        const ThreadResult& t = r.threads[c];
        const int tid = tid_of(static_cast<int>(c));
        const auto& steps = own[c];

        // Level 1: the ops. Steps outside every span (an op the run stopped
        // in, or one an oops ended) get a slice of their own.
        struct OpSlice {
            Span span;
            std::string name;
            json args;
            std::vector<std::uint32_t> steps;
        };
        std::vector<OpSlice> ops;
        std::vector<OpSpan> spans = t.spans;
        std::stable_sort(spans.begin(), spans.end(),
                         [](const OpSpan& a, const OpSpan& b) { return a.after < b.after; });
        for (const OpSpan& sp : spans)
            ops.push_back({{at(sp.after + 1), at(std::max(sp.until, sp.after) + 1)},
                           sp.text,
                           {{"op", sp.text}, {"return", one_return(sp.ret)}},
                           {}});
        std::map<std::size_t, std::vector<std::uint32_t>> gaps;  // steps before span k that no span covers
        for (const auto& [s, evs] : steps) {
            std::size_t k = 0;
            while (k < spans.size() && spans[k].until < s) ++k;
            if (k < spans.size() && spans[k].after < s)
                ops[k].steps.push_back(s);
            else
                gaps[k].push_back(s);
        }
        const std::uint32_t last_until = spans.empty() ? 0 : spans.back().until;
        std::vector<const Wait*> trailing_waits;
        for (const Wait& w : waits[c])
            if (w.after >= last_until) trailing_waits.push_back(&w);
        if (!gaps.count(spans.size()) && !trailing_waits.empty()) gaps[spans.size()];
        for (auto& [k, gs] : gaps) {
            Span s{INT64_MAX, INT64_MIN};
            if (!gs.empty()) s = {at(gs.front()), at(gs.back() + 1)};
            std::string name = "(between ops)";
            json args = {{"note", "steps of this CPU outside its thread's ops"}};
            if (k == spans.size()) {
                for (const Wait* w : trailing_waits) s = {std::min(s.ts, w->span.ts), std::max(s.end, w->span.end)};
                // The op the run stopped in (it never returned), or the CPU's
                // own work once its thread's ops are done (RCU callbacks).
                const bool plain = plain_ops(r.scenario, c);
                const std::size_t nops = plain ? r.scenario->threads[c].ops.size() : 0;
                const bool exited = plain && !spans.empty() && spans.size() <= nops &&
                                    r.scenario->threads[c].ops[spans.size() - 1].op == "exit";
                if (plain && spans.size() < nops && !exited) {
                    name = op_text(r.scenario->threads[c].ops[spans.size()]);
                    args = {{"op", name}, {"return", nullptr}, {"returned", false}};
                } else if (!plain && (r.aborted || r.infeasible)) {
                    name = "(an op that did not return)";
                    args = {{"return", nullptr}, {"returned", false}};
                } else {
                    name = "(after its ops)";
                    args = {{"note", "the CPU's work after its thread's last op returned"}};
                }
            }
            ops.push_back({s, name, args, gs});
        }
        std::stable_sort(ops.begin(), ops.end(), [](const OpSlice& a, const OpSlice& b) { return a.span.ts < b.span.ts; });

        for (const OpSlice& op : ops) {
            json args = op.args;
            if (!op.steps.empty()) args["steps"] = fmt::format("{}..{}", op.steps.front(), op.steps.back());
            slice(tid, op.span, op_rank, "op", op.name, std::move(args));

            // Level 2: the waits inside this op, and the runs of its steps in
            // one function (a wait ends a run: the function resumes after it).
            std::vector<const Wait*> mine;
            for (const Wait& w : waits[c])
                if (inside(w.span, op.span)) mine.push_back(&w);
            for (const Wait* w : mine) {
                const sim::WaitRow& row = *w->row;
                std::string what = row.lock ? row.lock->display() : std::string("an RCU grace period");
                json args = {{"message", wait_text(r, row)},
                             {"found_blocked_after_step", row.after_step},
                             {"until_step", row.until ? json(row.until) : json(nullptr)}};
                if (row.at) args["at"] = row.at->name;
                if (row.holder >= 0 && static_cast<std::size_t>(row.holder) < ncpus) {
                    args["holder"] = r.threads[static_cast<std::size_t>(row.holder)].cpu;
                    if (row.lock) args["since_step"] = row.since;
                }
                slice(tid, w->span, fn_rank, "wait", "waits for " + what, std::move(args));
            }
            auto wait_between = [&](std::uint32_t a, std::uint32_t b) {
                return std::any_of(mine.begin(), mine.end(),
                                   [&](const Wait* w) { return w->after >= a && w->after < b; });
            };
            std::size_t i = 0;
            while (i < op.steps.size()) {
                const std::string fn = sim::label_function(steps.at(op.steps[i]).front()->label);
                std::size_t j = i + 1;
                while (j < op.steps.size() && !wait_between(op.steps[j - 1], op.steps[j]) &&
                       sim::label_function(steps.at(op.steps[j]).front()->label) == fn)
                    ++j;
                slice(tid, {at(op.steps[i]), at(op.steps[j - 1] + 1)}, fn_rank, "function", fn,
                      {{"function", fn}, {"steps", fmt::format("{}..{}", op.steps[i], op.steps[j - 1])}});
                i = j;
            }
        }

        // Level 3: the steps.
        for (const auto& [s, evs] : steps) {
            const sim::Event& e = *evs.front();
            json args = {{"label", e.label->name}, {"step", s}};
            json first = access_json(e);
            for (auto it = first.begin(); it != first.end(); ++it) args[it.key()] = it.value();
            if (evs.size() > 1) {
                json all = json::array();
                for (const sim::Event* x : evs) {
                    json a = access_json(*x);
                    a["label"] = x->label->name;
                    all.push_back(std::move(a));
                }
                args["accesses"] = std::move(all);
            }
            slice(tid, {at(s), at(s + 1)}, step_rank, "step", e.label->c_line, std::move(args));
        }
    }

    // Findings: an instant at the step (on its CPU's track), or just after
    // the last step for a check at the end of the run.
    auto instant = [&](std::int64_t ts, int cpu, const char* cat, const std::string& name, json args) {
        const bool track = cpu >= 0 && static_cast<std::size_t>(cpu) < ncpus;
        const int tid = track ? tid_of(cpu) : 1;
        add(ts, 0, instant_rank, tid,
            {{"name", name},
             {"cat", cat},
             {"ph", "i"},
             {"s", track ? "t" : "g"},
             {"pid", kPid},
             {"tid", tid},
             {"ts", ts},
             {"args", std::move(args)}});
    };
    for (const sim::Finding& f : r.findings) {
        int cpu = f.cpu;
        if (f.step && !has_step(cpu, f.step)) {
            auto it = cpu_of_step.find(f.step);
            cpu = it != cpu_of_step.end() ? it->second : -1;
        }
        json args = {{"message", f.message}, {"step", f.step}};
        if (!f.related_steps.empty()) args["related_steps"] = f.related_steps;
        if (!f.details.empty()) args["details"] = f.details;
        instant(f.step ? at(f.step) : end_ts, cpu, "finding", f.kind, std::move(args));
    }
    if (r.infeasible)
        instant(end_ts, r.infeasible->cpu, "finding", "cannot happen", {{"message", r.infeasible_message}});

    // Flow arrows, each from one step slice to another.
    std::uint64_t next_id = 1;
    auto flow = [&](std::uint32_t from, std::uint32_t to, int from_cpu, int to_cpu, const char* cat,
                    const std::string& name, const json& args) {
        if (from == 0 || to == 0 || to < from || !has_step(from_cpu, from) || !has_step(to_cpu, to)) return;
        const std::uint64_t id = next_id++;
        add(mid(from), 0, flow_rank, tid_of(from_cpu),
            {{"name", name}, {"cat", cat}, {"ph", "s"}, {"id", id}, {"pid", kPid}, {"tid", tid_of(from_cpu)},
             {"ts", mid(from)}, {"args", args}});
        add(mid(to), 0, flow_rank, tid_of(to_cpu),
            {{"name", name}, {"cat", cat}, {"ph", "f"}, {"bp", "e"}, {"id", id}, {"pid", kPid},
             {"tid", tid_of(to_cpu)}, {"ts", mid(to)}, {"args", args}});
    };
    for (const HandOff& h : facts.handoffs) {
        if (h.acquire == 0) continue;
        const std::string lock = h.lock ? h.lock->display() : std::string("a lock");
        flow(h.release, h.acquire, h.from, h.to, "lock", "hand-off of " + lock,
             {{"lock", lock}, {"release_step", h.release}, {"acquire_step", h.acquire}});
    }
    for (const RacePair& p : facts.races) {
        auto ca = cpu_of_step.find(p.a), cb = cpu_of_step.find(p.b);
        if (ca == cpu_of_step.end() || cb == cpu_of_step.end()) continue;
        const std::string cell = p.cell ? p.cell->display() : std::string("a cell");
        flow(p.a, p.b, ca->second, cb->second, "race", "race on " + cell,
             {{"cell", cell}, {"first_step", p.a}, {"second_step", p.b}});
    }

    // Counters: every cell a thread changed by an atomic read-modify-write or
    // by writing an integer, sampled just before its first access and at
    // each change.
    {
        std::set<const sim::Cell*> counted;
        for (const sim::Event& e : trace)
            if (e.cell && (e.access == sim::Access::rmw ||
                           (e.access == sim::Access::write && e.after.kind == sim::Value::Kind::integer)))
                counted.insert(e.cell);
        std::vector<const sim::Cell*> cells(counted.begin(), counted.end());
        std::sort(cells.begin(), cells.end(), [](const sim::Cell* a, const sim::Cell* b) {
            return std::make_tuple(a->id, a->display()) < std::make_tuple(b->id, b->display());
        });
        for (const sim::Cell* cell : cells) {
            const std::string name = cell->display();
            std::vector<std::pair<std::int64_t, std::int64_t>> samples;  // (ts, value)
            auto sample = [&](std::int64_t ts, std::int64_t v) {
                if (!samples.empty() && samples.back().first == ts)
                    samples.back().second = v;
                else if (samples.empty() || samples.back().second != v)
                    samples.push_back({ts, v});
            };
            for (const sim::Event& e : trace) {
                if (e.cell != cell) continue;
                if (samples.empty() && e.before.kind == sim::Value::Kind::integer)
                    sample(at(e.step - 1), e.before.i);
                const bool writes = e.access == sim::Access::rmw || e.access == sim::Access::write;
                if (writes && e.after.kind == sim::Value::Kind::integer) sample(at(e.step), e.after.i);
            }
            for (const auto& [ts, v] : samples)
                add(ts, 0, counter_rank, 1,
                    {{"name", name}, {"cat", "counter"}, {"ph", "C"}, {"pid", kPid}, {"tid", 1}, {"ts", ts},
                     {"args", {{"value", v}}}});
        }
    }

    // An op that ran no step is an empty slice where the next op begins:
    // written first, it closes before that op opens (a sibling, not a child).
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        auto key = [](const Item& i) {
            return std::make_tuple(i.ts, !(i.rank == op_rank && i.dur == 0), -i.dur, i.rank, i.tid, i.seq);
        };
        return key(a) < key(b);
    });

    json events = json::array();
    const std::string scenario = r.scenario ? r.scenario->name : std::string("contsim");
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", kPid}, {"tid", 0}, {"args", {{"name", scenario}}}});
    events.push_back({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", kPid}, {"tid", 0}, {"args", {{"sort_index", 0}}}});
    for (std::size_t c = 0; c < ncpus; ++c) {
        const ThreadResult& t = r.threads[c];
        const int tid = tid_of(static_cast<int>(c));
        events.push_back({{"name", "thread_name"},
                          {"ph", "M"},
                          {"pid", kPid},
                          {"tid", tid},
                          {"args", {{"name", fmt::format("{} (pid {} {})", t.cpu, t.task, t.task_name)}}}});
        events.push_back({{"name", "thread_sort_index"},
                          {"ph", "M"},
                          {"pid", kPid},
                          {"tid", tid},
                          {"args", {{"sort_index", static_cast<int>(c)}}}});
    }
    if (ncpus == 0)  // the counters' and instants' track still has a name
        events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", kPid}, {"tid", 1}, {"args", {{"name", "CPU0"}}}});
    for (Item& it : items) events.push_back(std::move(it.ev));

    json other = {{"generator", "contsim run --format chrome-trace"},
                  {"scenario", scenario},
                  {"step_us", kStepUs},
                  {"steps", r.steps},
                  {"schedule_token", r.token},
                  {"aborted", r.aborted},
                  {"infeasible", r.infeasible ? json(r.infeasible_message) : json(nullptr)}};
    if (r.scenario) {
        other["title"] = r.scenario->title;
        other["file"] = r.scenario->file;
        other["kernel"] = r.scenario->kernel;
        json fixes = json::array();
        for (core::Fix f : r.scenario->fixes) fixes.push_back(core::fix_name(f));
        other["fixes"] = fixes;
    }
    return {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}, {"otherData", std::move(other)}};
}

}  // namespace app
