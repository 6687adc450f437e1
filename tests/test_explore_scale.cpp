// contsim explore at scale: --jobs, --shard K/N + merge, and the strategies
// beyond DPOR/DFS. The outcome table (counts included) must not depend on
// how the work units are shared out.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/scenario.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string scenario_path(const std::string& name) {
    return (fs::path(CONTSIM_SOURCE_DIR) / "scenarios/attach-exit" / name).string();
}

// The four-CPU 1/7 bench search: 8,724 runs, enough for units to hand off.
app::Scenario four_cpu_one_seven() {
    return app::load_scenario(
        (fs::path(CONTSIM_SOURCE_DIR) / "bench/scenarios/v7-1-four-cpu-two-attachers-two-exits.json").string());
}

json explore_json(const app::Scenario& sc, app::ExploreOptions o) {
    return app::explore_report_json(app::explore_scenario(sc, o));
}

// The outcome table and verdict: what must not depend on how the search is shared.
json table(const json& j) {
    return {j["outcomes"], j["executions"], j["complete"], j["observation"], j["violation_reachable"]};
}

struct Out {
    int status = -1;
    std::string out;
};

// `contsim ARGS` in the source directory; stdout kept, stderr to `err`.
Out contsim(const std::string& args, const std::string& err = "/dev/null") {
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path() / "test-scale";
    fs::create_directories(dir);
    fs::path out = dir / ("out-" + std::to_string(::getpid()));
    std::string cmd = "cd '" + std::string(CONTSIM_SOURCE_DIR) + "' && '" + CONTSIM_BINARY + "' " + args + " >'" +
                      out.string() + "' 2>" + err;
    int st = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return {st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1, ss.str()};
}

}  // namespace

TEST_CASE("explore --jobs: the same table, counts included, for 1, 2 and 3 workers", "[explore][scale]") {
    for (const char* name : {"v7-1-cs1-negative-nearest.json", "v7-1-cs2-extra-count-fix-recheck.json",
                             "cpuset-sep2006-recheck.json", "v7-group-use-after-free.json"}) {
        INFO(name);
        app::Scenario sc = app::load_scenario(scenario_path(name));
        app::ExploreOptions o;
        json one = explore_json(sc, o);
        CHECK(one["complete"] == true);
        CHECK(one["units_done"] == one["units"]);
        CHECK(one["units"] == 1);  // one worker: plain DPOR, one unit
        // More workers share one search over a common top of the tree
        // (sim/tree_search.h): the same table; and the same units, runs and
        // report for any number of them. Units split after 1,000 runs (these
        // searches are one unit then) and after 5.
        for (std::uint64_t after : {1000u, 5u}) {
            INFO("units split after " << after << " runs");
            o.tree_split_after = after;
            o.jobs = 2;
            json two = explore_json(sc, o);
            CHECK(two["search"]["tree"]["split_after"] == after);
            CHECK(two["search"]["split"] == 1);
            if (after == 5) CHECK(two["units"].get<int>() > 1);
            CHECK(table(two) == table(one));
            o.jobs = 3;
            CHECK(explore_json(sc, o) == two);
        }
    }
}

TEST_CASE("explore --jobs: the tree search makes the units and runs whatever the workers' timing", "[explore][scale]") {
    // The four-CPU 1/7 bench search, its units split after 40 runs: each run
    // of two and three workers makes the same 304 units and the same runs.
    const app::Scenario sc = four_cpu_one_seven();
    app::ExploreOptions o;
    const json single = explore_json(sc, o);
    o.tree_split_after = 40;
    o.jobs = 2;
    const json two = explore_json(sc, o);
    CHECK(table(two) == table(single));
    CHECK(two["units"] == 304);
    CHECK(two["sleep_blocked"] == 1212);
    CHECK(two["covered"] == 1817);
    for (int i = 0; i < 3; ++i)
        for (unsigned jobs : {2u, 3u}) {
            INFO("try " << i << ", " << jobs << " workers");
            o.jobs = jobs;
            CHECK(explore_json(sc, o) == two);
        }
}

