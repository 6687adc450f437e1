#include "app/explore.h"
#include "app/json_input.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <atomic>
#include <chrono>
#include <utility>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "app/digest.h"
#include "app/explore_progress.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/version.h"
#include "core/errno_names.h"
#include "sim/pct_policy.h"
#include "sim/script_policy.h"
#include "sim/tree_search.h"

namespace app {

using nlohmann::json;

Outcome outcome_of(const RunResult& r, const Scenario& sc) {
    Outcome o;
    o.violations = r.violation_set();
    for (const FinalCheck& f : sc.expect.final) {
        auto v = final_value(r, f.target, f.key);
        o.final.emplace_back(f.target + "." + f.key, v ? *v : json(nullptr));
    }
    for (const ThreadResult& t : r.threads) {
        o.returns.emplace_back(t.cpu, t.returns);
        if (sc.expect.reads.count(t.cpu)) o.reads.emplace_back(t.cpu, t.reads);
    }
    return o;
}

namespace {

std::string prefix_token(const std::vector<std::uint8_t>& prefix) {
    return sim::encode_token(sim::runs_of(std::vector<int>(prefix.begin(), prefix.end())));
}

std::string returns_text(const std::vector<int>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + core::result_name(v[i]);
    return s + "]";
}

std::string values_text(const Outcome& o) {
    std::string s;
    for (const auto& [k, v] : o.final) s += (s.empty() ? "" : " ") + k + "=" + (v.is_null() ? "?" : v.dump());
    for (const auto& [cpu, rets] : o.returns) s += (s.empty() ? "" : " ") + cpu + "=" + returns_text(rets);
    for (const auto& [cpu, texts] : o.reads) s += (s.empty() ? "" : " ") + cpu + ".reads=" + json(texts).dump();
    return s;
}

std::string violations_text(const std::vector<std::string>& v) {
    if (v.empty()) return "-";
    std::string s;
    for (const auto& k : v) s += (s.empty() ? "" : ",") + k;
    return s;
}

std::string fixes_text(const Scenario& sc) {
    std::string s;
    for (core::Fix f : sc.fixes) s += (s.empty() ? "" : ", ") + std::string(core::fix_name(f));
    return s.empty() ? "none" : s;
}

}  // namespace

bool Outcome::operator<(const Outcome& o) const {
    return std::tie(violations, final, returns, reads) < std::tie(o.violations, o.final, o.returns, o.reads);
}
bool Outcome::operator==(const Outcome& o) const {
    return violations == o.violations && final == o.final && returns == o.returns && reads == o.reads;
}

bool ExploreResult::violation_reachable() const {
    for (const OutcomeRow& r : outcomes)
        if (!r.outcome.violations.empty()) return true;
    return !carried.empty();
}

std::string ExploreResult::verdict() const {
    if (positive == 0) return "Never";
    if (negative == 0) return "Always";
    return "Sometimes";
}

namespace {

using Rows = std::map<Outcome, OutcomeRow>;

// What one work unit found.
struct Part {
    sim::ExploreStats stats;
    Rows rows;
    std::uint64_t positive = 0, negative = 0;
};

// A witness is better with fewer context switches, then fewer steps, then the
// lesser token: a total order, so combining units in any grouping picks the same.
bool better(const OutcomeRow& a, const OutcomeRow& b) {
    return std::tie(a.switches, a.steps, a.witness) < std::tie(b.switches, b.steps, b.witness);
}

void add_row(Rows& rows, const Outcome& oc, const OutcomeRow& row) {
    auto [it, fresh] = rows.try_emplace(oc, row);
    if (fresh) return;
    it->second.executions += row.executions;
    if (better(row, it->second)) {
        it->second.witness = row.witness;
        it->second.raw_witness = row.raw_witness;
        it->second.switches = row.switches;
        it->second.steps = row.steps;
    }
}

void add_part(Part& into, const Part& p) {
    into.stats.add(p.stats);
    into.positive += p.positive;
    into.negative += p.negative;
    for (const auto& [oc, row] : p.rows) add_row(into.rows, oc, row);
}

// The machine and kernel of one worker thread. With ExploreOptions::snapshot
// (the default), boot and set-up run once per worker and each execution
// restores their state (app::SnapshotRunner); otherwise each execution is a
// fresh run_scenario().
struct Worker {
    Worker(const Scenario& s, const ExploreOptions& opt) : sc(s), o(opt) {}
    const Scenario& sc;
    const ExploreOptions& o;
    RunResult cur;  // the last execution, without a snapshot
    Part* part = nullptr;
    ExploreProgress* progress = nullptr;
    std::unique_ptr<SnapshotRunner> snap;
    bool snap_tried = false;
    const RunResult* last = nullptr;  // the last execution's result (with a snapshot: once finished)

    const sim::Machine& run_once(sim::Policy& p) {
        if (o.snapshot && !snap_tried) {
            snap_tried = true;
            snap = SnapshotRunner::create(sc, o.max_steps, o.checkpoints);
        }
        if (snap) {
            // Finished only if on_execution() asks (counted runs).
            last = nullptr;
            return snap->run_threads_only(p);
        }
        cur = RunResult{};  // the old machine goes first: machines nest on this thread
        RunOptions ro;
        ro.max_steps = o.max_steps;
        ro.policy = &p;
        cur = run_scenario(sc, ro);
        last = &cur;
        return *cur.machine;
    }

