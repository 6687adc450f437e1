#include "app/cli_explore.h"

#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "app/explore.h"
#include "app/scenario.h"

namespace app {

CLI::App* add_explore_command(CLI::App& cli, ExploreArgs& a) {
    auto* e = cli.add_subcommand(
        "explore", "Explore the interleavings of the threads (the file's schedule is ignored) and list the outcomes");
    e->add_option("file", a.file, "Scenario JSON file")->required();
    e->add_option("--strategy", a.strategy,
                  "dpor (partial-order reduction, default), dfs (every interleaving), bounded (at most "
                  "--preemptions), pct or random (sampling --runs)")
        ->check(CLI::IsMember({"dpor", "dfs", "bounded", "pct", "random"}));
    auto note = [&a](const char* name) { return [&a, name](const auto&) { a.given.push_back(name); }; };
    e->add_option("--preemptions", a.preemptions, "bounded: the preemption bound")
        ->check(CLI::Range(0u, 64u))
        ->each(note("--preemptions"));
    e->add_option("--runs", a.runs, "pct, random: executions to sample")
        ->check(CLI::Range(1ull, 1000000000ull))
        ->each(note("--runs"));
    e->add_option("--seed", a.seed, "pct, random: seed")->each(note("--seed"));
    e->add_option("--depth", a.depth, "pct: bug depth (priority change points + 1)")
        ->check(CLI::Range(1u, 64u))
        ->each(note("--depth"));
    e->add_option("--max-runs", a.max_runs, "Stop after this many executions (0: no bound)");
    e->add_option("--max-steps", a.max_steps, "Step bound per execution (livelock guard)")
        ->check(CLI::Range(1u, 10000000u));
    e->add_option("--time-limit", a.time_limit, "Stop after this many seconds (0: no bound)")
        ->check(CLI::Range(0.0, 1e9));
    e->add_option("--jobs", a.jobs, "Worker threads (the table is the same for any number)")
        ->check(CLI::Range(1u, 256u));
    e->add_option("--shard", a.shard, "K/N: explore only the K-th of N shares of the work units (see contsim merge)");
    e->add_option("--split", a.split,
                  "Work units to cut the search into (default: 1 for one worker, 64 with --jobs or --shard; "
                  "the table never depends on it)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
    e->add_flag("--from-schedule", a.from_schedule,
                "Replay the file's schedule (up to its trailing run-to-completion entries) as every execution's prefix");
    e->add_flag("--no-snapshot", a.no_snapshot,
                "Boot and set up afresh for every execution instead of restoring a snapshot of set-up (same report; "
                "for comparison)");
    e->add_option("--fix", a.fixes, "Apply a named fix (repeatable)");
    e->add_option("--kernel", a.kernel, "Run on this kernel instead of the file's");
    e->add_option("--format", a.format, "Output format")->check(CLI::IsMember({"text", "json"}));
    e->add_option("--save", a.save, "Write a replayable scenario for each violating outcome into this directory");
    return e;
}

CLI::App* add_merge_command(CLI::App& cli, MergeArgs& a) {
    auto* m = cli.add_subcommand("merge", "Combine the JSON reports of `explore --shard K/N` runs into one table");
    m->add_option("files", a.files, "Reports written by explore --shard K/N --format json")->required();
    m->add_option("--format", a.format, "Output format")->check(CLI::IsMember({"text", "json"}));
    return m;
}

namespace {
// As many shards as --split may cut units (a shard beyond the units is empty).
constexpr unsigned kMaxShards = 1000000;

void parse_shard(const std::string& s, unsigned& k, unsigned& n) {
    char tail = 0;
    if (std::sscanf(s.c_str(), "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || k < 1 || k > n || n > kMaxShards ||
        s.find('-') != std::string::npos)
        throw InputError("--shard: expected K/N with 1 <= K <= N <= " + std::to_string(kMaxShards) + ", got \"" + s + "\"");
}

int print(const ExploreResult& r, const std::string& format, const std::vector<std::string>& saved, bool save) {
    if (format == "json") {
        nlohmann::json j = explore_report_json(r);
        if (save) j["saved"] = saved;
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << explore_report_text(r);
        for (const auto& p : saved) std::cout << "Saved " << p << "\n";
    }
    return r.exit_code();
}
}  // namespace

int cmd_explore(const ExploreArgs& a) {
    // An option the chosen strategy does not use is an error, not ignored.
    for (const std::string& opt : a.given) {
        const bool applies = opt == "--preemptions" ? a.strategy == "bounded"
                             : opt == "--depth"     ? a.strategy == "pct"
                                                    : a.strategy == "pct" || a.strategy == "random";
        if (!applies)
            throw InputError(fmt::format("{}: only --strategy {} uses it (the strategy is {})", opt,
                                         opt == "--preemptions" ? "bounded"
                                         : opt == "--depth"     ? "pct"
                                                                : "pct or random",
                                         a.strategy));
    }
    Scenario sc = load_scenario(a.file, {a.kernel, a.fixes});
    ExploreOptions o;
    o.search.strategy = *parse_strategy(a.strategy);
    o.search.max_runs = a.max_runs;
    o.search.time_limit = a.time_limit;
    o.search.preemptions = a.preemptions;
    o.max_steps = a.max_steps;
    o.jobs = a.jobs;
    o.split = a.split;
    o.from_schedule = a.from_schedule;
    o.snapshot = !a.no_snapshot;
    o.runs = a.runs;
    o.seed = a.seed;
    o.depth = a.depth;
    if (!a.shard.empty()) parse_shard(a.shard, o.shard, o.shards);
    ExploreResult r;
    try {
        r = explore_scenario(sc, o);
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const InputError*>(&e)) throw;
        throw InputError(std::string(e.what()));  // a replay diverged: report, exit 2
    }
    std::vector<std::string> saved;
    if (a.save) saved = save_witnesses(r, *a.save);
    return print(r, a.format, saved, a.save.has_value());
}

int cmd_merge(const MergeArgs& a) {
    std::vector<std::unique_ptr<Scenario>> scenarios;
    std::vector<ExploreResult> parts;
    for (const std::string& f : a.files) {
        scenarios.emplace_back();
        parts.push_back(read_explore_report(f, scenarios.back()));
    }
    ExploreResult& first = parts.front();
    const nlohmann::json want = explore_report_json(first)["search"];
    std::vector<bool> seen(first.options.shards, false);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const ExploreResult& p = parts[i];
        const Scenario& s0 = *first.scenario;
        const Scenario& s = *p.scenario;
        if (s.file != s0.file || s.kernel != s0.kernel || s.fixes != s0.fixes || explore_report_json(p)["search"] != want)
            throw InputError(fmt::format("{}: not the same search as {} (scenario, kernel, fixes and search options must match)",
                                         a.files[i], a.files[0]));
        if (p.options.shards != first.options.shards || p.units != first.units)
            throw InputError(fmt::format("{}: $.shard: expected a share of the same {} units in {} shards as {}",
                                         a.files[i], first.units, first.options.shards, a.files[0]));
        if (seen[p.options.shard - 1])
            throw InputError(fmt::format("{}: $.shard: shard {}/{} given twice", a.files[i], p.options.shard,
                                         p.options.shards));
        seen[p.options.shard - 1] = true;
    }
    for (unsigned k = 0; k < seen.size(); ++k)
        if (!seen[k]) throw InputError(fmt::format("merge: shard {}/{} is missing", k + 1, seen.size()));
    ExploreResult all = first;
    for (std::size_t i = 1; i < parts.size(); ++i) merge_into(all, parts[i]);
    all.options.shard = all.options.shards = 1;
    return print(all, a.format, {}, false);
}

}  // namespace app