TEST_CASE("explore: on every attach/exit scenario the counts do not depend on the number of work units",
          "[explore][scale]") {
    // One unit is plain DPOR; with sleep sets carried across units each trace
    // is still explored exactly once, so every count and witness agrees.

    for (const auto& e : fs::directory_iterator(fs::path(CONTSIM_SOURCE_DIR) / "scenarios/attach-exit")) {
        INFO(e.path().filename().string());
        app::Scenario sc = app::load_scenario(e.path().string());
        app::ExploreOptions o;
        o.split = 1;
        json a = explore_json(sc, o);
        o.split = 64;
        json b = explore_json(sc, o);
        CHECK(a["outcomes"] == b["outcomes"]);  // witnesses included: they depend on the trace only
        CHECK(a["executions"] == b["executions"]);
        CHECK(a["observation"] == b["observation"]);
        CHECK(a["units"] == 1);
    }
}

TEST_CASE("explore --shard K/N: the shards cover every unit once and merge into the single run's table",
          "[explore][scale]") {
    const std::string f = "scenarios/attach-exit/v7-1-cs1-negative-nearest.json";
    Out single = contsim("explore " + f + " --format json --split 64");
    REQUIRE(single.status == 1);
    Out plain = contsim("explore " + f + " --format json");  // one unit
    CHECK(table(json::parse(plain.out)) == table(json::parse(single.out)));
    for (int n : {2, 3}) {
        INFO(n << " shards");
        std::vector<std::string> files;
        std::uint64_t units = 0;
        for (int k = 1; k <= n; ++k) {
            Out s = contsim("explore " + f + " --format json --shard " + std::to_string(k) + "/" + std::to_string(n));
            CHECK(json::parse(s.out)["search"]["split"] == 64);  // the default when shared
            json j = json::parse(s.out);
            CHECK(j["shard"] == std::to_string(k) + "/" + std::to_string(n));
            units += j["units_done"].get<std::uint64_t>();
            fs::path p = fs::path(CONTSIM_BINARY).parent_path() / ("shard-" + std::to_string(k) + ".json");
            std::ofstream(p) << s.out;
            files.push_back("'" + p.string() + "'");
        }
        CHECK(units == json::parse(single.out)["units"].get<std::uint64_t>());
        std::string args;
        for (auto& x : files) args += " " + x;
        Out merged = contsim("merge --format json" + args);
        CHECK(merged.status == 1);
        CHECK(json::parse(merged.out) == json::parse(single.out));
        Out text = contsim("merge" + args);
        CHECK(text.out == contsim("explore " + f + " --split 64").out);
    }
}

TEST_CASE("explore --max-runs with several units: each unit's share, the same table for any jobs or shards",
          "[explore][scale]") {
    // 64 units, 1000 runs: units 0-39 get 16 runs, 40-63 get 15; the DFS of
    // v7-1-sep2006-fix-recheck has 1.86M executions, so every unit is capped.
    app::Scenario sc = app::load_scenario(scenario_path("v7-1-sep2006-fix-recheck.json"));
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::dfs;
    o.search.max_runs = 1000;
    o.split = 64;
    json one = explore_json(sc, o);
    CHECK(one["executions"] == 1000);
    CHECK(one["complete"] == false);
    CHECK(one["bound"] == "max-runs");
    for (unsigned jobs : {2u, 3u}) {
        INFO(jobs << " workers");
        o.jobs = jobs;
        CHECK(table(explore_json(sc, o)) == table(one));
    }
    const std::string f = "scenarios/attach-exit/v7-1-sep2006-fix-recheck.json --strategy dfs --max-runs 1000";
    std::string args;
    for (int k = 1; k <= 2; ++k) {
        Out s = contsim("explore " + f + " --format json --shard " + std::to_string(k) + "/2");
        fs::path p = fs::path(CONTSIM_BINARY).parent_path() / ("capped-shard-" + std::to_string(k) + ".json");
        std::ofstream(p) << s.out;
        args += " '" + p.string() + "'";
    }
    Out merged = contsim("merge --format json" + args);
    CHECK(table(json::parse(merged.out)) == table(one));
}