    // The witness of an execution depends only on its trace: the
    // linearisation with the fewest context switches (sim::fewest_switches
    // looks at the happens-before order alone). Each trace is explored exactly
    // once whatever the work units, so the least witness of an outcome is the
    // same for any --split, --jobs and --shard.
    // `clocks`: the execution's happens-before clocks when the search has them (DPOR).
    void on_execution(const sim::Machine& m, const std::vector<sim::HbClock>* clocks = nullptr) {
        if (!last) last = &snap->result();
        Outcome oc = outcome_of(*last, sc);
        OutcomeRow row;
        row.executions = 1;
        row.raw_witness = last->token;
        row.witness = last->token;
        row.switches = m.runs().empty() ? 0 : m.runs().size() - 1;
        row.steps = m.step();
        row.matches_expect = last->matches;
        // A witness with more switches than the row's cannot replace it
        // (better()): the search for one gives up early then (a quarter of a
        // four-CPU search's time went to witnesses that lost).
        const auto known = part->rows.find(oc);
        const std::size_t at_most = known == part->rows.end() ? ~std::size_t{0} : known->second.switches;
        std::vector<int> picks = clocks ? sim::fewest_switches(m.steps(), *clocks, at_most)
                                        : sim::fewest_switches(m.steps(), m.gp_edges(), o.search.reductions, at_most);
        if (picks.size() == m.step() && !picks.empty()) {
            std::vector<sim::Run> runs = sim::runs_of(picks);
            row.witness = sim::encode_token(runs);
            row.switches = runs.size() - 1;
        } else if (known != part->rows.end()) {
            row.switches = ~std::size_t{0};  // lost to the row's witness: counted, not a candidate
        }
        if (known == part->rows.end()) {
            row.outcome = oc;
            if (progress) progress->outcome(values_text(oc) + " " + violations_text(oc.violations));
        }
        add_row(part->rows, oc, row);
        ++(last->matches ? part->positive : part->negative);
        if (progress) progress->execution();
    }
};

// Replays a fixed prefix of picks, then hands over.
class PrefixPolicy : public sim::Policy {
public:
    PrefixPolicy(const std::vector<std::uint8_t>& prefix, sim::Policy& then) : prefix_(prefix), then_(then) {}
    int choose(const sim::Machine& m, sim::CpuMask runnable, int current) override {
        if (m.step() < prefix_.size()) return prefix_[m.step()];
        return then_.choose(m, runnable, current);
    }

private:
    const std::vector<std::uint8_t>& prefix_;
    sim::Policy& then_;
};

// --from-schedule: the picks the file's schedule makes before its trailing
// run-to-completion entries.
std::vector<std::uint8_t> schedule_prefix(const Scenario& sc, const ExploreOptions& o) {
    Scenario bounded = sc;
    while (!bounded.schedule.empty() && bounded.schedule.back().kind == sim::ScriptStep::Kind::until_done)
        bounded.schedule.pop_back();
    sim::SerialPolicy serial;
    sim::ScriptPolicy script(bounded.schedule, serial);
    RunOptions ro;
    ro.max_steps = o.max_steps;
    ro.policy = &script;
    RunResult r;
    try {
        r = run_scenario(bounded, ro);
    } catch (const InputError& e) {
        if (!script.blocked()) throw;
        throw InputError(std::string(e.what()) +
                         ": the drawn order cannot happen, so it cannot be every execution's prefix "
                         "(contsim run FILE --nearest finds the nearest one that can)");
    }
    std::string e = script.unmet(*r.machine);
    if (!e.empty()) throw InputError(fmt::format("{}: $.{}", sc.file, e));
    std::string err;
    auto picks = sim::decode_token(r.token, err);
    std::vector<std::uint8_t> prefix;
    for (std::size_t i = 0; picks && i < script.scripted() && i < picks->size(); ++i)
        prefix.push_back(static_cast<std::uint8_t>((*picks)[i]));
    return prefix;
}

bool sampling(sim::Strategy s) { return s == sim::Strategy::pct || s == sim::Strategy::random; }

}  // namespace

std::string strategy_name(sim::Strategy s) {
    switch (s) {
    case sim::Strategy::dpor: return "dpor";
    case sim::Strategy::dfs: return "dfs";
    case sim::Strategy::bounded: return "bounded";
    case sim::Strategy::pct: return "pct";
    case sim::Strategy::random: return "random";
    }
    return "";
}

std::optional<sim::Strategy> parse_strategy(const std::string& s) {
    for (auto k : {sim::Strategy::dpor, sim::Strategy::dfs, sim::Strategy::bounded, sim::Strategy::pct,
                   sim::Strategy::random})
        if (strategy_name(k) == s) return k;
    return std::nullopt;
}

void merge_into(ExploreResult& into, const ExploreResult& part) {
    into.stats.add(part.stats);
    into.units_done += part.units_done;
    into.positive += part.positive;
    into.negative += part.negative;
    into.witness_fallbacks.insert(into.witness_fallbacks.end(), part.witness_fallbacks.begin(),
                                  part.witness_fallbacks.end());
    Rows rows;
    for (const OutcomeRow& r : into.outcomes) rows.emplace(r.outcome, r);
    for (const OutcomeRow& r : part.outcomes) add_row(rows, r.outcome, r);
    into.outcomes.clear();
    for (auto& [k, row] : rows) into.outcomes.push_back(std::move(row));
}

// --jobs over a shared tree (sim/tree_search.h): each worker takes the next
// unit made, explores it with its own model, and gives it back; the tree
// commits the units in the order they were made, adding each one's outcomes
// to `completed` (or `partial`, if a limit or an interrupt stopped it).
// Returns the units made and committed.
struct TreeOut {
    Part completed, partial;
    std::uint64_t made = 0, committed = 0;
};
TreeOut explore_tree(const Scenario& sc, const ExploreOptions& o, const std::vector<std::uint8_t>& prefix,
                     sim::ExploreOptions so, std::unique_ptr<SnapshotRunner>& main_snap, bool& main_snap_tried,
                     ExploreProgress* progress) {
    TreeOut out;
    out.completed.stats.complete = out.partial.stats.complete = true;
    sim::TreeSearch tree(prefix);
    std::mutex mu;
    std::condition_variable cv;
    std::exception_ptr err;  // under mu
    std::map<std::size_t, Part> parts;  // under mu: the outcomes of units given back, until committed
    auto on_commit = [&](std::size_t id, const sim::TreeSearch::Result& r) {
        Part& p = parts.at(id);
        p.stats = r.stats;
        add_part(r.stats.complete ? out.completed : out.partial, p);
        parts.erase(id);
        if (progress) progress->unit_done();
    };
    // Each worker's model lives on its thread (its fibers too): made and
    // ended there; the main thread's keeps the set-up snapshot made before.
    auto work = [&](unsigned t) {
        Worker w(sc, o);
        w.progress = progress;
        if (t == 0) {
            w.snap = std::move(main_snap);
            w.snap_tried = main_snap_tried;
        }
        auto run_once = [&](sim::Policy& p) -> const sim::Machine& { return w.run_once(p); };
        sim::Explorer ex(so), prober(so);
        auto step_of = [&](const sim::Unit& u) { return prober.branch_step(run_once, u); };
        try {
            std::unique_lock<std::mutex> lk(mu);
            for (;;) {
                sim::TreeSearch::Task task;
                if (err) break;
                if (tree.take(task)) {
                    lk.unlock();
                    Part part;
                    w.part = &part;
                    sim::TreeSearch::Result r = sim::TreeSearch::explore(
                        ex, run_once, [&](const sim::Machine& m) { w.on_execution(m, ex.clocks()); }, task);
                    w.cur = RunResult{};
                    lk.lock();
                    parts.emplace(task.id, std::move(part));
                    const std::size_t made = tree.made();
                    tree.give_back(task.id, std::move(r), step_of, on_commit);
                    if (progress) progress->more_units(tree.made() - made);
                    cv.notify_all();
                    continue;
                }
                if (tree.finished()) break;
                cv.wait(lk);  // a unit out may make more
            }
        } catch (...) {
            std::lock_guard<std::mutex> lk(mu);
            if (!err) err = std::current_exception();
            cv.notify_all();
        }
        w.cur = RunResult{};
        if (t == 0) {
            main_snap = std::move(w.snap);
            main_snap_tried = w.snap_tried;
        }
    };
    std::vector<std::thread> ts;
    for (unsigned t = 1; t < o.jobs; ++t) ts.emplace_back(work, t);
    work(0);
    for (auto& t : ts) t.join();
    if (err) std::rethrow_exception(err);
    out.made = tree.made();
    out.committed = tree.committed();
    return out;
}

bool ExploreOptions::resume_tree() const { return resume && resume->tree; }

ExploreResult explore_scenario(const Scenario& sc, const ExploreOptions& o) {
    ExploreResult res;
    res.scenario = &sc;
    res.options = o;
    res.strategy = strategy_name(o.search.strategy);
    res.stats.complete = true;
    if (o.from_schedule) res.prefix = schedule_prefix(sc, o);
    const bool sample = sampling(o.search.strategy);
    // A report stopped while cutting the search into units has none to keep,
    // nor has a tree search's (its units were made as it went): start afresh.
    const ExploreResult* resume = o.resume && o.resume->units && !o.resume->tree ? o.resume : nullptr;
    std::optional<ExploreProgress> progress_line;
    if (o.progress) progress_line.emplace(o.progress_tty);
    ExploreProgress* progress = progress_line ? &*progress_line : nullptr;
    std::uint64_t pruned = 0;  // split(): DPOR prefixes every CPU of which sleeps
    std::optional<TreeOut> tree_out;  // o.tree(): what the tree search found

    // The work units: subtrees of the search, or sampled runs.
    std::vector<sim::Unit> units;
    std::vector<double> estimates;  // log size of each unit's subtree
    std::uint32_t pct_k = 0;
    // The first worker's snapshot of set-up: the main thread's worker takes
    // it over when there is one (--jobs 1), rather than setting up again.
    std::unique_ptr<SnapshotRunner> main_snap;
    bool main_snap_tried = false;
    auto keep_snapshot = [&](Worker& w) {
        main_snap = std::move(w.snap);
        main_snap_tried = w.snap_tried;
    };
    if (sample) {
        res.units = o.runs;
        // PCT's k: the length of the serial execution (deterministic).
        Worker w(sc, o);
        sim::SerialPolicy serial;
        PrefixPolicy pp(res.prefix, serial);
        pct_k = w.run_once(pp).step();
        res.stats.complete = false;  // sampling never exhausts the tree
        keep_snapshot(w);
    } else if (o.tree()) {
        // --jobs: the units are made as the search goes (sim/tree_search.h).
        sim::ExploreOptions so = sim::TreeSearch::unit_options(o.search, o.tree_split_after);
        if (progress) progress->searching(1);  // the root; more as units are made
        tree_out = explore_tree(sc, o, res.prefix, so, main_snap, main_snap_tried, progress);
        // snapshot-sleep is vouched for by the whole tree (its units' sleepers
        // count as their own): a counted run that ended uncleanly anywhere
        // may stand for one the rule kept from running in another unit, so
        // the search is explored again without the rule (as one worker's
        // single unit is, sim::Explorer::explore()).
        const sim::ExploreStats first = tree_out->completed.stats;
        if (tree_out->partial.stats.complete && first.kept_asleep && first.unclean) {
            so.reductions.snapshot_sleep = false;
            TreeOut again = explore_tree(sc, o, res.prefix, so, main_snap, main_snap_tried, progress);
            again.completed.stats.discarded = first.runs;
            again.completed.stats.probes += first.probes;
            // Stopped by an interrupt: what the first try found stays (a
            // violation seen stays reachable).
            if (!again.partial.stats.complete)
                for (const auto& [oc, row] : tree_out->completed.rows)
                    if (!again.completed.rows.count(oc) && !again.partial.rows.count(oc))
                        add_row(again.partial.rows, oc, row);
            tree_out = std::move(again);
        }
        res.units = tree_out->made;
        res.tree = true;
    } else {
        Worker w(sc, o);
        sim::Explorer ex(o.search);
        if (progress) progress->splitting(o.effective_split());
        units = ex.split([&](sim::Policy& p) -> const sim::Machine& { return w.run_once(p); }, o.effective_split(),
                         sim::Unit{res.prefix, {}}, pruned, &estimates);
        if (!ex.split_bound().empty()) {
            // Stopped while cutting the search into units: nothing explored
            // (resumed: what the report had, unchanged but for the bound).
            res.completed_units = Table{};
            if (resume) {
                const Table& t = *resume->completed_units;
                res.units = resume->units;
                res.mine = resume->mine;
                res.done = resume->done;
                res.units_done = resume->units_done;
                res.stats = t.stats;
                res.positive = t.positive;
                res.negative = t.negative;
                res.outcomes = t.outcomes;
                res.carried = t.carried;
                res.completed_units = t;
                res.witness_fallbacks = resume->witness_fallbacks;
            }
            res.stats.complete = false;
            res.stats.bound = ex.split_bound();
            return res;
        }
        res.units = units.size();
        if (o.shard != 1) pruned = 0;  // counted once, by shard 1
        keep_snapshot(w);
    }
    // This process's units, biggest first (so that workers finish together).
    // Shards: largest-estimate-first to the least loaded shard, which every
    // shard computes the same way from the same estimates. Sampled runs are
    // never listed (--runs may be 10^9): the i-th is run shard-1 + i*shards.
    std::vector<std::size_t> mine;
    std::uint64_t count = 0;
    if (sample) {
        count = res.units > o.shard - 1 ? (res.units - (o.shard - 1) + o.shards - 1) / o.shards : 0;
    } else if (tree_out) {
        count = tree_out->made;
    } else {
        std::vector<std::size_t> order(units.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return estimates[a] > estimates[b]; });
        std::vector<double> load(o.shards, 0);
        for (std::size_t i : order) {
            std::size_t to = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
            load[to] += std::exp(std::min(estimates[i], 600.0));
            if (to == o.shard - 1) mine.push_back(i);
        }
        count = mine.size();
    }
    res.mine = count;
    if (resume && (resume->units != res.units || resume->mine != count))
        throw InputError(fmt::format("--resume: the report's search has {} units ({} in this shard), this one {} ({}): "
                                     "not the same search",
                                     resume->units, resume->mine, res.units, count));
    if (progress && !tree_out) progress->searching(count);

