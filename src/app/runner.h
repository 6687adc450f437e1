// Runs a scenario: boot and set-up serially on one CPU, then the threads under
// the chosen policy with tracing on, then the end-of-run checks, then the
// comparison with `expect`.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/scenario.h"
#include "core/kernel.h"
#include "sim/machine.h"

namespace app {

struct RunOptions {
    std::optional<std::string> token;   // --schedule: replay exactly
    std::optional<std::uint64_t> seed;  // --seed: random policy
    std::uint32_t max_steps = 20000;
    // Exploration: run the threads under this policy instead of the file's
    // schedule, untraced, with the machine recording each step's
    // (CPU, cell, access) for partial-order reduction (sim::Machine::set_exploring).
    sim::Policy* policy = nullptr;
};

struct ThreadResult {
    std::string cpu;
    int task;
    std::string task_name;
    std::vector<int> returns;  // one per op that ran
    std::vector<std::string> reads;  // the text of each read op that ran ("" when it failed)
};

struct RunResult {
    // The machine owns every object the trace points at: keep it alive.
    std::unique_ptr<sim::Machine> machine;
    std::unique_ptr<core::Kernel> kernel;
    const Scenario* scenario = nullptr;
    std::string token;
    std::vector<ThreadResult> threads;
    std::vector<sim::Finding> findings;
    std::vector<core::NodeState> nodes;
    std::vector<core::GroupState> groups;
    bool aborted = false;
    std::uint32_t steps = 0;
    bool matches = true;
    std::vector<std::string> mismatches;
    int exit_code() const { return matches ? 0 : 1; }
    std::vector<std::string> violation_set() const;  // sorted, unique kinds
};

// Throws InputError (unfollowable schedule, failing set-up, bad token).
RunResult run_scenario(const Scenario& sc, const RunOptions& opt = {});

// The value of expect.final's target.key at the end of a run, as compared
// with `expect` (a path that no longer exists counts as freed); nullopt when
// the run has no such value.
std::optional<nlohmann::json> final_value(const RunResult& r, const std::string& target, const std::string& key);

}  // namespace app