TEST_CASE("contsim merge: a missing or repeated shard is an input error (exit 2)", "[explore][scale]") {
    const std::string f = "scenarios/attach-exit/v7-1-cs1-negative-nearest.json";
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path();
    for (int k = 1; k <= 2; ++k)
        std::ofstream(dir / ("m-" + std::to_string(k) + ".json"))
            << contsim("explore " + f + " --format json --shard " + std::to_string(k) + "/2").out;
    const std::string a = "'" + (dir / "m-1.json").string() + "'";
    fs::path errf = dir / "merge.err";
    Out only = contsim("merge " + a, "'" + errf.string() + "'");
    CHECK(only.status == 2);
    std::ifstream e1(errf);
    std::string line;
    std::getline(e1, line);
    CHECK(line == "contsim: merge: shard 2/2 is missing");
    Out twice = contsim("merge " + a + " " + a, "'" + errf.string() + "'");
    CHECK(twice.status == 2);
    std::ifstream e2(errf);
    std::getline(e2, line);
    CHECK(line == "contsim: " + (dir / "m-1.json").string() + ": $.shard: shard 1/2 given twice");
    Out bad = contsim("explore " + f + " --shard 3/2", "'" + errf.string() + "'");
    CHECK(bad.status == 2);
    std::ifstream e3(errf);
    std::getline(e3, line);
    CHECK(line == "contsim: --shard: expected K/N with 1 <= K <= N <= 1000000, got \"3/2\"");
}

TEST_CASE("explore --strategy bounded: fewest preemptions first, each interleaving counted once", "[explore][scale]") {
    app::Scenario sc = app::load_scenario(scenario_path("v7-1-cs1-negative-nearest.json"));
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::bounded;
    std::uint64_t last = 0;
    for (unsigned p : {0u, 1u, 2u, 3u}) {
        o.search.preemptions = p;
        app::ExploreResult r = app::explore_scenario(sc, o);
        INFO("preemptions " << p);
        CHECK(r.stats.complete);
        CHECK(r.stats.executions > last);  // more interleavings as the bound grows
        last = r.stats.executions;
        // With no preemption only the two serial orders exist; the race needs two.
        if (p == 0) CHECK(r.stats.executions == 2);
        if (p == 0) CHECK_FALSE(r.violation_reachable());
        if (p >= 2) CHECK(r.violation_reachable());
        // Plus one switch that is no preemption: attach_task()'s
        // synchronize_rcu() waits for the exiting CPU to leave the kernel.
        for (const app::OutcomeRow& row : r.outcomes) CHECK(row.switches <= p + 2);
        o.jobs = 2;
        CHECK(table(app::explore_report_json(app::explore_scenario(sc, o))) == table(app::explore_report_json(r)));
        o.jobs = 1;
    }
}

TEST_CASE("explore --strategy pct and random: seeded, reproducible, any number of jobs", "[explore][scale]") {
    app::Scenario sc = app::load_scenario(scenario_path("v7-1-cs1-negative-nearest.json"));
    for (auto s : {sim::Strategy::pct, sim::Strategy::random}) {
        app::ExploreOptions o;
        o.search.strategy = s;
        // Exit runs 15 steps (PF_EXITING, exit_mm, __exit_files, __exit_fs)
        // inside attach's 4-step window before task_lock: seed 5 needs 3000
        // runs for random to hit it once (pct: twice in 1000).
        o.runs = 3000;
        o.seed = 5;
        json a = explore_json(sc, o);
        CHECK(a["executions"] == 3000);
        CHECK(a["complete"] == false);
        CHECK(a["violation_reachable"] == true);  // both find the race in 3000 runs
        o.jobs = 2;
        CHECK(explore_json(sc, o) == a);
        o.seed = 6;
        CHECK(explore_json(sc, o)["outcomes"] != a["outcomes"]);
    }
}