    // What the workers found: units run to their end, and units a limit or
    // an interrupt stopped half-way (in the table, not in `done`: --resume
    // runs them again from their start).
    struct Out {
        Part completed, partial;
        UnitSet done;
    };
    std::vector<Out> outs(std::max(1u, o.jobs));
    std::atomic<std::uint64_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex err_mu;
    std::exception_ptr err;
    std::string why_stopped;  // under err_mu: the first limit that stopped a worker between units
    auto stop_for = [&](const char* why) {
        std::lock_guard<std::mutex> lk(err_mu);
        if (why_stopped.empty()) why_stopped = why;
        stop = true;
    };
    const auto start = std::chrono::steady_clock::now();
    const std::thread::id main_thread = std::this_thread::get_id();
    // Sampled runs are claimed in chunks, so that `done` stays a few ranges.
    const std::uint64_t chunk = sample ? 64 : 1;
    // --max-runs on a sample: the first max_runs runs not done yet, whichever
    // worker takes them (the same table for any --jobs).
    std::uint64_t end = count;
    if (sample && o.search.max_runs) {
        const UnitSet none;
        end = (resume ? resume->done : none).after_nth_missing(o.search.max_runs, count);
    }
    // Units a big unit handed off (sim::ExploreOptions::handoff_after), with
    // the index of the unit they came from; and per unit of this process,
    // what is still out and what came back. A unit counts as done (and its
    // table as completed) once all of its pieces have ended complete.
    const bool handing_off = !sample && o.search.strategy == sim::Strategy::dpor && units.size() > 1 &&
                             !o.search.max_runs && o.handoff_after > 0;
    struct Piece {
        std::uint64_t i;
        sim::Unit unit;
    };
    struct Tally {
        unsigned open = 0;  // pieces given out and not back
        bool complete = true;
        Part part;
    };
    std::mutex q_mu;
    std::condition_variable q_cv;
    std::vector<Piece> pieces;                        // under q_mu
    std::map<std::uint64_t, Tally> tallies;           // under q_mu
    unsigned busy = 0;                                // under q_mu: workers on a piece (may hand off more)
    auto work = [&](Out& out) {
        Worker w(sc, o);
        w.progress = progress;
        if (std::this_thread::get_id() == main_thread) {
            w.snap = std::move(main_snap);
            w.snap_tried = main_snap_tried;
        }
        // One explored unit or piece `i`: into the unit's tally, and the unit
        // into the worker's table when its last piece is back.
        auto finish = [&](std::uint64_t i, const Part& part, std::vector<sim::Unit> more) {
            std::lock_guard<std::mutex> lk(q_mu);
            Tally& t = tallies[i];
            add_part(t.part, part);
            t.complete = t.complete && part.stats.complete;
            t.open += static_cast<unsigned>(more.size());
            for (sim::Unit& u : more) pieces.push_back({i, std::move(u)});
            --busy;
            if (--t.open == 0) {
                if (t.complete) {
                    out.done.add(i, i + 1);
                    if (progress) progress->unit_done();
                }
                add_part(t.complete ? out.completed : out.partial, t.part);
                tallies.erase(i);
            }
            q_cv.notify_all();
        };
        // A unit --resume had done: given back untouched.
        auto skip = [&](std::uint64_t i) {
            std::lock_guard<std::mutex> lk(q_mu);
            --busy;
            tallies.erase(i);
            q_cv.notify_all();
        };
        // A unit or piece a limit stopped before it began: its unit is not done.
        auto stopped = [&](std::uint64_t i) {
            Part none;
            none.stats.complete = false;
            finish(i, none, {});
        };
        // The search's time left for the next unit (false: none, the search stops).
        auto time_left = [&](sim::ExploreOptions& so) {
            if (o.search.time_limit <= 0) return true;
            const double left = o.search.time_limit -
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (left <= 0) {
                stop_for("time-limit");
                return false;
            }
            so.time_limit = left;
            return true;
        };
        // DPOR (or DFS, bounded) below `unit` into `part`; what it handed off.
        auto explore_unit = [&](const sim::ExploreOptions& so, const sim::Unit& unit, Part& part) {
            w.part = &part;
            sim::Explorer ex(so);
            // Explored again without snapshot-sleep if the rule cannot vouch
            // for the unit: the first try's table goes, unless a limit stops
            // the second, whose partial table then keeps the outcomes the
            // first found (a violation seen stays reachable).
            Part first;
            part.stats = ex.explore([&](sim::Policy& p) -> const sim::Machine& { return w.run_once(p); },
                                    [&](const sim::Machine& m) { w.on_execution(m, ex.clocks()); }, unit,
                                    [&] { first = std::exchange(part, Part{}); });
            if (!part.stats.complete)
                for (const auto& [oc, row] : first.rows)
                    if (!part.rows.count(oc)) add_row(part.rows, oc, row);
            w.cur = RunResult{};
            return ex.handoffs();
        };
        try {
            for (;;) {
                std::uint64_t first = 0, last = 0;
                std::optional<Piece> piece;
                if (handing_off) {
                    // A piece handed off first (its unit is under way), else
                    // the next unit; none left but a worker still busy: wait,
                    // it may hand off more.
                    std::unique_lock<std::mutex> lk(q_mu);
                    for (;;) {
                        if (stop) break;
                        if (!pieces.empty()) {
                            piece = std::move(pieces.back());
                            pieces.pop_back();
                            ++busy;
                            break;
                        }
                        first = next.fetch_add(1);
                        if (first < end) {
                            last = first + 1;
                            ++busy;
                            ++tallies[first].open;
                            break;
                        }
                        if (busy == 0) break;
                        q_cv.wait(lk);
                    }
                    if (!piece && last == 0) break;
                } else {
                    first = next.fetch_add(chunk);
                    if (first >= end || stop) break;
                    last = std::min(end, first + chunk);
                }
                if (piece) {
                    sim::ExploreOptions so = o.search;
                    so.handoff_after = o.handoff_after;
                    if (!time_left(so)) {
                        stopped(piece->i);
                        break;
                    }
                    Part part;
                    std::vector<sim::Unit> more = explore_unit(so, piece->unit, part);
                    if (!part.stats.complete) stop = true;
                    finish(piece->i, part, std::move(more));
                    continue;
                }
                for (std::uint64_t i = first; i < last && !stop; ++i) {
                    if (resume && resume->done.contains(i)) {
                        if (handing_off) skip(i);
                        continue;
                    }
                    if (o.search.interrupt && *o.search.interrupt) {
                        stop_for("interrupted");
                        if (handing_off) stopped(i);
                        break;
                    }
                    sim::ExploreOptions so = o.search;
                    if (o.search.max_runs && !sample) {
                        // Each unit's equal share of --max-runs (the first
                        // max_runs % U units one more): what a capped search
                        // covers depends on the units alone, not on --jobs,
                        // --shard or which worker finished first.
                        // Resumed: shared among the units still to do (so
                        // that a second capped run gets further than the first).
                        const std::uint64_t nu = resume ? count - resume->done.size() : units.size();
                        const std::uint64_t rank = resume ? i - resume->done.below(i) : mine[i];
                        so.max_runs = o.search.max_runs / nu + (rank < o.search.max_runs % nu ? 1 : 0);
                        if (so.max_runs == 0) continue;  // no share: left unexplored (incomplete)
                    }
                    if (!time_left(so)) {
                        if (handing_off) stopped(i);
                        break;
                    }
                    if (handing_off) so.handoff_after = o.handoff_after;
                    Part part;
                    w.part = &part;
                    if (sample) {
                        const std::uint64_t seed = sim::run_seed(o.seed, o.shard - 1 + i * o.shards);
                        std::unique_ptr<sim::Policy> pol;
                        if (o.search.strategy == sim::Strategy::pct)
                            pol = std::make_unique<sim::PctPolicy>(seed, static_cast<int>(sc.threads.size()), pct_k,
                                                                   std::max(1u, o.depth));
                        else
                            pol = std::make_unique<sim::RandomPolicy>(seed);
                        PrefixPolicy pp(res.prefix, *pol);
                        const sim::Machine& m = w.run_once(pp);
                        part.stats.runs = part.stats.executions = 1;
                        part.stats.longest = m.steps().size();
                        part.stats.complete = true;
                        w.on_execution(m);
                    } else {
                        std::vector<sim::Unit> more = explore_unit(so, units[mine[i]], part);
                        if (!part.stats.complete && part.stats.bound != "max-runs") stop = true;
                        if (handing_off) {
                            finish(i, part, std::move(more));
                            continue;
                        }
                    }
                    w.cur = RunResult{};
                    if (part.stats.complete) {
                        out.done.add(i, i + 1);
                        if (progress) progress->unit_done();
                    }
                    add_part(part.stats.complete ? out.completed : out.partial, part);
                }
            }
        } catch (...) {
            {
                std::lock_guard<std::mutex> lk(err_mu);
                if (!err) err = std::current_exception();
                stop = true;
            }
            std::lock_guard<std::mutex> lk(q_mu);  // wake a worker waiting for pieces
            q_cv.notify_all();
        }
        w.cur = RunResult{};
    };
    if (tree_out) {
        // Done: its units were committed in order, all complete or the search stopped.
        outs[0].completed = std::move(tree_out->completed);
        outs[0].partial = std::move(tree_out->partial);
        if (tree_out->partial.stats.complete && tree_out->committed == tree_out->made) outs[0].done.add(0, count);
    } else if (o.jobs <= 1) {
        work(outs[0]);
    } else {
        std::vector<std::thread> ts;
        for (unsigned t = 0; t < o.jobs; ++t) ts.emplace_back(work, std::ref(outs[t]));
        for (auto& t : ts) t.join();
    }
    main_snap.reset();  // unused when no worker ran on this thread
    if (err) std::rethrow_exception(err);
    // Units stopped with pieces still out: what their pieces found is in the
    // table, the units are not done.
    for (const auto& [i, t] : tallies) add_part(outs[0].partial, t.part);

