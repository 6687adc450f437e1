// contsim explore: every interleaving of a scenario's threads (its schedule
// ignored), grouped into distinct outcomes. Each execution is a fresh machine
// and kernel: boot and set-up serially, then the threads under sim::Explorer.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/scenario.h"
#include "app/unit_set.h"
#include "sim/explore.h"

namespace app {

struct ExploreResult;

// "all", "none" or a comma list of rule names (sim::Reductions): the rules
// on. Throws InputError naming `where` for anything else.
sim::Reductions parse_reductions(const std::string& text, const std::string& where);
// Turns the rule `name` on or off; false if there is no such rule.
bool set_reduction(sim::Reductions& r, const std::string& name, bool on);
// The names of the rules off (empty: the default, every rule on).
std::vector<std::string> reductions_off(const sim::Reductions& r);

struct ExploreOptions {
    sim::ExploreOptions search;
    std::uint32_t max_steps = 20000;  // per execution
    unsigned jobs = 1;                // worker threads, each with its own fibers and model
    unsigned shard = 1, shards = 1;   // --shard K/N: this process explores units K-1, K-1+N, ...
    // Work units the exhaustive strategies are cut into before they start;
    // 0: one unit for a single unbounded worker, none for a DPOR tree shared
    // by --jobs (tree()), 64 when --shard, a limit, or --jobs with DFS or
    // bounded share it. The table (counts and witnesses) never depends on it;
    // the cost does (probes, sleep-blocked runs).
    std::size_t split = 0;
    // A limit (--max-runs, --time-limit) also cuts it into 64, so that --resume
    // keeps the units finished before the limit struck.
    std::size_t effective_split() const {
        if (tree()) return 1;  // one tree, its units made as it goes
        return split ? split : (jobs > 1 || shards > 1 || search.max_runs || search.time_limit > 0 ? 64 : 1);
    }
    // DPOR shared by several workers over one tree (tree_split_after): with
    // --jobs, unless a limit, --shard, --split or --resume (of a search cut
    // into units) asks for units fixed before the search.
    bool resume_tree() const;  // --resume of a tree search's report: it starts afresh
    bool tree() const {
        return search.strategy == sim::Strategy::dpor && jobs > 1 && shards == 1 && split == 0 && !search.max_runs &&
               search.time_limit <= 0 && (resume == nullptr || resume_tree()) && tree_split_after > 0;
    }
    // A DPOR search cut into units: every this many runs a unit hands the
    // untaken branches of its shallowest open node to whichever worker is free
    // (sim::ExploreOptions::handoff_after): the split sizes units by estimate,
    // and one of them can hold half of the search. 0: never. Not with
    // --max-runs (each unit's share is fixed).
    std::uint64_t handoff_after = 5000;
    // DPOR with --jobs and neither a limit nor --shard/--split: the workers
    // share one search over a common top of the tree (sim/tree_search.h)
    // instead of a split, and a unit splits into the branches left on its
    // path after this many runs. 0: a split, as with a limit.
    std::uint64_t tree_split_after = 1000;
    bool from_schedule = false;       // replay the file's schedule as the prefix of every execution
    std::uint64_t runs = 1000;        // pct, random: executions sampled
    std::uint64_t seed = 1;           // pct, random
    unsigned depth = 3;               // pct: bug depth d
    // Boot and set-up once per worker thread and restore their state before
    // each execution (app::SnapshotRunner), instead of a fresh run each time.
    // The report is the same either way (--no-snapshot: for comparison).
    bool snapshot = true;
    // With the snapshot: start each execution from the deepest checkpoint of
    // an earlier one that it shares its first picks with (sim/checkpoint.h)
    // instead of replaying them. The report is the same either way
    // (--no-checkpoints: for comparison).
    bool checkpoints = true;
    // The progress line on stderr (app/explore_progress.h): drawn in place on a terminal.
    bool progress = false, progress_tty = false;
    // --resume: the report of an incomplete run of this search; its done
    // units are skipped and its completed units' table is the start.
    const ExploreResult* resume = nullptr;
};

// What an execution ends with: the violation kinds, the values named in
// expect.final (target.key; null when the run has none), each CPU's returns.
struct RunResult;

struct Outcome {
    std::vector<std::string> violations;
    std::vector<std::pair<std::string, nlohmann::json>> final;  // "target.key" -> value
    std::vector<std::pair<std::string, std::vector<int>>> returns;
    // The text of each read op, for the CPUs whose reads the scenario's
    // expect names (so an expect on reads is decided by the outcome alone).
    std::vector<std::pair<std::string, std::vector<std::string>>> reads;
    bool operator<(const Outcome& o) const;
    bool operator==(const Outcome& o) const;
};

// The outcome of one run of `sc`.
Outcome outcome_of(const RunResult& r, const Scenario& sc);

struct OutcomeRow {
    Outcome outcome;
    std::uint64_t executions = 0;
    std::string witness;          // schedule token: fewest context switches, then fewest steps
    std::string raw_witness;      // the schedule the explorer ran for it (not reported)
    std::size_t switches = 0;     // runs in the witness token, less one
    std::uint32_t steps = 0;
    bool matches_expect = false;  // the scenario's expect holds for this outcome
};

// The explore report's "format": 2 added the embedded scenario, the version and the digests.
constexpr const char* kExploreFormat = "contsim-explore/2";

// Exit code of a search that stopped (a bound, sampling) before it covered
// every execution and found no violation: neither clean nor a finding.
constexpr int kExitInconclusive = 4;

// The figures and rows of some of a search's units.
struct Table {
    sim::ExploreStats stats;
    std::uint64_t positive = 0, negative = 0;
    std::vector<OutcomeRow> outcomes;
    // Violating rows seen outside these units (in units a limit stopped),
    // not counted: a resumed search that has not reached them again still
    // knows a violation is reachable.
    std::vector<OutcomeRow> carried = {};
};

struct ExploreResult {
    const Scenario* scenario = nullptr;
    std::string strategy;
    ExploreOptions options;
    sim::ExploreStats stats;
    // The workers shared one tree (ExploreOptions::tree()): its units were
    // made as it went, and an incomplete one keeps none (--resume starts afresh).
    bool tree = false;
    std::size_t units = 0;             // work units of the whole search (runs, for pct/random)
    std::size_t units_done = 0;        // units run to their end (all, or this shard's)
    std::uint64_t mine = 0;            // this process's units (this shard's; runs, for pct/random)
    UnitSet done;                      // which of them (indices into this shard's list)
    // An incomplete search: the table of its done units alone (the main one
    // also has the units a limit stopped half-way), for --resume.
    std::optional<Table> completed_units;
    // Resumed and still incomplete: violating rows an earlier run saw in a
    // unit this one has not finished again (shown apart, not counted).
    std::vector<OutcomeRow> carried;
    bool stalled = false;  // a capped --resume that finished no further unit
    std::vector<std::uint8_t> prefix;  // --from-schedule: the schedule's picks every execution starts with
    std::vector<std::string> witness_fallbacks;  // witnesses whose fewest-switch form did not replay (model bug)
    std::vector<OutcomeRow> outcomes;  // sorted by outcome
    std::uint64_t positive = 0;        // executions matching expect
    std::uint64_t negative = 0;
    bool violation_reachable() const;
    // 1 when some execution has a violation; else 0 when the search covered
    // every execution (of this shard's units, for a shard), else
    // kExitInconclusive: a search that did not finish never passes.
    int exit_code() const;
    // "Sometimes", "Always" or "Never" (positive executions among all).
    std::string verdict() const;
};

// Throws InputError (failing set-up) and std::runtime_error (a replay diverged).
ExploreResult explore_scenario(const Scenario& sc, const ExploreOptions& o);

// A search against the scenario's expect.explore: "never", "sometimes" or
// "always" (executions with a violation among all), the kinds reachable.
std::string violation_verdict(const ExploreResult& r);
struct ExploreExpectCheck {
    bool inconclusive = false;            // the search did not finish and nothing seen contradicts
    std::vector<std::string> mismatches;  // "verdict: expected never, found sometimes", ...
    bool matches() const { return !inconclusive && mismatches.empty(); }
};
ExploreExpectCheck check_explore_expect(const ExploreResult& r, const ExploreExpect& e);

// Adds `part`'s rows and figures into `into` (same scenario and options):
// executions summed, each outcome's witness the least by (switches, steps, token).
void merge_into(ExploreResult& into, const ExploreResult& part);
// Reads a report written by `explore --format json` back (for `contsim merge`).
// The scenario is loaded from the report's file, kernel and fixes; `sc` must
// outlive the result. Throws InputError naming the file and JSON path.
// The report's digest, figures and rows are checked (each witness replayed).
ExploreResult read_explore_report(const std::string& file, std::unique_ptr<Scenario>& sc);
// The checksum every shard of one search shares (binary, scenario text, kernel, fixes, options).
std::string explore_search_digest(const ExploreResult& r);
// Recomputes the report's digest after a key was added to it (`saved`).
void seal_explore_report(nlohmann::json& j);
std::string strategy_name(sim::Strategy s);
std::optional<sim::Strategy> parse_strategy(const std::string& s);

std::string explore_report_text(const ExploreResult& r);
nlohmann::json explore_report_json(const ExploreResult& r);

// The scenario that replays a row: the original file with its schedule replaced
// by the witness as {"cpu": NAME, "steps": N} runs and its expect by the outcome
// (violations, returns, and the final values the file's expect names).
// Keys keep the file's order.
nlohmann::ordered_json witness_scenario(const ExploreResult& r, const OutcomeRow& row);
// --save DIR: writes witness_scenario() of every violating outcome as
// DIR/<name>-outcome-<k>.json (k = the row's number); returns the paths.
std::vector<std::string> save_witnesses(const ExploreResult& r, const std::string& dir);

}  // namespace app
