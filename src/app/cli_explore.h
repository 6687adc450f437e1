// The `explore` and `merge` subcommands (kept out of main.cpp so each command
// family reads on its own).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace app {

struct ExploreArgs {
    std::string file, strategy = "dpor", format = "text", shard, reductions = "all";
    std::uint64_t max_runs = 0, runs = 1000, seed = 1;
    std::uint32_t max_steps = 20000;
    double time_limit = 0;
    unsigned preemptions = 2, depth = 3, jobs = 1;
    std::size_t split = 0;
    bool from_schedule = false;
    bool no_snapshot = false;
    bool no_checkpoints = false;
    std::vector<std::string> fixes;
    std::optional<std::string> kernel, save;
    // Options given on the command line that only some strategies use
    // ("--preemptions", ...): cmd_explore refuses them under the others.
    std::vector<std::string> given;
    bool progress = false;               // --progress: the progress line even off a terminal
    bool no_progress = false;            // --no-progress: not even on one
    std::optional<std::string> resume;   // --resume REPORT
    const CLI::App* cmd = nullptr;       // the parsed subcommand (which options were given)
};

struct MergeArgs {
    std::vector<std::string> files;
    std::string format = "text";
};

CLI::App* add_explore_command(CLI::App& cli, ExploreArgs& a);
CLI::App* add_merge_command(CLI::App& cli, MergeArgs& a);
// Exit codes: 0 no violation reachable, 1 a violation is reachable, 4 inconclusive; throw InputError (2).
int cmd_explore(const ExploreArgs& a);
int cmd_merge(const MergeArgs& a);

}  // namespace app
