// Every shipped scenario replays to its expect; without expect, a scenario
// that finds violations exits 1; a recorded token replays the same run.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "app/report.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "scenario_files.h"


namespace {

std::string mismatches(const app::RunResult& r) {
    std::string s;
    for (const auto& m : r.mismatches) s += m + "\n";
    return s;
}
}  // namespace

TEST_CASE("every shipped scenario replays to its expect", "[scenarios]") {
    auto files = scenario_files();
    REQUIRE(files.size() >= 12);
    for (const auto& f : files) {
        INFO(f);
        app::Scenario sc = app::load_scenario(f);
        REQUIRE(sc.expect.present);
        app::RunResult r = app::run_scenario(sc);
        INFO(mismatches(r));
        CHECK(r.matches);
        CHECK(r.exit_code() == 0);
    }
}

TEST_CASE("every yield point a shipped scenario executes is listed by its kernel's labels", "[scenarios][labels]") {
    for (const auto& f : scenario_files()) {
        INFO(f);
        app::Scenario sc = app::load_scenario(f);
        app::RunResult r = app::run_scenario(sc);
        std::set<std::string> listed;
        for (const sim::Label* l : r.kernel->labels()) listed.insert(l->name);
        for (const sim::Event& e : r.machine->trace()) {
            INFO(e.label->name);
            CHECK(listed.count(e.label->name) == 1);
        }
    }
}

TEST_CASE("without expect, a scenario exits 1 exactly when it finds a violation", "[scenarios]") {
    for (const auto& f : scenario_files()) {
        INFO(f);
        app::Scenario sc = app::load_scenario(f);
        // An infeasible drawn order stops the run: without expect that is exit 1.
        bool violating = sc.expect.infeasible || (sc.expect.violations && !sc.expect.violations->empty());
        sc.expect = {};
        app::RunResult r = app::run_scenario(sc);
        CHECK(r.exit_code() == (violating ? 1 : 0));
    }
}

TEST_CASE("a recorded schedule token replays the identical run", "[scenarios][determinism]") {
    for (const auto& f : scenario_files()) {
        INFO(f);
        app::Scenario sc = app::load_scenario(f);
        app::RunResult first = app::run_scenario(sc);
        if (first.infeasible) continue;  // the token of a stopped run replays only its prefix
        app::RunOptions opt;
        opt.token = first.token;
        sc.schedule.clear();
        app::RunResult again = app::run_scenario(sc, opt);
        CHECK(again.token == first.token);
        auto a = app::report_json(first), b = app::report_json(again);
        CHECK(a["trace"] == b["trace"]);
        CHECK(a["findings"] == b["findings"]);
        CHECK(a["final"] == b["final"]);
    }
}

TEST_CASE("the seed race: CS1's count goes to -1 at the attach's decrement", "[scenarios]") {
    app::Scenario sc =
        app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/v7-1-cs1-negative-nearest.json");
    app::RunResult r = app::run_scenario(sc);
    REQUIRE(r.findings.size() == 3);
    CHECK(r.findings[0].message ==
          "BUG: refcount underflow: CS1->count 0 -> -1 at step 42 (CPU0 attach_task); previous decrement at step 32 "
          "(CPU1 container_exit)");
    CHECK(r.findings[1].message == "BUG: count mismatch: /dev/container/CS1 count is -1 but 0 live tasks are attached");
    CHECK(r.findings[2].message == "BUG: count mismatch: /dev/container/CS2 count is 1 but 0 live tasks are attached");
    CHECK(r.token == "a10b15a4b8a8b3");
}

TEST_CASE("the same scenario run 50 times gives byte-identical text", "[determinism]") {
    app::Scenario sc =
        app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/v7-1-cs1-negative-nearest.json");
    std::string first = app::report_text(app::run_scenario(sc));
    for (int i = 0; i < 50; ++i) REQUIRE(app::report_text(app::run_scenario(sc)) == first);
}

TEST_CASE("a seeded random schedule is reproducible and its token replays it", "[determinism]") {
    app::Scenario sc =
        app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/v7-1-cs1-negative-nearest.json");
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        app::RunOptions opt;
        opt.seed = seed;
        app::RunResult a = app::run_scenario(sc, opt);
        app::RunResult b = app::run_scenario(sc, opt);
        REQUIRE(a.token == b.token);
        app::RunOptions replay;
        replay.token = a.token;
        app::RunResult c = app::run_scenario(sc, replay);
        REQUIRE(app::report_json(c)["trace"] == app::report_json(a)["trace"]);
    }
}
