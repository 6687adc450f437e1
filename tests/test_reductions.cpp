// The reduction rules (--reductions, docs/explore.md "Reductions") change how
// many executions a search runs, never what it finds: on every shipped
// scenario the outcome rows and the verdict are the same with every rule on
// and with none. The random-program tests in test_explore.cpp compare each
// setting with DFS; this one holds the whole corpus to it.
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "app/explore.h"
#include "app/scenario.h"
#include "sim/asan.h"

#include "outcome_set.h"
#include "scenario_files.h"

TEST_CASE("reductions: every shipped scenario finds the same outcomes and verdict with every rule and with none",
          "[explore][reductions]") {
    std::uint64_t with = 0, without = 0;
    int searched = 0, fewer = 0, index = 0;
    for (const std::string& f : scenario_files()) {
#if CONTSIM_ASAN
        // Under the sanitizers every third scenario, and not the searches of
        // several thousand runs: the release suite compares them all.
        if (index++ % 3 != 0 || f.find("four-cpus") != std::string::npos ||
            f.find("top-tasks-zombies") != std::string::npos || f.find("cpu-down-vs") != std::string::npos)
            continue;
#else
        (void)index;
#endif
        app::Scenario sc = app::load_scenario(f);
        // The slow searches run in .ci/run (contsim test --slow), not here.
        if (sc.expect.explore && sc.expect.explore->slow) continue;
        INFO(f);
        app::ExploreOptions o;
        const app::ExploreResult all = app::explore_scenario(sc, o);
        o.search.reductions = app::parse_reductions("none", "--reductions");
        const app::ExploreResult none = app::explore_scenario(sc, o);
        REQUIRE(all.stats.complete);
        REQUIRE(none.stats.complete);
        CHECK(outcome_set(all) == outcome_set(none));
        CHECK(app::violation_verdict(all) == app::violation_verdict(none));
        CHECK(all.stats.executions <= none.stats.executions);
        with += all.stats.executions;
        without += none.stats.executions;
        fewer += all.stats.executions != none.stats.executions;
        ++searched;
    }
#if CONTSIM_ASAN
    CHECK(searched >= 45);
#else
    CHECK(searched >= 150);
#endif
    CHECK(fewer > 0);
    CHECK(with < without);
}
