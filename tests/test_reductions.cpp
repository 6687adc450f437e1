// The reduction rules (--reductions, docs/explore.md "Reductions") change how
// many executions a search runs, never what it finds: on every shipped
// scenario the outcome rows and the verdict are the same with every rule on
// and with none. The random-program tests in test_explore.cpp compare each
// setting with DFS; this one holds the whole corpus to it.
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/scenario.h"
#include "sim/asan.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> corpus() {
    std::vector<std::string> v;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(CONTSIM_SOURCE_DIR) / "scenarios"))
        if (e.path().extension() == ".json") v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    return v;
}

// An outcome row without its count and witness.
std::set<std::string> rows(const json& report) {
    std::set<std::string> s;
    for (const json& r : report["outcomes"])
        s.insert(json{{"violations", r["violations"]}, {"returns", r["returns"]}, {"final", r["final"]}, {"reads", r["reads"]}}
                     .dump());
    return s;
}

}  // namespace

TEST_CASE("reductions: every shipped scenario finds the same outcomes and verdict with every rule and with none",
          "[explore][reductions]") {
    std::uint64_t with = 0, without = 0;
    int searched = 0, fewer = 0, index = 0;
    for (const std::string& f : corpus()) {
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
        const json all = app::explore_report_json(app::explore_scenario(sc, o));
        o.search.reductions = app::parse_reductions("none", "--reductions");
        const json none = app::explore_report_json(app::explore_scenario(sc, o));
        REQUIRE(all["complete"] == true);
        REQUIRE(none["complete"] == true);
        CHECK(rows(all) == rows(none));
        CHECK(all["violation_verdict"] == none["violation_verdict"]);
        CHECK(all["executions"].get<std::uint64_t>() <= none["executions"].get<std::uint64_t>());
        with += all["executions"].get<std::uint64_t>();
        without += none["executions"].get<std::uint64_t>();
        fewer += all["executions"] != none["executions"];
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