    // The completed units (with what --resume brought) and the stopped ones;
    // the order of combination does not matter (sums, and the least witness).
    Part completed, partial;
    completed.stats.complete = partial.stats.complete = true;
    UnitSet done;
    if (resume) {
        const Table& base = *resume->completed_units;  // resume_explore() refuses a report without one
        completed.stats = base.stats;
        completed.positive = base.positive;
        completed.negative = base.negative;
        for (const OutcomeRow& r : base.outcomes) add_row(completed.rows, r.outcome, r);
        done = resume->done;
    } else {
        completed.stats.sleep_blocked = completed.stats.runs = pruned;
    }
    for (Out& out : outs) {
        add_part(completed, out.completed);
        add_part(partial, out.partial);
        done.add(out.done);
    }
    res.done = done;
    res.units_done = done.size();
    const bool all_done = res.units_done == count;
    Part all = completed;
    add_part(all, partial);
    res.stats = all.stats;
    res.positive = all.positive;
    res.negative = all.negative;
    Rows rows = std::move(all.rows);
    res.stats.complete = !sample && all_done;
    if (!res.stats.complete && res.stats.bound.empty()) {
        res.stats.bound = !partial.stats.bound.empty() ? partial.stats.bound
                          : !why_stopped.empty()      ? why_stopped
                          : sample && all_done        ? ""  // every sampled run ran: no bound stopped it
                          : o.search.max_runs         ? "max-runs"
                                                      : "time-limit";
    }
    // Each witness must replay to its outcome; if the trace's fewest-switch
    // linearisation does not (a dependence the model misses), keep the
    // execution's own schedule and say so. The same for the completed units'
    // table (what --resume starts from), whose rows must replay too.
    auto replays = [&](const Outcome& oc, const OutcomeRow& row) {
        RunOptions ro;
        ro.max_steps = o.max_steps;
        ro.token = row.witness;
        try {
            RunResult rr = run_scenario(sc, ro);
            return outcome_of(rr, sc) == oc && rr.steps == row.steps;
        } catch (const InputError&) {
            return false;
        }
    };
    auto fall_back = [&](Rows& table, bool note) {
        for (auto& [oc, row] : table) {
            if (row.witness == row.raw_witness || replays(oc, row)) continue;
            row.witness = row.raw_witness;
            std::string err;
            auto picks = sim::decode_token(row.witness, err);
            row.switches = picks && !picks->empty() ? sim::runs_of(*picks).size() - 1 : 0;
            if (note) res.witness_fallbacks.push_back(row.witness);
        }
    };
    fall_back(rows, true);
    if (resume)  // fallbacks an earlier run noted, for rows it brought
        for (const std::string& w : resume->witness_fallbacks)
            if (std::find(res.witness_fallbacks.begin(), res.witness_fallbacks.end(), w) == res.witness_fallbacks.end())
                res.witness_fallbacks.push_back(w);
    // Violations an earlier run saw in units it did not finish, which this
    // run has not reached again: still reachable, not counted in the table.
    if (resume && !res.stats.complete)
        for (const OutcomeRow& row : resume->completed_units->carried)
            if (!rows.count(row.outcome)) res.carried.push_back(row);
    if (!res.stats.complete) {
        fall_back(completed.rows, false);
        Table t;
        t.stats = completed.stats;
        t.positive = completed.positive;
        t.negative = completed.negative;
        for (auto& [k, row] : completed.rows) t.outcomes.push_back(row);
        // What the next --resume must not forget: every violating row the
        // completed units' table lacks (the stopped units' and the carried ones).
        for (const auto& [oc, row] : rows)
            if (!oc.violations.empty() && !completed.rows.count(oc)) t.carried.push_back(row);
        t.carried.insert(t.carried.end(), res.carried.begin(), res.carried.end());
        res.completed_units = std::move(t);
        // A capped resume that finished no further unit: each unit's share is
        // too small (units restart from their beginning).
        res.stalled = resume && res.stats.bound == "max-runs" && res.units_done == resume->units_done;
    }
    for (auto& [k, row] : rows) res.outcomes.push_back(std::move(row));
    return res;
}

