// Issue 14's "DPOR = DFS on every scenario small enough for DFS, with each
// technique on and off", held on the shipped corpus: wherever DFS finishes,
// DPOR under every subset of the reduction rules finds DFS's outcomes and
// verdict, and with the snapshot, the run-on or hand-offs changed (cut into
// units for two workers) it gives the single run's table.
// The random programs of test_explore.cpp check the same against DFS one
// execution per trace; these are the scenarios users run.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/scenario.h"

#include "outcome_set.h"
#include "scenario_files.h"

namespace {

// Every subset of the rules, from the project's own list (the names
// reductions_off() gives with all of them off); the last has them all.
std::vector<sim::Reductions> rule_subsets() {
    const sim::Reductions none = app::parse_reductions("none", "--reductions");
    const std::vector<std::string> names = app::reductions_off(none);
    std::vector<sim::Reductions> subsets;
    for (unsigned mask = 0; mask < (1u << names.size()); ++mask) {
        sim::Reductions r = none;
        for (std::size_t i = 0; i < names.size(); ++i)
            if (mask >> i & 1) app::set_reduction(r, names[i], true);
        subsets.push_back(r);
    }
    return subsets;
}

app::ExploreResult dfs(const app::Scenario& sc, std::uint64_t max_runs) {
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::dfs;
    o.search.max_runs = max_runs;
    o.split = 1;  // one unit: the cap is the whole search's, not a share per unit
    return app::explore_scenario(sc, o);
}

struct Compared {
    int searches = 0;    // DPOR searches compared with DFS
    int techniques = 0;  // searches with a technique off, against the default
    std::uint64_t dfs_executions = 0, dpor_executions = 0;  // DPOR's: with every rule on
};

// DPOR under each subset of the rules against a finished DFS, then the
// default search against itself with each technique that is not a rule off.
void compare_with_dfs(const app::Scenario& sc, const app::ExploreResult& d, Compared& c) {
    const auto want = outcome_set(d);
    const std::vector<sim::Reductions> subsets = rule_subsets();
    for (const sim::Reductions& rules : subsets) {
        std::string off;
        for (const std::string& name : app::reductions_off(rules)) off += " " + name;
        INFO("rules off:" << (off.empty() ? " none" : off));
        app::ExploreOptions o;
        o.search.reductions = rules;
        const app::ExploreResult p = app::explore_scenario(sc, o);
        REQUIRE(p.stats.complete);
        CHECK(outcome_set(p) == want);
        CHECK(app::violation_verdict(p) == app::violation_verdict(d));
        CHECK(p.stats.executions <= d.stats.executions);
        ++c.searches;
        if (&rules == &subsets.back()) c.dpor_executions += p.stats.executions;
    }
    c.dfs_executions += d.stats.executions;
    // The techniques that are not rules, each off or pushed to its extreme:
    // the set-up snapshot (--no-snapshot), the checkpoints (--no-checkpoints,
    // with the run-on past a sleep-blocked node, and without it), and
    // hand-offs after every run on eight units for two workers.
    // One worker's table, counts and witnesses included, every time.
    app::ExploreOptions one;
    const nlohmann::json a = app::explore_report_json(app::explore_scenario(sc, one));
    app::ExploreOptions fresh, replayed, no_run_on, two, tree;
    fresh.snapshot = false;
    replayed.checkpoints = false;
    no_run_on.checkpoints = false;  // with them a run stops in place anyway
    no_run_on.search.run_on_after_blocked = 0;
    two.jobs = 2;
    two.split = 8;
    two.handoff_after = 1;
    tree.jobs = 2;  // the tree search (sim/tree_search.h), its units split after every 2 runs
    tree.tree_split_after = 2;
    for (const app::ExploreOptions* o : {&fresh, &replayed, &no_run_on, &two, &tree}) {
        INFO((o == &fresh      ? "--no-snapshot"
              : o == &replayed ? "--no-checkpoints"
              : o == &no_run_on ? "no run-on"
              : o == &two       ? "--jobs 2 --split 8, hand-offs every run"
                                : "--jobs 2, a tree whose units split after 2 runs"));
        const nlohmann::json b = app::explore_report_json(app::explore_scenario(sc, *o));
        CHECK(b["outcomes"] == a["outcomes"]);
        CHECK(b["executions"] == a["executions"]);
        CHECK(b["observation"] == a["observation"]);
        ++c.techniques;
    }
}

}  // namespace

TEST_CASE("DPOR = DFS on every shipped scenario DFS finishes within 600 runs: every subset of the reduction rules",
          "[explore][reductions]") {
    // 600 runs: the sweep of 2026-12-07 (DFS capped at 200,000 runs on all
    // 166 files) found 51 that finish, 49 of them within 545 runs; the two
    // others have the next test.
    Compared c;
    int finished = 0, too_big = 0;
    for (const std::string& f : scenario_files()) {
        app::Scenario sc = app::load_scenario(f);
        if (sc.expect.explore && sc.expect.explore->slow) continue;
        INFO(f);
        const app::ExploreResult d = dfs(sc, 600);
        if (!d.stats.complete) {
            CHECK(d.stats.bound == "max-runs");
            ++too_big;
            continue;
        }
        ++finished;
        compare_with_dfs(sc, d, c);
    }
    CHECK(finished == 49);
    CHECK(too_big > 100);
    CHECK(c.searches == finished * 64);
    CHECK(c.techniques == finished * 5);
    CHECK(c.dpor_executions < c.dfs_executions);
}

TEST_CASE("DPOR = DFS on the two notify_on_release scenarios DFS finishes in 36,904 and 47,297 runs",
          "[explore][reductions]") {
    Compared c;
    const std::pair<const char*, std::uint64_t> files[] = {
        {"scenarios/thread/v7-1-notify-on-release-read-vs-rmdir.json", 36904},
        {"scenarios/thread/cpuset-notify-on-release-read-vs-rmdir.json", 47297}};
    for (const auto& [name, runs] : files) {
        INFO(name);
        app::Scenario sc = app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/" + name);
        const app::ExploreResult d = dfs(sc, 0);
        REQUIRE(d.stats.complete);
        CHECK(d.stats.executions == runs);
        compare_with_dfs(sc, d, c);
    }
    CHECK(c.searches == 128);
    CHECK(c.techniques == 10);
    CHECK(c.dpor_executions == 14);  // 7 traces each under every rule
}
