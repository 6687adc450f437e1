// What exploration costs on the attach/exit scenarios (issue 4 §5): search
// time of exhaustive DPOR and of capped DFS per scenario, the three-CPU
// scenario, time to the first violation of the seed race, --jobs 1 against
// --jobs 2, and peak memory of a long DFS against a short one.
//
// Times are of app::explore_scenario only (the search: work-unit split, every
// execution, outcome table), the scenario already loaded; each is the best of
// a few repetitions. Google Benchmark times the two headline searches at the
// end (BM_Dpor/...).
//
//   contsim_bench_explore [--dfs-cap N] [--reps N] [--quick] [--scale [--pairs N]] [--ablation] [google-benchmark flags]
//
// --quick skips the DFS column and the --jobs comparison (seconds, not minutes).
// --scale runs only section 5, the four- and five-CPU searches of
// bench/scenarios (issue 14); --ablation adds each of them with each
// reduction rule alone and with none (minutes: each search is stopped after
// --ablation-limit S, 600). Its --jobs 2 ratio is the median of --pairs N
// (5) one- and two-worker searches run in turn.
#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "app/explore.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "sim/explore.h"

namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/";
const std::string kScaleDir = std::string(CONTSIM_SOURCE_DIR) + "/bench/scenarios/";

struct Timed {
    app::ExploreResult r;
    double ms = 0;
};

app::ExploreOptions options(sim::Strategy s, std::uint64_t max_runs = 0, unsigned jobs = 1) {
    app::ExploreOptions o;
    o.search.strategy = s;
    o.search.max_runs = max_runs;
    o.jobs = jobs;
    return o;
}

// The table --jobs promises to keep: outcome rows (counts, witnesses), executions and
// the verdict. Units and sleep-blocked runs depend on the split by design.
bool same_table(const app::ExploreResult& a, const app::ExploreResult& b) {
    auto ja = app::explore_report_json(a), jb = app::explore_report_json(b);
    return ja["outcomes"] == jb["outcomes"] && ja["executions"] == jb["executions"] &&
           ja["observation"] == jb["observation"];
}

// Best of `reps` runs of the search.
Timed timed(const app::Scenario& sc, const app::ExploreOptions& o, int reps) {
    Timed t;
    t.ms = 1e300;
    for (int i = 0; i < reps; ++i) {
        auto a = std::chrono::steady_clock::now();
        app::ExploreResult r = app::explore_scenario(sc, o);
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
        if (ms < t.ms) t.ms = ms, t.r = std::move(r);
    }
    return t;
}

std::vector<std::string> files() {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(kDir))
        if (e.path().extension() == ".json") v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    return v;
}

std::string stem(const std::string& f) { return fs::path(f).stem().string(); }

// One search in a child process: its figures and the child's own peak RSS
// (so that every search is measured from the same start).
struct ChildSearch {
    double ms = -1;
    std::uint64_t executions = 0, sleep_blocked = 0, covered = 0, runs = 0;
    long rss_kb = -1;
    int complete = 0;
    std::uint64_t outcomes = 0;
};

ChildSearch child_search(const app::Scenario& sc, const app::ExploreOptions& o) {
    ChildSearch out;
    int fd[2];
    if (pipe(fd) != 0) return out;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        ChildSearch c;
        auto a = std::chrono::steady_clock::now();
        app::ExploreResult r = app::explore_scenario(sc, o);
        c.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
        c.executions = r.stats.executions;
        c.sleep_blocked = r.stats.sleep_blocked;
        c.covered = r.stats.covered;
        c.runs = r.stats.runs;
        c.complete = r.stats.complete;
        c.outcomes = r.outcomes.size();
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        c.rss_kb = ru.ru_maxrss;
        if (write(fd[1], &c, sizeof c) != sizeof c) _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (read(fd[0], &out, sizeof out) != sizeof out) out = ChildSearch{};
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return out;
}