std::string explore_report_text(const ExploreResult& r) {
    const Scenario& sc = *r.scenario;
    const sim::ExploreStats& st = r.stats;
    std::string s;
    s += fmt::format("Scenario: {} ({})\n", sc.name, sc.file);
    s += fmt::format("Kernel:   {}; fixes: {}\n", sc.kernel, fixes_text(sc));
    const ExploreOptions& o = r.options;
    std::string how;
    switch (o.search.strategy) {
    case sim::Strategy::dpor: how = "source-set DPOR with sleep sets"; break;
    case sim::Strategy::dfs: how = "every interleaving"; break;
    case sim::Strategy::bounded:
        how = fmt::format("every interleaving with at most {} preemption{}, fewest first", o.search.preemptions,
                          o.search.preemptions == 1 ? "" : "s");
        break;
    case sim::Strategy::pct: how = fmt::format("PCT, {} runs, seed {}, depth {}", o.runs, o.seed, o.depth); break;
    case sim::Strategy::random: how = fmt::format("random schedules, {} runs, seed {}", o.runs, o.seed); break;
    }
    s += fmt::format("Explored: {} ({}), {} execution{}", r.strategy, how, st.executions, st.executions == 1 ? "" : "s");
    if (st.sleep_blocked) s += fmt::format(" + {} sleep-blocked", st.sleep_blocked);
    if (st.covered) s += fmt::format(" + {} covered", st.covered);
    if (st.revisits) s += fmt::format(" + {} revisited", st.revisits);
    s += fmt::format(", longest {} steps", st.longest);
    if (o.shards > 1)
        s += fmt::format(", shard {}/{}: {} of {} units", o.shard, o.shards, r.units_done, r.units);
    else if (!sampling(o.search.strategy) && st.complete)
        s += fmt::format(", {} unit{}", r.units, r.units == 1 ? "" : "s");
    else if (!sampling(o.search.strategy))
        s += fmt::format(", {} of {} units done", r.units_done, r.units);
    s += ": ";
    const std::string stopped = st.bound == "interrupted" ? "interrupted (SIGINT or SIGTERM)"
                                : st.bound == "max-runs"  ? fmt::format("stopped by --max-runs {}", o.search.max_runs)
                                                          : fmt::format("stopped by --time-limit {}", o.search.time_limit);
    if (sampling(o.search.strategy))
        s += st.bound.empty() ? "sampled\n" : "sampled, " + stopped + "\n";
    else if (st.complete)
        s += o.shards > 1 ? "shard complete\n" : "complete\n";
    else
        s += "INCOMPLETE, " + stopped +
             (r.tree        ? " (a shared tree keeps no units: --resume explores it again)\n"
              : r.units == 0 ? " while cutting the search into units\n"
                             : "\n");
    if (o.from_schedule)
        s += fmt::format("Prefix:   the file's schedule, {} steps ({})\n", r.prefix.size(), prefix_token(r.prefix));
    s += "\n";
    std::size_t ww = 7, vw = 10;
    for (const OutcomeRow& row : r.outcomes) {
        ww = std::max(ww, row.witness.size());
        vw = std::max(vw, violations_text(row.outcome.violations).size());
    }
    s += fmt::format("{:>3}  {:>10}  {:<{}}  {:<6}  {:<{}}  {}\n", "#", "executions", "witness", ww, "expect",
                     "violations", vw, "values");
    for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
        const OutcomeRow& row = r.outcomes[i];
        s += fmt::format("{:>3}  {:>10}  {:<{}}  {:<6}  {:<{}}  {}\n", i + 1, row.executions, row.witness, ww,
                         row.matches_expect ? "yes" : "no", violations_text(row.outcome.violations), vw,
                         values_text(row.outcome));
    }
    s += "\n";
    s += fmt::format("Observation {} {} {} {}\n", sc.name, r.verdict(), r.positive, r.negative);
    for (const std::string& w : r.witness_fallbacks)
        s += fmt::format("Note: witness {} is the schedule explored: its fewest-switch form did not replay to the "
                         "same outcome (the model has a dependence exploration does not see)\n",
                         w);
    if (!r.carried.empty()) {
        s += "Also seen before --resume, in units not finished again (not counted above):\n";
        for (const OutcomeRow& row : r.carried)
            s += fmt::format("     {:>10}  {:<{}}  {:<6}  {:<{}}  {}\n", "-", row.witness, ww,
                             row.matches_expect ? "yes" : "no", violations_text(row.outcome.violations), vw,
                             values_text(row.outcome));
    }
    if (r.stalled)
        s += fmt::format("Note: no further unit finished: each unit's share of --max-runs {} is smaller than any unit "
                         "left (a unit restarts from its beginning); resume with a larger --max-runs or a --time-limit.\n",
                         o.search.max_runs);
    s += r.violation_reachable() ? "Violations are reachable.\n" : "No violation is reachable";
    if (!r.violation_reachable()) s += st.complete && o.shards == 1 ? ".\n" : " in the executions explored.\n";
    if (!r.violation_reachable() && !st.complete)
        s += fmt::format("Inconclusive: the search did not cover every execution (exit {}).\n", kExitInconclusive);
    if (sc.expect.explore) {
        ExploreExpectCheck c = check_explore_expect(r, *sc.expect.explore);
        if (c.matches()) {
            std::string kinds;
            for (const auto& k : sc.expect.explore->violations) kinds += (kinds.empty() ? "" : ", ") + k;
            s += fmt::format("Expect (explore): matches ({}; violations: {})\n", sc.expect.explore->verdict,
                             kinds.empty() ? "none" : kinds);
        }
        else if (c.inconclusive)
            s += "Expect (explore): inconclusive: the search did not finish, and nothing it saw contradicts it\n";
        else
            s += "Expect (explore): MISMATCH\n";
        for (const auto& m : c.mismatches) s += "  " + m + "\n";
    }
    return s;
}

std::string violation_verdict(const ExploreResult& r) {
    std::uint64_t with = 0, all = 0;
    for (const OutcomeRow& row : r.outcomes) {
        all += row.executions;
        if (!row.outcome.violations.empty()) with += row.executions;
    }
    return with == 0 ? "never" : with == all ? "always" : "sometimes";
}

ExploreExpectCheck check_explore_expect(const ExploreResult& r, const ExploreExpect& e) {
    ExploreExpectCheck c;
    std::set<std::string> found;
    for (const OutcomeRow& row : r.outcomes) found.insert(row.outcome.violations.begin(), row.outcome.violations.end());
    // Seen before a --resume (only ever with an incomplete search): as certain.
    for (const OutcomeRow& row : r.carried) found.insert(row.outcome.violations.begin(), row.outcome.violations.end());
    const std::string verdict = violation_verdict(r);
    auto list = [](const std::set<std::string>& s) {
        std::string t;
        for (const auto& k : s) t += (t.empty() ? "" : ", ") + k;
        return "[" + t + "]";
    };
    if (!r.stats.complete) {
        // Only what the executions explored already contradict is certain.
        std::set<std::string> extra;
        for (const auto& k : found)
            if (!e.violations.count(k)) extra.insert(k);
        if (!extra.empty()) c.mismatches.push_back("violations: found " + list(extra) + ", not expected");
        if (e.verdict == "never" && !found.empty()) c.mismatches.push_back("verdict: expected never, found a violation");
        if (e.verdict == "always" && verdict != "always") c.mismatches.push_back("verdict: expected always, found an execution with none");
        if (e.observation == "never" && r.positive > 0)
            c.mismatches.push_back("observation: expected never, found an execution that matches");
        if (e.observation == "always" && r.negative > 0)
            c.mismatches.push_back("observation: expected always, found an execution that does not match");
        c.inconclusive = c.mismatches.empty();
        return c;
    }
    if (verdict != e.verdict) c.mismatches.push_back(fmt::format("verdict: expected {}, found {}", e.verdict, verdict));
    if (found != e.violations)
        c.mismatches.push_back(fmt::format("violations: expected {}, found {}", list(e.violations), list(found)));
    if (e.observation) {
        std::string seen = r.verdict();  // "Never", "Sometimes", "Always"
        seen[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(seen[0])));
        if (seen != *e.observation)
            c.mismatches.push_back(fmt::format("observation: expected {}, found {} ({} of {} executions match the run "
                                               "expectations)",
                                               *e.observation, seen, r.positive, r.positive + r.negative));
    }
    if (e.outcomes && *e.outcomes != r.outcomes.size())
        c.mismatches.push_back(fmt::format("outcomes: expected {}, found {}", *e.outcomes, r.outcomes.size()));
    return c;
}

