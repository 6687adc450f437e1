#include "app/cli_explore.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include <unistd.h>

#include <fmt/format.h>

#include "app/cli_checks.h"
#include "app/explore.h"
#include "app/scenario.h"

namespace app {

CLI::App* add_explore_command(CLI::App& cli, ExploreArgs& a) {
    auto* e = cli.add_subcommand(
        "explore", "Explore the interleavings of the threads (the file's schedule is ignored) and list the outcomes");
    e->add_option("file", a.file, "Scenario JSON file (not with --resume: the report holds it)");
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
    e->add_option("--seed", a.seed, "pct, random: seed")->check(whole_number())->each(note("--seed"));
    e->add_option("--depth", a.depth, "pct: bug depth (priority change points + 1)")
        ->check(CLI::Range(1u, 64u))
        ->each(note("--depth"));
    e->add_option("--max-runs", a.max_runs, "Stop after this many executions (0: no bound)")->check(whole_number());
    e->add_option("--max-steps", a.max_steps, "Step bound per execution (livelock guard)")
        ->check(CLI::Range(1u, 10000000u));
    e->add_option("--time-limit", a.time_limit, "Stop after this many seconds (0: no bound)")
        ->check(finite_number())
        ->check(CLI::Range(0.0, 1e9));
    e->add_option("--jobs", a.jobs, "Worker threads (the table is the same for any number, the report for any above 1)")
        ->check(CLI::Range(1u, 256u));
    e->add_option("--shard", a.shard, "K/N: explore only the K-th of N shares of the work units (see contsim merge)");
    e->add_option("--split", a.split,
                  "Work units to cut the search into before it starts (default: 1 for one worker, 64 with "
                  "--shard or a limit; with --jobs, DPOR shares one tree instead, other strategies 64; the table "
                  "never depends on it)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
    e->add_option("--reductions", a.reductions,
                  "Independence rules beyond same-cell conflicts: all (default), none, or a comma list of gp-ends, "
                  "blind-adds, snapshot-first, nonzero-decs, snapshot-sleep, snapshot-order (docs/explore.md, Reductions; the outcomes are the same, the counts differ)");
    e->add_flag("--from-schedule", a.from_schedule,
                "Replay the file's schedule (up to its trailing run-to-completion entries) as every execution's prefix");
    e->add_flag("--no-snapshot", a.no_snapshot,
                "Boot and set up afresh for every execution instead of restoring a snapshot of set-up (same report; "
                "for comparison)");
    e->add_flag("--no-checkpoints", a.no_checkpoints,
                "Replay each execution's prefix from set-up instead of starting from a checkpoint of an earlier "
                "execution (same report; for comparison)");
    e->add_option("--fix", a.fixes, "Apply a named fix (repeatable)");
    e->add_option("--kernel", a.kernel, "Run on this kernel instead of the file's");
    e->add_option("--format", a.format, "Output format")->check(CLI::IsMember({"text", "json"}));
    e->add_option("--save", a.save, "Write a replayable scenario for each violating outcome into this directory");
    e->add_flag("--progress", a.progress, "Draw the progress line on stderr even when it is not a terminal");
    e->add_flag("--no-progress", a.no_progress, "No progress line, even on a terminal");
    e->add_option("--resume", a.resume,
                  "Go on with the incomplete search this report (explore --format json) stopped: its scenario, kernel, "
                  "fixes, strategy and options; give only --max-runs, --time-limit, --jobs, --format, --save");
    a.cmd = e;
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
        if (save) {
            j["saved"] = saved;
            seal_explore_report(j);  // a saved report still merges and resumes
        }
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << explore_report_text(r);
        for (const auto& p : saved) std::cout << "Saved " << p << "\n";
    }
    return r.exit_code();
}
// SIGINT and SIGTERM stop the search after the executions under way; the
// partial table is printed, marked incomplete. A second signal kills as usual,
// for a user who does not want to wait -- but only one that comes at least
// half a second after the first: `timeout` (GNU coreutils) sends its signal to
// the command and then to the whole process group, so one expiry arrives twice
// within microseconds, and SA_RESETHAND would let the copy kill the search
// before it prints (seen in CI). clock_gettime is async-signal-safe (POSIX).
std::atomic<bool> g_interrupted{false};
std::atomic<long long> g_first_signal_ns{0};

long long monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

extern "C" void on_interrupt(int sig) {
    const long long now = monotonic_ns();
    if (!g_interrupted.exchange(true, std::memory_order_relaxed)) {
        g_first_signal_ns.store(now, std::memory_order_relaxed);
        return;
    }
    if (now - g_first_signal_ns.load(std::memory_order_relaxed) < 500000000LL) return;  // the same signal, twice
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

struct InterruptHandlers {
    struct sigaction old_int{}, old_term{};
    InterruptHandlers() {
        g_interrupted = false;
        struct sigaction sa{};
        sa.sa_handler = on_interrupt;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &old_int);
        ::sigaction(SIGTERM, &sa, &old_term);
    }
    ~InterruptHandlers() {
        ::sigaction(SIGINT, &old_int, nullptr);
        ::sigaction(SIGTERM, &old_term, nullptr);
    }
};

int run_and_print(const Scenario& sc, ExploreOptions o, const ExploreArgs& a) {
    o.progress = !a.no_progress && (a.progress || ::isatty(2));
    o.progress_tty = ::isatty(2);
    InterruptHandlers handlers;
    o.search.interrupt = &g_interrupted;
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

// --resume REPORT: the search is the report's; only limits and output may change.
int resume_explore(const ExploreArgs& a) {
    for (const char* opt : {"--strategy", "--preemptions", "--runs", "--seed", "--depth", "--max-steps", "--shard",
                            "--split", "--from-schedule", "--reductions", "--fix", "--kernel"})
        if (a.cmd && a.cmd->count(opt))
            throw InputError(fmt::format("{}: not with --resume: the search's options come from the report {}", opt,
                                         *a.resume));
    if (!a.file.empty())
        throw InputError(fmt::format("{}: not with --resume: the scenario comes from the report {}", a.file, *a.resume));
    std::unique_ptr<Scenario> sc;
    const ExploreResult prev = read_explore_report(*a.resume, sc);
    if (prev.stats.complete) return print(prev, a.format, {}, false);  // nothing left: the same report
    if (!prev.completed_units)
        throw InputError(fmt::format("{}: $.resume: expected the done units of an incomplete search; a merge of "
                                     "shards has none: resume each shard's own report, then merge",
                                     *a.resume));
    ExploreOptions o = prev.options;
    o.search.max_runs = a.max_runs;
    o.search.time_limit = a.time_limit;
    o.jobs = a.jobs;
    o.snapshot = !a.no_snapshot;
    o.checkpoints = !a.no_checkpoints;
    o.resume = &prev;
    // A shared tree's units were made as it went: none is kept, and the
    // search starts again (its report says split 1: --jobs and the limits
    // choose the units again, as for a new search).
    if (prev.tree) o.split = 0;
    return run_and_print(*sc, o, a);
}

}  // namespace

int cmd_explore(const ExploreArgs& a) {
    if (a.progress && a.no_progress) throw InputError("--progress and --no-progress: give one");
    if (a.resume) return resume_explore(a);
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
    if (a.file.empty()) throw InputError("explore: expected a scenario FILE (or --resume REPORT)");
    Scenario sc = load_scenario(a.file, {a.kernel, a.fixes});
    ExploreOptions o;
    o.search.strategy = *parse_strategy(a.strategy);
    o.search.max_runs = a.max_runs;
    o.search.time_limit = a.time_limit;
    o.search.preemptions = a.preemptions;
    o.search.reductions = parse_reductions(a.reductions, "--reductions");
    o.max_steps = a.max_steps;
    o.jobs = a.jobs;
    o.split = a.split;
    o.from_schedule = a.from_schedule;
    o.snapshot = !a.no_snapshot;
    o.checkpoints = !a.no_checkpoints;
    o.runs = a.runs;
    o.seed = a.seed;
    o.depth = a.depth;
    if (!a.shard.empty()) parse_shard(a.shard, o.shard, o.shards);
    return run_and_print(sc, o, a);
}

int cmd_merge(const MergeArgs& a) {
    std::vector<std::unique_ptr<Scenario>> scenarios;
    std::vector<ExploreResult> parts;
    for (const std::string& f : a.files) {
        scenarios.emplace_back();
        parts.push_back(read_explore_report(f, scenarios.back()));
    }
    ExploreResult& first = parts.front();
    const std::string want = explore_search_digest(first);
    std::vector<bool> seen(first.options.shards, false);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const ExploreResult& p = parts[i];
        const Scenario& s0 = *first.scenario;
        const Scenario& s = *p.scenario;
        if (explore_search_digest(p) != want) {
            const char* why = s.source_text != s0.source_text ? "its scenario text differs (the file changed between "
                                                                "the shard runs, or another scenario)"
                              : s.kernel != s0.kernel || s.fixes != s0.fixes ? "its kernel or fixes differ"
                                                                             : "its search options differ";
            throw InputError(fmt::format("{}: $.search_digest: not the same search as {}: {}", a.files[i], a.files[0], why));
        }
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
    all.completed_units.reset();  // each shard resumes from its own report, not from the merge
    all.done = {};
    return print(all, a.format, {}, false);
}

}  // namespace app