// 5. Search at scale (issue 14): the four- and five-CPU scenarios of
// bench/scenarios, DPOR with every reduction rule, one and two workers;
// with --ablation also replaying each run's prefix instead of starting from a
// checkpoint ("all, replayed"), and then stopping sleep-blocked runs at once
// ("all, replayed, stop asleep": with checkpoints they always stop at once),
// two workers without hand-offs ("all, no hand-offs"),
// and each rule alone and none (each stopped after `limit` s).
void scale_section(bool ablation, double limit, std::size_t pairs) {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(kScaleDir))
        if (e.path().extension() == ".json") v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    std::printf("== search at scale: bench/scenarios (search only, each in a child process)\n");
    std::printf("%-44s %-18s %4s %10s %9s %9s %9s %8s %9s %8s\n", "scenario", "reductions", "jobs", "executions",
                "+blocked", "+covered", "ms", "us/run", "RSS KB", "outcomes");
    for (const std::string& f : v) {
        app::Scenario sc = app::load_scenario(f);
        // `run_on`: sim::ExploreOptions::run_on_after_blocked ("all, replayed, stop asleep": 0).
        // `handoff`: app::ExploreOptions::handoff_after ("all, no hand-offs": 0).
        auto row = [&](const char* red, unsigned jobs, double time_limit, std::uint32_t run_on = 64,
                       std::uint64_t handoff = app::ExploreOptions{}.handoff_after, bool checkpoints = true) {
            app::ExploreOptions o = options(sim::Strategy::dpor, 0, jobs);
            o.checkpoints = checkpoints;
            o.search.reductions = app::parse_reductions(red, "--reductions");
            o.search.time_limit = time_limit;
            o.search.run_on_after_blocked = run_on;
            o.handoff_after = handoff;
            ChildSearch c = child_search(sc, o);
            const std::string label = !run_on        ? std::string(red) + ", replayed, stop asleep"
                                      : !handoff     ? std::string(red) + ", no hand-offs"
                                      : !checkpoints ? std::string(red) + ", replayed"
                                                     : std::string(red);
            std::printf("%-44s %-18s %4u %10llu %9llu %9llu %9.0f %8.2f %9ld %8llu%s\n", stem(f).c_str(), label.c_str(), jobs,
                        static_cast<unsigned long long>(c.executions), static_cast<unsigned long long>(c.sleep_blocked),
                        static_cast<unsigned long long>(c.covered), c.ms, c.runs ? c.ms * 1000 / static_cast<double>(c.runs) : 0.0, c.rss_kb,
                        static_cast<unsigned long long>(c.outcomes), c.complete ? "" : "  (stopped: time limit)");
            std::fflush(stdout);
            return c;
        };
        ChildSearch one = row("all", 1, 0);
        ChildSearch two = row("all", 2, 0);
        // One pair is at the mercy of the host (two busy cores run slower
        // than one, by 5-16% on the 2-core machine): the median ratio of
        // `pairs` pairs, one and two workers in turn.
        std::vector<double> ratios{one.ms / two.ms};
        while (ratios.size() < pairs) {
            app::ExploreOptions o1 = options(sim::Strategy::dpor, 0, 1), o2 = options(sim::Strategy::dpor, 0, 2);
            const double a = child_search(sc, o1).ms, b = child_search(sc, o2).ms;
            ratios.push_back(a / b);
        }
        std::sort(ratios.begin(), ratios.end());
        std::printf("%-44s --jobs 2: %.2fx --jobs 1 (median of %zu pairs, %.2f-%.2f)\n", stem(f).c_str(),
                    ratios[ratios.size() / 2], ratios.size(), ratios.front(), ratios.back());
        if (ablation) row("all", 1, 0, 0, app::ExploreOptions{}.handoff_after, false);
        if (ablation) row("all", 1, 0, 64, app::ExploreOptions{}.handoff_after, false);
        if (ablation) row("all", 2, 0, 64, 0);
        if (ablation)
            for (const char* red : {"gp-ends,blind-adds,snapshot-first,nonzero-decs,snapshot-sleep",
                                    "gp-ends,blind-adds,snapshot-first,nonzero-decs", "gp-ends,blind-adds,snapshot-first",
                                    "gp-ends,blind-adds", "gp-ends", "blind-adds",
                                    "snapshot-first", "nonzero-decs", "none"})
                row(red, 1, limit);
    }
    std::printf("\n");
}