namespace {
// Every rule of sim::Reductions by its --reductions name.
struct ReductionRule {
    const char* name;
    bool sim::Reductions::*flag;
};
constexpr ReductionRule kReductionRules[] = {{"gp-ends", &sim::Reductions::gp_ends},
                                             {"blind-adds", &sim::Reductions::blind_adds},
                                             {"snapshot-first", &sim::Reductions::snapshot_first},
                                             {"nonzero-decs", &sim::Reductions::nonzero_decs},
                                             {"snapshot-sleep", &sim::Reductions::snapshot_sleep},
                                             {"snapshot-order", &sim::Reductions::snapshot_order}};
}  // namespace

bool set_reduction(sim::Reductions& r, const std::string& name, bool on) {
    for (const ReductionRule& rule : kReductionRules)
        if (name == rule.name) {
            r.*rule.flag = on;
            return true;
        }
    return false;
}

sim::Reductions parse_reductions(const std::string& text, const std::string& where) {
    sim::Reductions r;
    if (text == "all") return r;
    for (const ReductionRule& rule : kReductionRules) r.*rule.flag = false;
    if (text == "none") return r;
    std::size_t at = 0;
    for (;;) {
        const std::size_t comma = text.find(',', at);
        const std::string name = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (!set_reduction(r, name, true)) {
            std::string names;
            for (const ReductionRule& rule : kReductionRules) names += std::string(", ") + rule.name;
            throw InputError(fmt::format("{}: expected all, none or a comma list of{}, got \"{}\"", where,
                                         names.substr(1), text));
        }
        if (comma == std::string::npos) return r;
        at = comma + 1;
    }
}

std::vector<std::string> reductions_off(const sim::Reductions& r) {
    std::vector<std::string> off;
    for (const ReductionRule& rule : kReductionRules)
        if (!(r.*rule.flag)) off.emplace_back(rule.name);
    return off;
}

int ExploreResult::exit_code() const {
    if (violation_reachable()) return 1;
    return stats.complete ? 0 : kExitInconclusive;
}

namespace {
json search_json(const ExploreResult& r) {
    const ExploreOptions& o = r.options;
    json s = {{"strategy", r.strategy}, {"max_steps", o.max_steps}};
    if (!sampling(o.search.strategy)) s["split"] = o.effective_split();
    if (r.tree) s["tree"] = {{"split_after", o.tree_split_after}};
    switch (o.search.strategy) {
    case sim::Strategy::bounded: s["preemptions"] = o.search.preemptions; break;
    case sim::Strategy::pct: s["runs"] = o.runs, s["seed"] = o.seed, s["depth"] = o.depth; break;
    case sim::Strategy::random: s["runs"] = o.runs, s["seed"] = o.seed; break;
    default: break;
    }
    s["from_schedule"] = o.from_schedule ? json(prefix_token(r.prefix)) : json(nullptr);
    // Only when some rule is off: the counts (not the outcomes) depend on it.
    if (auto off = reductions_off(o.search.reductions); !off.empty()) s["reductions_off"] = off;
    return s;
}

// What every shard of one search shares: this binary, the scenario's text,
// kernel, fixes and the search options (not the shard, limits or results).
std::string search_digest(const ExploreResult& r) {
    const Scenario& sc = *r.scenario;
    std::string fixes;
    for (core::Fix f : sc.fixes) fixes += std::string(core::fix_name(f)) + ",";
    return digest_hex(std::string(version()) + '\0' + sc.source_text + '\0' + sc.kernel + '\0' + fixes + '\0' +
                      search_json(r).dump());
}

json rows_json(const std::vector<OutcomeRow>& outcomes) {
    json rows = json::array();
    for (const OutcomeRow& row : outcomes) {
        json fin = json::object(), rets = json::object(), reads = json::object();
        for (const auto& [k, v] : row.outcome.final) fin[k] = v;
        for (const auto& [cpu, v] : row.outcome.returns) rets[cpu] = returns_json(v);
        for (const auto& [cpu, v] : row.outcome.reads) reads[cpu] = v;
        rows.push_back({{"executions", row.executions},
                        {"witness", row.witness},
                        {"switches", row.switches},
                        {"steps", row.steps},
                        {"violations", row.outcome.violations},
                        {"final", fin},
                        {"returns", rets},
                        {"reads", reads},
                        {"matches_expect", row.matches_expect}});
    }
    return rows;
}

// The report's own checksum: every other key, as written.
std::string report_digest(json j) {
    j.erase("digest");
    return digest_hex(j.dump());
}
}  // namespace

json explore_report_json(const ExploreResult& r) {
    const Scenario& sc = *r.scenario;
    const sim::ExploreStats& st = r.stats;
    json j;
    j["format"] = kExploreFormat;
    j["contsim_version"] = version();
    j["scenario"] = sc.name;
    j["file"] = sc.file;
    j["scenario_source"] = sc.source_text;
    j["kernel"] = sc.kernel;
    j["fixes"] = json::array();
    for (core::Fix f : sc.fixes) j["fixes"].push_back(core::fix_name(f));
    j["search_digest"] = search_digest(r);
    j["strategy"] = r.strategy;
    j["search"] = search_json(r);
    j["shard"] = r.options.shards > 1 ? json(fmt::format("{}/{}", r.options.shard, r.options.shards)) : json(nullptr);
    j["units"] = r.units;
    j["units_done"] = r.units_done;
    j["executions"] = st.executions;
    j["sleep_blocked"] = st.sleep_blocked;
    j["covered"] = st.covered;
    j["revisits"] = st.revisits;
    j["runs"] = st.runs;
    j["longest"] = st.longest;
    j["complete"] = st.complete;
    j["bound"] = st.bound.empty() ? json(nullptr) : json(st.bound);
    j["outcomes"] = rows_json(r.outcomes);
    j["carried_violations"] = rows_json(r.carried);
    // The limits this run had (not part of the search: a resume may change them).
    j["limits"] = {{"max_runs", r.options.search.max_runs}, {"time_limit", r.options.search.time_limit}};
    j["observation"] = {{"name", sc.name}, {"verdict", r.verdict()}, {"positive", r.positive}, {"negative", r.negative}};
    j["witness_fallbacks"] = r.witness_fallbacks;
    j["violation_reachable"] = r.violation_reachable();
    j["violation_verdict"] = violation_verdict(r);
    if (sc.expect.explore) {
        ExploreExpectCheck c = check_explore_expect(r, *sc.expect.explore);
        j["expect_explore"] = {{"matches", c.matches()}, {"inconclusive", c.inconclusive}, {"mismatches", c.mismatches}};
    } else {
        j["expect_explore"] = nullptr;
    }
    if (r.completed_units) {
        const Table& t = *r.completed_units;
        json done = json::array();
        for (const auto& [a, b] : r.done.ranges()) done.push_back({a, b});
        j["resume"] = {{"units_of_shard", r.mine},      {"done", done},
                       {"executions", t.stats.executions}, {"sleep_blocked", t.stats.sleep_blocked},
                       {"covered", t.stats.covered},       {"revisits", t.stats.revisits},
                       {"runs", t.stats.runs},
                       {"longest", t.stats.longest},       {"positive", t.positive},
                       {"negative", t.negative},           {"outcomes", rows_json(t.outcomes)},
                       {"carried", rows_json(t.carried)}};
    } else {
        j["resume"] = nullptr;
    }
    j["exit_code"] = r.exit_code();
    j["digest"] = report_digest(j);
    return j;
}

namespace {
// Field access with errors that name the report and the JSON path.
struct Reader {
    const std::string& file;
    [[noreturn]] void fail(const std::string& path, const std::string& what) const {
        throw InputError(fmt::format("{}: $.{}: expected {}", file, path, what));
    }
    const json& at(const json& j, const std::string& key, const std::string& path) const {
        if (!j.is_object() || !j.contains(key)) fail(path, "a key \"" + key + "\"");
        return j.at(key);
    }
    std::uint64_t uint(const json& j, const std::string& key, const std::string& path) const {
        const json& v = at(j, key, path + key);
        if (!v.is_number_unsigned()) fail(path + key, "a non-negative integer");
        return v.get<std::uint64_t>();
    }
    std::string str(const json& j, const std::string& key, const std::string& path) const {
        const json& v = at(j, key, path + key);
        if (!v.is_string()) fail(path + key, "a string");
        return v.get<std::string>();
    }
    bool boolean(const json& j, const std::string& key, const std::string& path) const {
        const json& v = at(j, key, path + key);
        if (!v.is_boolean()) fail(path + key, "true or false");
        return v.get<bool>();
    }
};
}  // namespace

