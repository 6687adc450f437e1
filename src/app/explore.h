// contsim explore: every interleaving of a scenario's threads (its schedule
// ignored), grouped into distinct outcomes. Each execution is a fresh machine
// and kernel: boot and set-up serially, then the threads under sim::Explorer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/scenario.h"
#include "sim/explore.h"

namespace app {

struct ExploreOptions {
    sim::ExploreOptions search;
    std::uint32_t max_steps = 20000;  // per execution
};

// What an execution ends with: the violation kinds, the values named in
// expect.final (target.key; null when the run has none), each CPU's returns.
struct RunResult;

struct Outcome {
    std::vector<std::string> violations;
    std::vector<std::pair<std::string, nlohmann::json>> final;  // "target.key" -> value
    std::vector<std::pair<std::string, std::vector<int>>> returns;
    bool operator<(const Outcome& o) const;
    bool operator==(const Outcome& o) const;
};

// The outcome of one run of `sc`.
Outcome outcome_of(const RunResult& r, const Scenario& sc);

struct OutcomeRow {
    Outcome outcome;
    std::uint64_t executions = 0;
    std::string witness;          // schedule token: fewest context switches, then fewest steps
    std::size_t switches = 0;     // runs in the witness token, less one
    std::uint32_t steps = 0;
    bool matches_expect = false;  // the scenario's expect holds for this outcome
};

struct ExploreResult {
    const Scenario* scenario = nullptr;
    std::string strategy;
    ExploreOptions options;
    sim::ExploreStats stats;
    std::vector<OutcomeRow> outcomes;  // sorted by outcome
    std::uint64_t positive = 0;        // executions matching expect
    std::uint64_t negative = 0;
    bool violation_reachable() const;
    // 1 when some execution has a violation, else 0.
    int exit_code() const { return violation_reachable() ? 1 : 0; }
    // "Sometimes", "Always" or "Never" (positive executions among all).
    std::string verdict() const;
};

// Throws InputError (failing set-up) and std::runtime_error (a replay diverged).
ExploreResult explore_scenario(const Scenario& sc, const ExploreOptions& o);

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