void BM_Dpor(benchmark::State& state, std::string file) {
    app::Scenario sc = app::load_scenario(file);
    std::uint64_t execs = 0;
    for (auto _ : state) {
        app::ExploreResult r = app::explore_scenario(sc, options(sim::Strategy::dpor));
        execs = r.stats.executions;
        benchmark::DoNotOptimize(execs);
    }
    state.counters["executions"] = static_cast<double>(execs);
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t dfs_cap = 200000;
    int reps = 5;
    bool quick = false, scale = false, ablation = false;
    double ablation_limit = 600;
    std::size_t pairs = 5;  // --scale: one- and two-worker pairs behind the --jobs 2 ratio
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--dfs-cap") && i + 1 < argc) dfs_cap = std::strtoull(argv[++i], nullptr, 10);
        else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--quick")) quick = true;
        else if (!std::strcmp(argv[i], "--scale")) scale = true;
        else if (!std::strcmp(argv[i], "--ablation")) ablation = true;
        else if (!std::strcmp(argv[i], "--ablation-limit") && i + 1 < argc) ablation_limit = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = std::max(1, std::atoi(argv[++i]));
        else rest.push_back(argv[i]);
    }

    if (scale) {
        scale_section(ablation, ablation_limit, pairs);
        return 0;
    }

    // 0. The set-up snapshot (issue 4 §3): per-run time of the search with
    // boot and set-up restored from a snapshot (the default) and replayed
    // afresh for every run (--no-snapshot), and that the reports agree.
    {
        std::printf("== set-up snapshot: search time per run, restored vs fresh (best of %d)\n", reps);
        std::printf("%-52s %-4s %8s %8s %11s %11s %7s\n", "scenario", "", "runs", "snap B", "restored us",
                    "fresh us", "ratio");
        double sum_a = 0, sum_b = 0;
        std::uint64_t sum_runs = 0;
        auto row = [&](const std::string& f, sim::Strategy s, std::uint64_t cap, int r) {
            app::Scenario sc = app::load_scenario(f);
            app::ExploreOptions o = options(s, cap);
            o.snapshot = true;
            Timed a = timed(sc, o, r);
            o.snapshot = false;
            Timed b = timed(sc, o, r);
            auto snap = app::SnapshotRunner::create(sc, o.max_steps);
            const double runs = static_cast<double>(a.r.stats.runs);
            std::printf("%-52s %-4s %8llu %8zu %11.2f %11.2f %6.2fx%s\n", stem(f).c_str(),
                        app::strategy_name(s).c_str(), static_cast<unsigned long long>(a.r.stats.runs),
                        snap ? snap->snapshot_bytes() : 0, a.ms * 1000 / runs, b.ms * 1000 / runs, b.ms / a.ms,
                        app::explore_report_json(a.r) == app::explore_report_json(b.r) ? "" : "  REPORTS DIFFER");
            std::fflush(stdout);
            return std::pair<double, double>(a.ms, b.ms);
        };
        for (const std::string& f : files()) {
            app::Scenario sc = app::load_scenario(f);
            if (sc.threads.size() < 3 && sc.kernel != "containers-v7") continue;
            auto [a, b] = row(f, sim::Strategy::dpor, 0, reps);
            sum_a += a, sum_b += b;
        }
        std::printf("three-CPU and containers-v7 (3/7) DPOR searches together: restored %.1f ms, fresh %.1f ms (%.2fx)\n",
                    sum_a, sum_b, sum_b / sum_a);
        (void)sum_runs;
        row(kDir + "v7-1-sep2006-fix-recheck.json", sim::Strategy::dfs, quick ? 100000 : 0, 1);
        std::printf("\n");
    }

    // 1. Every scenario: DPOR (complete) and DFS (capped).
    std::printf("== exhaustive search per scenario (search only, best of %d; DFS capped at %llu runs)\n", reps,
                static_cast<unsigned long long>(dfs_cap));
    std::printf("%-52s %9s %9s %9s %11s | %10s %10s\n", "scenario", "dpor exec", "+blocked", "dpor ms",
                "split=1 ms", "dfs exec", "dfs ms");
    double worst_two = 0, worst_three = 0;
    std::string worst_two_name;
    for (const std::string& f : files()) {
        app::Scenario sc = app::load_scenario(f);
        Timed d = timed(sc, options(sim::Strategy::dpor), reps);
        const bool three = sc.threads.size() >= 3;
        if (three) worst_three = std::max(worst_three, d.ms);
        else if (d.ms > worst_two) worst_two = d.ms, worst_two_name = stem(f);
        app::ExploreOptions one = options(sim::Strategy::dpor);
        one.split = 1;  // a single work unit: no split probes, no sleep-blocked siblings
        Timed d1 = timed(sc, one, reps);
        std::printf("%-52s %9llu %9llu %9.2f %11.2f |", stem(f).c_str(),
                    static_cast<unsigned long long>(d.r.stats.executions),
                    static_cast<unsigned long long>(d.r.stats.sleep_blocked), d.ms, d1.ms);
        if (quick) {
            std::printf(" %10s %10s\n", "-", "-");
        } else {
            Timed g = timed(sc, options(sim::Strategy::dfs, dfs_cap), 1);
            std::printf(" %10llu %10.0f%s\n", static_cast<unsigned long long>(g.r.stats.executions), g.ms,
                        g.r.stats.complete ? "" : "  capped");
        }
        std::fflush(stdout);
    }
    std::printf("slowest two-CPU DPOR search: %.2f ms (%s); slowest three-CPU: %.2f ms\n\n", worst_two,
                worst_two_name.c_str(), worst_three);

    // 2. First violation of the seed race: the fewest runs that reach one, and
    // the search time of exactly that many.
    {
        app::Scenario sc = app::load_scenario(kDir + "v7-1-cs1-negative.json");
        for (std::size_t split : {std::size_t{64}, std::size_t{1}}) {
            std::uint64_t k = 1;
            for (;; ++k) {
                app::ExploreOptions o = options(sim::Strategy::dpor, k);
                o.split = split;
                if (app::explore_scenario(sc, o).violation_reachable()) break;
            }
            app::ExploreOptions o = options(sim::Strategy::dpor, k);
            o.split = split;
            Timed t = timed(sc, o, reps * 4);
            std::printf("== first violation, v7-1-cs1-negative, dpor --split %zu: after %llu run(s), %.3f ms\n", split,
                        static_cast<unsigned long long>(k), t.ms);
        }
        std::printf("\n");
    }

    // 3. --jobs 1 against --jobs 2 on the largest searches.
    if (!quick) {
        std::printf("== --jobs 1 vs --jobs 2 (search only, best of 3)\n");
        struct Case {
            const char* file;
            sim::Strategy s;
            std::uint64_t cap;
        };
        for (const Case& c : {Case{"v7-group-use-after-free-fix-pin-alone.json", sim::Strategy::dpor, 0},
                              Case{"v7-1-three-cpu.json", sim::Strategy::dpor, 0},
                              Case{"v7-1-sep2006-fix-recheck.json", sim::Strategy::dfs, 0}}) {
            app::Scenario sc = app::load_scenario(kDir + c.file);
            const int r = c.s == sim::Strategy::dfs ? 1 : 3;
            Timed one = timed(sc, options(c.s, c.cap, 1), r);
            Timed two = timed(sc, options(c.s, c.cap, 2), r);
            std::printf("%-44s %-4s %9llu exec  jobs1 %9.1f ms  jobs2 %9.1f ms  speedup %.2fx  same table: %s\n",
                        c.file, app::strategy_name(c.s).c_str(),
                        static_cast<unsigned long long>(one.r.stats.executions), one.ms, two.ms, one.ms / two.ms,
                        same_table(one.r, two.r) ? "yes" : "NO");
            std::fflush(stdout);
        }
        std::printf("\n");
    }

    // 4. Memory: peak RSS of a short and a long DFS (each in its own child).
    {
        app::Scenario sc = app::load_scenario(kDir + "v7-1-cs1-negative.json");
        std::printf("== memory (peak RSS of a child running one DFS search)\n");
        for (std::uint64_t cap : {std::uint64_t{1000}, quick ? std::uint64_t{100000} : std::uint64_t{1000000}}) {
            ChildSearch c = child_search(sc, options(sim::Strategy::dfs, cap));
            std::printf("dfs --max-runs %-8llu %9llu runs  max RSS %6ld KB\n", static_cast<unsigned long long>(cap),
                        static_cast<unsigned long long>(c.runs), c.rss_kb);
        }
        std::printf("\n");
    }

    if (!quick) scale_section(ablation, ablation_limit, pairs);

    for (const char* f : {"v7-1-cs1-negative.json", "v7-1-three-cpu.json"})
        benchmark::RegisterBenchmark((std::string("BM_Dpor/") + f).c_str(), BM_Dpor, kDir + f)
            ->Unit(benchmark::kMillisecond);
    int n = static_cast<int>(rest.size());
    benchmark::Initialize(&n, rest.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