namespace {
void check_witnesses(const ExploreResult& r, const std::vector<OutcomeRow>& rows, const Reader& rd,
                     const std::string& at);

// A report's figures must add up, and every row's witness must replay to that
// row: a merged table is only as true as the reports it reads.
void check_report_consistency(const ExploreResult& r, const Reader& rd, const std::string& at) {
    std::uint64_t sum = 0;
    for (const OutcomeRow& row : r.outcomes) sum += row.executions;
    if (sum != r.stats.executions)
        rd.fail(at + "executions", fmt::format("the sum of the rows' executions ({}), found {}", sum, r.stats.executions));
    if (r.positive + r.negative != r.stats.executions)
        rd.fail(at + (at.empty() ? "observation" : "positive"),
                fmt::format("positive + negative = executions ({}), found {} + {}", r.stats.executions,
                                           r.positive, r.negative));
    if (r.units_done > r.units) rd.fail("units_done", fmt::format("at most units ({}), found {}", r.units, r.units_done));
    const auto& kinds = violation_kinds();
    for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
        const OutcomeRow& row = r.outcomes[i];
        const std::string p = fmt::format("{}outcomes[{}].", at, i);
        for (const std::string& k : row.outcome.violations)
            if (std::find(kinds.begin(), kinds.end(), k) == kinds.end())
                rd.fail(p + "violations", fmt::format("violation kinds contsim reports, found \"{}\"", k));
        if (i > 0 && !(r.outcomes[i - 1].outcome < row.outcome))
            rd.fail(p.substr(0, p.size() - 1), "distinct outcomes in the report's order");
    }
    check_witnesses(r, r.outcomes, rd, at + "outcomes");
}

// Every row's witness replays to that row's outcome, steps and expect verdict.
void check_witnesses(const ExploreResult& r, const std::vector<OutcomeRow>& rows, const Reader& rd,
                     const std::string& at) {
    const Scenario& sc = *r.scenario;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const OutcomeRow& row = rows[i];
        const std::string p = fmt::format("{}[{}].", at, i);
        RunOptions ro;
        ro.max_steps = r.options.max_steps;
        ro.token = row.witness;
        std::string got;
        try {
            RunResult rr = run_scenario(sc, ro);
            if (!(outcome_of(rr, sc) == row.outcome)) got = "another outcome";
            else if (rr.steps != row.steps) got = fmt::format("{} steps, not {}", rr.steps, row.steps);
            else if (rr.matches != row.matches_expect) got = "another matches_expect";
        } catch (const InputError& e) {
            got = e.what();
        }
        if (!got.empty())
            rd.fail(p + "witness", "a schedule that replays to its row (" + got + ")");
    }
}
}  // namespace