TEST_CASE("explore --from-schedule: every execution starts with the file's schedule", "[explore][scale]") {
    // The file's schedule up to its two trailing run-to-completion entries is
    // CPU0 through lock_callback_mutex, CPU1 through read_container, CPU0 through
    // assign_container: from there, every order ends in CS1 = -1.
    app::Scenario sc = app::load_scenario(scenario_path("v7-1-cs1-negative-nearest.json"));
    app::ExploreOptions o;
    o.from_schedule = true;
    app::ExploreResult r = app::explore_scenario(sc, o);
    CHECK(r.stats.complete);
    CHECK(r.verdict() == "Always");
    CHECK_FALSE(r.prefix.empty());
    for (const app::OutcomeRow& row : r.outcomes) CHECK(row.matches_expect);
}

TEST_CASE("explore: how far a sleep-blocked run goes on changes no report", "[explore][scale]") {
    // The search uses none of a sleep-blocked run's steps after the node
    // where every runnable CPU sleeps; the run goes on past it (cheaper than
    // unwinding every CPU) for up to run_on_after_blocked steps. Were those
    // steps analysed, the four-CPU 1/7 search would run 1,141 sleep-blocked
    // runs instead of 905 (same executions).
    const fs::path src(CONTSIM_SOURCE_DIR);
    for (const fs::path& file : {src / "bench/scenarios/v7-1-four-cpu-two-attachers-two-exits.json",
                                 src / "scenarios/attach-exit/v7-exit-first-leak-fix-pin.json"}) {
        INFO(file.string());
        app::Scenario sc = app::load_scenario(file.string());
        app::ExploreOptions o;
        o.checkpoints = false;  // with them a run stops in place, whatever the run-on says
        o.search.run_on_after_blocked = 0;  // stop at once, as before it ran on
        const json stopped = explore_json(sc, o);
        CHECK(stopped["sleep_blocked"].get<int>() >= 15);
        for (std::uint32_t run_on : {1u, 64u, 1000000u}) {
            INFO("run on " << run_on);
            o.search.run_on_after_blocked = run_on;
            CHECK(explore_json(sc, o) == stopped);
        }
    }
    const app::Scenario sc = app::load_scenario((src / "scenarios/attach-exit/v7-exit-first-leak-fix-pin.json").string());
    app::ExploreOptions d, d0;  // cut into work units
    d.jobs = d0.jobs = 2;
    d.checkpoints = d0.checkpoints = false;
    d0.search.run_on_after_blocked = 0;
    CHECK(explore_json(sc, d) == explore_json(sc, d0));
}

TEST_CASE("explore: every work unit run alone counts what it counts in the whole search", "[explore][scale]") {
    // With the run-on, a sleep-blocked run has steps after the analysed ones.
    // race() once bounded its walk by the run, not by the analysed steps, and
    // read clocks left from earlier runs for a stalled CPU's pending step:
    // units 21 and 22 of this search, each run alone, counted 0 executions
    // instead of 1, and two workers counted 461 to 463.
    const app::Scenario sc =
        app::load_scenario((fs::path(CONTSIM_SOURCE_DIR) / "scenarios/thread/ns-clone-mounted-first.json").string());
    app::ExploreOptions o;
    const json whole = explore_json(sc, o);
    REQUIRE(whole["executions"] == 463);
    o.shards = 64;
    std::uint64_t sum = 0;
    for (unsigned k = 1; k <= 64; ++k) {
        INFO("shard " << k << "/64");
        o.shard = k;
        const json part = explore_json(sc, o);
        if (k == 21 || k == 22) CHECK(part["executions"] == 1);
        sum += part["executions"].get<std::uint64_t>();
    }
    CHECK(sum == 463);
    app::ExploreOptions two;
    two.jobs = 2;
    for (int i = 0; i < 4; ++i) CHECK(table(explore_json(sc, two)) == table(whole));
}

