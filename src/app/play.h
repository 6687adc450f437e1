// `contsim play`: the student is the scheduler. Each request replays the
// scenario along the schedule picked so far (a token) and stops there, so the
// game keeps no state: the same token gives the same page anywhere.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/runner.h"
#include "app/scenario.h"

namespace app {

// The scenario run along `token` and stopped after its steps (the state a
// student who picked those steps sees). Throws InputError on a bad token or a
// pick of a CPU that cannot run.
RunResult replay_prefix(const Scenario& sc, const std::string& token);

// The level's fixed part: CPUs, their ops, goal, hints, par.
nlohmann::json play_level(const Scenario& sc);

// The state after the steps `token` names ("" = none yet): each CPU's next
// line in its function's source, whether it may step (and why not), locks,
// counts with their history, freed objects, findings, the goal. A token
// that steps a blocked CPU or names more steps than the run has throws
// InputError saying which.
nlohmann::json play_state(const Scenario& sc, const std::string& token);

// Whether a run meets the level's goal (false without a "play" block).
bool goal_met(const Scenario& sc, const RunResult& r);

// `contsim play --check`: each level's solution replays to the goal within
// par switches. Lines for the report; false if any level fails.
bool check_levels(const std::vector<std::string>& files, std::vector<std::string>& report);

}  // namespace app