namespace {
// The rows of `j`["outcomes"] (`at`: the JSON path of j, for messages).
std::vector<OutcomeRow> read_rows(const json& j, const std::string& at, const Scenario& sc, const Reader& rd,
                                  const std::string& key = "outcomes") {
    const json& rows = rd.at(j, key, at + key);
    if (!rows.is_array()) rd.fail(at + key, "an array");
    std::vector<OutcomeRow> out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const json& x = rows[i];
        const std::string p = fmt::format("{}{}[{}].", at, key, i);
        OutcomeRow row;
        row.executions = rd.uint(x, "executions", p);
        row.witness = rd.str(x, "witness", p);
        row.raw_witness = row.witness;  // already checked or fallen back by the run that wrote it
        row.switches = rd.uint(x, "switches", p);
        row.steps = static_cast<std::uint32_t>(rd.uint(x, "steps", p));
        row.matches_expect = rd.boolean(x, "matches_expect", p);
        const json& v = rd.at(x, "violations", p + "violations");
        if (!v.is_array()) rd.fail(p + "violations", "an array of violation kinds");
        for (const json& k : v) row.outcome.violations.push_back(k.is_string() ? k.get<std::string>() : "");
        // The scenario's order, which the report's JSON objects do not keep.
        const json& fin = rd.at(x, "final", p + "final");
        for (const FinalCheck& f : sc.expect.final) {
            const std::string key = f.target + "." + f.key;
            row.outcome.final.emplace_back(key, fin.contains(key) ? fin.at(key) : json(nullptr));
        }
        const json& rets = rd.at(x, "returns", p + "returns");
        for (const ThreadSpec& t : sc.threads) {
            std::vector<int> vals;
            if (rets.contains(t.cpu))
                for (const json& e : rets.at(t.cpu)) {
                    std::optional<int> rv = e.is_number_integer() ? std::optional<int>(e.get<int>())
                                            : e.is_string()      ? core::parse_result(e.get<std::string>())
                                                                 : std::nullopt;
                    if (!rv) rd.fail(p + "returns." + t.cpu, "0 or an error name such as \"-EBUSY\"");
                    vals.push_back(*rv);
                }
            row.outcome.returns.emplace_back(t.cpu, vals);
        }
        const json& reads = rd.at(x, "reads", p + "reads");
        for (const ThreadSpec& t : sc.threads) {
            if (!sc.expect.reads.count(t.cpu)) continue;
            std::vector<std::string> texts;
            if (reads.contains(t.cpu))
                for (const json& e : reads.at(t.cpu)) {
                    if (!e.is_string()) rd.fail(p + "reads." + t.cpu, "an array of strings");
                    texts.push_back(e.get<std::string>());
                }
            row.outcome.reads.emplace_back(t.cpu, texts);
        }
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace

std::string explore_search_digest(const ExploreResult& r) { return search_digest(r); }

void seal_explore_report(json& j) { j["digest"] = report_digest(j); }

ExploreResult read_explore_report(const std::string& file, std::unique_ptr<Scenario>& sc) {
    json j = parse_input_json(read_input_file(file), file);
    if (!j.is_object()) throw InputError(file + ": $: expected a JSON object (an explore report)");
    Reader rd{file};
    if (const std::string f = rd.str(j, "format", ""); f != kExploreFormat)
        rd.fail("format", fmt::format("\"{}\" (a report of this contsim's explore --format json), found \"{}\"",
                                      kExploreFormat, f));
    const std::string stored = rd.str(j, "digest", "");
    if (const std::string d = report_digest(j); d != stored)
        throw InputError(fmt::format("{}: $.digest: expected {}, the checksum of the report's contents, found {}: "
                                     "the report was changed after explore wrote it",
                                     file, d, stored));
    if (const std::string v = rd.str(j, "contsim_version", ""); v != version())
        throw InputError(fmt::format("{}: $.contsim_version: written by contsim {}, this is contsim {}: "
                                     "re-run the search with this binary",
                                     file, v, version()));
    Overrides ov;
    ov.kernel = rd.str(j, "kernel", "");
    const json& fx = rd.at(j, "fixes", "fixes");
    if (!fx.is_array()) rd.fail("fixes", "an array of fix names");
    for (const json& f : fx) ov.fixes.push_back(f.is_string() ? f.get<std::string>() : "");
    // The scenario as it was searched, from the report itself: no path to
    // resolve, and an edit to the file since does not creep in.
    sc = std::make_unique<Scenario>(parse_scenario_text(rd.str(j, "scenario_source", ""), rd.str(j, "file", ""), ov));
    ExploreResult r;
    r.scenario = sc.get();
    r.strategy = rd.str(j, "strategy", "");
    auto strat = parse_strategy(r.strategy);
    if (!strat) rd.fail("strategy", "dpor, dfs, bounded, pct or random");
    r.options.search.strategy = *strat;
    const json& se = rd.at(j, "search", "search");
    r.options.max_steps = static_cast<std::uint32_t>(rd.uint(se, "max_steps", "search."));
    if (se.contains("split")) r.options.split = rd.uint(se, "split", "search.");
    if (se.contains("tree")) {
        r.tree = true;
        r.options.tree_split_after = rd.uint(rd.at(se, "tree", "search.tree"), "split_after", "search.tree.");
    }
    if (se.contains("preemptions")) r.options.search.preemptions = static_cast<unsigned>(rd.uint(se, "preemptions", "search."));
    if (se.contains("runs")) r.options.runs = rd.uint(se, "runs", "search.");
    if (se.contains("seed")) r.options.seed = rd.uint(se, "seed", "search.");
    if (se.contains("depth")) r.options.depth = static_cast<unsigned>(rd.uint(se, "depth", "search."));
    if (se.contains("reductions_off")) {
        const json& off = se["reductions_off"];
        const std::string what = "an array of rule names (gp-ends, blind-adds, snapshot-first, nonzero-decs)";
        if (!off.is_array()) rd.fail("search.reductions_off", what);
        for (const json& x : off)
            if (!x.is_string() || !set_reduction(r.options.search.reductions, x.get<std::string>(), false))
                rd.fail("search.reductions_off", what);
    }
    const json& fs = rd.at(se, "from_schedule", "search.from_schedule");
    if (fs.is_string()) {
        r.options.from_schedule = true;
        std::string err;
        auto picks = sim::decode_token(fs.get<std::string>(), err);
        if (!picks) rd.fail("search.from_schedule", "a schedule token (" + err + ")");
        for (int c : *picks) r.prefix.push_back(static_cast<std::uint8_t>(c));
    } else if (!fs.is_null()) {
        rd.fail("search.from_schedule", "a schedule token or null");
    }
    const json& sh = rd.at(j, "shard", "shard");
    if (sh.is_string()) {
        unsigned k = 0, n = 0;
        if (std::sscanf(sh.get<std::string>().c_str(), "%u/%u", &k, &n) != 2 || k < 1 || k > n)
            rd.fail("shard", "\"K/N\" with 1 <= K <= N");
        r.options.shard = k;
        r.options.shards = n;
    } else if (!sh.is_null()) {
        rd.fail("shard", "\"K/N\" or null");
    }
    r.units = rd.uint(j, "units", "");
    r.units_done = rd.uint(j, "units_done", "");
    r.stats.executions = rd.uint(j, "executions", "");
    r.stats.sleep_blocked = rd.uint(j, "sleep_blocked", "");
    // Optional when read: a report from a build before the key exists fails
    // the version check with its own message (merge, --resume).
    if (j.contains("covered")) r.stats.covered = rd.uint(j, "covered", "");
    r.stats.revisits = rd.uint(j, "revisits", "");
    r.stats.runs = rd.uint(j, "runs", "");
    r.stats.longest = rd.uint(j, "longest", "");
    r.stats.complete = rd.boolean(j, "complete", "");
    const json& b = rd.at(j, "bound", "bound");
    if (b.is_string()) r.stats.bound = b.get<std::string>();
    const json& obs = rd.at(j, "observation", "observation");
    r.positive = rd.uint(obs, "positive", "observation.");
    r.negative = rd.uint(obs, "negative", "observation.");
    if (j.contains("witness_fallbacks") && j["witness_fallbacks"].is_array())
        for (const json& w : j["witness_fallbacks"])
            if (w.is_string()) r.witness_fallbacks.push_back(w.get<std::string>());
    r.outcomes = read_rows(j, "", *sc, rd);
    check_report_consistency(r, rd, "");
    r.carried = read_rows(j, "", *sc, rd, "carried_violations");
    check_witnesses(r, r.carried, rd, "carried_violations");
    const json& lim = rd.at(j, "limits", "limits");
    r.options.search.max_runs = rd.uint(lim, "max_runs", "limits.");
    if (!rd.at(lim, "time_limit", "limits.time_limit").is_number())
        rd.fail("limits.time_limit", "a number of seconds");
    r.options.search.time_limit = lim["time_limit"].get<double>();
    // An incomplete search: its done units and their table, for --resume.
    const json& rs = rd.at(j, "resume", "resume");
    if (rs.is_object()) {
        r.mine = rd.uint(rs, "units_of_shard", "resume.");
        const json& done = rd.at(rs, "done", "resume.done");
        std::vector<UnitSet::Range> ranges;
        if (!done.is_array()) rd.fail("resume.done", "an array of [first, last) unit ranges");
        for (const json& x : done) {
            if (!x.is_array() || x.size() != 2 || !x[0].is_number_unsigned() || !x[1].is_number_unsigned() ||
                x[1].get<std::uint64_t>() > r.mine)
                rd.fail("resume.done", fmt::format("[first, last) unit ranges within the shard's {} units", r.mine));
            ranges.emplace_back(x[0].get<std::uint64_t>(), x[1].get<std::uint64_t>());
        }
        if (!r.done.assign(ranges)) rd.fail("resume.done", "sorted, disjoint, non-empty ranges");
        ExploreResult t;
        t.scenario = r.scenario;
        t.options = r.options;
        t.units = r.units;
        t.stats.executions = rd.uint(rs, "executions", "resume.");
        t.stats.sleep_blocked = rd.uint(rs, "sleep_blocked", "resume.");
        if (rs.contains("covered")) t.stats.covered = rd.uint(rs, "covered", "resume.");
        t.stats.revisits = rd.uint(rs, "revisits", "resume.");
        t.stats.runs = rd.uint(rs, "runs", "resume.");
        t.stats.longest = rd.uint(rs, "longest", "resume.");
        t.positive = rd.uint(rs, "positive", "resume.");
        t.negative = rd.uint(rs, "negative", "resume.");
        t.outcomes = read_rows(rs, "resume.", *sc, rd);
        check_report_consistency(t, rd, "resume.");
        std::vector<OutcomeRow> carried = read_rows(rs, "resume.", *sc, rd, "carried");
        check_witnesses(r, carried, rd, "resume.carried");
        r.completed_units = Table{t.stats, t.positive, t.negative, std::move(t.outcomes), std::move(carried)};
        r.units_done = r.done.size();
    } else if (!rs.is_null()) {
        rd.fail("resume", "an object or null");
    }  // null: complete, or a merge of shards (each resumes from its own report)
    return r;
}

nlohmann::ordered_json witness_scenario(const ExploreResult& r, const OutcomeRow& row) {
    using json = nlohmann::ordered_json;
    const Scenario& sc = *r.scenario;
    // The text that was searched (not the file as it may be now).
    json j = json::parse(sc.source_text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw InputError(sc.file + ": $: expected valid JSON");
    j["kernel"] = sc.kernel;
    j["fixes"] = json::array();
    for (core::Fix f : sc.fixes) j["fixes"].push_back(core::fix_name(f));
    std::string err;
    auto picks = sim::decode_token(row.witness, err);
    json sched = json::array();
    if (picks)
        for (const sim::Run& r : sim::runs_of(*picks))
            sched.push_back({{"cpu", sc.threads[static_cast<std::size_t>(r.cpu)].cpu}, {"steps", r.count}});
    j["schedule"] = sched;
    json expect = json::object();
    expect["violations"] = row.outcome.violations;
    json rets = json::object();
    for (const auto& [cpu, v] : row.outcome.returns) rets[cpu] = returns_json(v);
    expect["returns"] = rets;
    if (!row.outcome.reads.empty()) {
        json reads = json::object();
        for (const auto& [cpu, v] : row.outcome.reads) reads[cpu] = v;
        expect["reads"] = reads;
    }
    json fin = json::object();
    for (std::size_t i = 0; i < sc.expect.final.size() && i < row.outcome.final.size(); ++i) {
        const FinalCheck& f = sc.expect.final[i];
        const json& v = row.outcome.final[i].second;
        if (!v.is_null()) fin[f.target][f.key] = v;
    }
    if (!fin.empty()) expect["final"] = fin;
    j["expect"] = expect;
    return j;
}

namespace {
constexpr std::size_t kMaxIndentedWitness = 1 << 20;
}

std::vector<std::string> save_witnesses(const ExploreResult& r, const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!fs::is_directory(dir, ec))
        throw InputError(fmt::format("--save: cannot create directory {}{}", dir, ec ? ": " + ec.message() : ""));
    std::vector<std::string> written;
    for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
        const OutcomeRow& row = r.outcomes[i];
        if (row.outcome.violations.empty()) continue;
        auto j = witness_scenario(r, row);
        std::string path = (fs::path(dir) / fmt::format("{}-outcome-{}.json", r.scenario->name, i + 1)).string();
        // Indented like the shipped files, unless that would multiply the
        // size (a huge, deeply nested comment): then as compact as the input.
        std::string text = j.dump();
        if (text.size() <= kMaxIndentedWitness) text = j.dump(2);
        std::ofstream out(path);
        out << text << "\n";
        if (!out) throw InputError("--save: cannot write " + path);
        written.push_back(path);
    }
    return written;
}

}  // namespace app