TEST_CASE("explore --jobs: units that hand off their branches give the single table for any number of workers",
          "[explore][scale]") {
    // app::ExploreOptions::handoff_after: a unit hands the untaken branches
    // of its shallowest open node to the other workers every so many runs.
    const app::Scenario sc = four_cpu_one_seven();
    app::ExploreOptions o;
    const json single = explore_json(sc, o);
    o.split = 64;
    o.handoff_after = 0;
    const json kept = explore_json(sc, o);
    o.handoff_after = 40;
    const json handed = explore_json(sc, o);
    CHECK(table(handed) == table(single));
    CHECK(table(kept) == table(single));
    // The hand-offs happened: the extra branches they give out cost
    // sleep-blocked runs, and the covered runs may differ (the counted ones
    // never do).
    CHECK(kept["sleep_blocked"] == 1254);
    CHECK(handed["sleep_blocked"] == 1992);
    CHECK(kept["covered"] == 1678);
    CHECK(handed["covered"] == 1665);
    for (unsigned jobs : {2u, 3u}) {
        INFO(jobs << " workers");
        o.jobs = jobs;
        CHECK(explore_json(sc, o) == handed);  // which worker takes a piece changes nothing
    }
    // Two shards: a unit's pieces stay in its shard, and the merge is the search.
    o.jobs = 1;
    o.shards = 2;
    o.shard = 1;
    app::ExploreResult merged = app::explore_scenario(sc, o);
    o.shard = 2;
    app::merge_into(merged, app::explore_scenario(sc, o));
    const json m = app::explore_report_json(merged);
    for (const char* key : {"outcomes", "executions", "sleep_blocked", "covered"}) {
        INFO(key);
        CHECK(m[key] == handed[key]);
    }
}

TEST_CASE("explore --jobs: a search interrupted while units are handed off resumes to the single table",
          "[explore][scale]") {
    // Whenever the interruption comes (the helper thread only makes one
    // likely, and under the sanitizers it may come before the units exist),
    // the units with pieces still out are not done, what their pieces found
    // is in the table, and --resume finishes the search.
    const app::Scenario sc = four_cpu_one_seven();
    app::ExploreOptions o;
    const json single = explore_json(sc, o);
    for (int delay_ms : {5, 20, 60}) {
        INFO("interrupted after " << delay_ms << " ms");
        std::atomic<bool> interrupt{false};
        app::ExploreOptions h;
        h.jobs = 2;
        h.split = 64;  // units fixed before the search (not a tree: the next test)
        h.handoff_after = 20;
        h.search.interrupt = &interrupt;
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            interrupt = true;
        });
        const app::ExploreResult part = app::explore_scenario(sc, h);
        stopper.join();
        const json pj = app::explore_report_json(part);
        if (part.stats.complete) {
            CHECK(table(pj) == table(single));
            continue;
        }
        CHECK(part.stats.bound == "interrupted");
        // Stopped while cutting the search into units (a slow build): none
        // to keep, and --resume starts afresh.
        if (part.units > 0) CHECK(part.units_done < part.units);
        CHECK(pj["executions"].get<std::uint64_t>() <= single["executions"].get<std::uint64_t>());
        interrupt = false;
        app::ExploreOptions r = h;
        r.resume = &part;
        CHECK(table(explore_json(sc, r)) == table(single));
    }
}

TEST_CASE("explore --jobs: an interrupted tree search keeps no units, and --resume explores it again", "[explore][scale]") {
    const app::Scenario sc = four_cpu_one_seven();
    app::ExploreOptions o;
    const json single = explore_json(sc, o);
    std::atomic<bool> interrupt{true};  // before the first run
    app::ExploreOptions t;
    t.jobs = 2;
    t.search.interrupt = &interrupt;
    const app::ExploreResult part = app::explore_scenario(sc, t);
    CHECK_FALSE(part.stats.complete);
    CHECK(part.stats.bound == "interrupted");
    CHECK(part.tree);
    CHECK(part.units_done == 0);
    const std::string text = app::explore_report_text(part);
    CHECK(text.find("INCOMPLETE, interrupted (SIGINT or SIGTERM) (a shared tree keeps no units: --resume explores it "
                    "again)") != std::string::npos);
    // Through its JSON, as --resume reads it: the same search, afresh.
    const json pj = app::explore_report_json(part);
    CHECK(pj["search"]["tree"]["split_after"] == 1000);
    interrupt = false;
    app::ExploreOptions r = t;
    r.resume = &part;
    CHECK(r.tree());
    const json again = explore_json(sc, r);
    t.search.interrupt = nullptr;
    CHECK(again == explore_json(sc, t));
    CHECK(table(again) == table(single));
}
