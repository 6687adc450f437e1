// The three-CPU form of the seed race (issue 4 §4): init on CPU0 and CPU1
// moves T1 to CS2 and to CS3 while T1 exits on CPU2. Exhaustive DPOR finds
// the violations from the threads alone, and proves attach-recheck-exiting
// sufficient on 1/7 for three CPUs as for two (exit's own task_lock sections
// in exit_mm/__exit_files/__exit_fs order it after a PF_EXITING re-check).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/scenario.h"
#include "sim/explore.h"

#include "outcome_set.h"

namespace {

const std::string kDir = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/";

app::ExploreResult dpor(const app::Scenario& sc, unsigned jobs = 1, const std::string& reductions = "all") {
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::dpor;
    o.search.reductions = app::parse_reductions(reductions, "--reductions");
    o.jobs = jobs;
    return app::explore_scenario(sc, o);
}


nlohmann::json value_of(const app::Outcome& o, const std::string& k) {
    for (const auto& [key, v] : o.final)
        if (key == k) return v;
    return nullptr;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::uint64_t violating_executions(const app::ExploreResult& r) {
    std::uint64_t n = 0;
    for (const auto& row : r.outcomes)
        if (!row.outcome.violations.empty()) n += row.executions;
    return n;
}

}  // namespace

TEST_CASE("explore three CPUs: two attachers and an exit break the counts on containers-v7-1", "[explore]") {
    app::Scenario sc = app::load_scenario(kDir + "v7-1-three-cpu-nearest.json");
    app::ExploreResult r = dpor(sc);
    CHECK(r.stats.complete);
    CHECK(r.violation_reachable());
    CHECK(r.exit_code() == 1);
    CHECK(r.stats.executions == 72);
    CHECK(r.stats.covered == 82);
    REQUIRE(r.outcomes.size() == 12);
    CHECK(violating_executions(r) == 24);
    CHECK(r.verdict() == "Sometimes");
    CHECK(r.positive == 4);
    CHECK(r.negative == 68);
    // Without snapshot-first: every run counted, the same outcome rows.
    app::ExploreResult counted = dpor(sc, 1, "gp-ends,blind-adds");
    CHECK(counted.stats.executions == 478);
    CHECK(counted.stats.covered == 0);
    CHECK(violating_executions(counted) == 156);
    CHECK(outcome_set(counted) == outcome_set(r));
    // Without the reduction rules: the search from before them, count for
    // count, and the same outcome rows.
    app::ExploreResult plain = dpor(sc, 1, "none");
    CHECK(plain.stats.executions == 1210);
    CHECK(violating_executions(plain) == 424);
    CHECK(plain.positive == 72);
    CHECK(outcome_set(plain) == outcome_set(r));
    // The file's outcome: CPU0's move completes, CPU1's move races the exit: CS2 at -1.
    auto cs2 = std::find_if(r.outcomes.begin(), r.outcomes.end(), [](const app::OutcomeRow& row) {
        return has(row.outcome.violations, "refcount-underflow") && value_of(row.outcome, "/dev/container/CS2.count") == -1;
    });
    REQUIRE(cs2 != r.outcomes.end());
    CHECK(cs2->matches_expect);
    CHECK(cs2->executions == 4);
    // Vaddagiri's second table is still there with a second attacher: CS1 at -1.
    auto cs1 = std::count_if(r.outcomes.begin(), r.outcomes.end(), [](const app::OutcomeRow& row) {
        return value_of(row.outcome, "/dev/container/CS1.count") == -1;
    });
    CHECK(cs1 == 2);
}

TEST_CASE("explore three CPUs: exit-task-lock or release-under-task-lock alone leaves a violation, the re-check alone does not",
          "[explore]") {
    for (const char* fix : {"exit-task-lock", "release-under-task-lock"}) {
        INFO(fix);
        app::Scenario sc = app::load_scenario(kDir + "v7-1-three-cpu-nearest.json", {std::nullopt, {fix}});
        app::ExploreResult r = dpor(sc);
        CHECK(r.stats.complete);
        CHECK(r.violation_reachable());
    }
    app::Scenario sc = app::load_scenario(kDir + "v7-1-three-cpu-fix-recheck.json");
    app::ExploreResult r = dpor(sc);
    CHECK(r.stats.complete);
    CHECK_FALSE(r.violation_reachable());
    CHECK(r.stats.executions == 84);
}

TEST_CASE("explore three CPUs: exit-task-lock + attach-recheck-exiting close every interleaving", "[explore]") {
    // The file's drawn order is infeasible; its expect names the drawn outcome (none).
    app::Scenario sc = app::load_scenario(kDir + "v7-1-three-cpu-fix-mainline.json");
    app::ExploreResult r = dpor(sc);
    CHECK(r.stats.complete);
    CHECK(r.stats.bound.empty());
    CHECK_FALSE(r.violation_reachable());
    CHECK(r.exit_code() == 0);
    CHECK(r.stats.executions == 84);
    CHECK(r.outcomes.size() == 4);
    CHECK(r.verdict() == "Always");
    CHECK(r.positive == 84);
    // The same table with two worker threads (which cut the search into 64
    // units instead of one: only the units and sleep-blocked figures differ).
    nlohmann::json a = app::explore_report_json(dpor(sc, 2)), b = app::explore_report_json(r);
    CHECK(a["outcomes"] == b["outcomes"]);
    CHECK(a["executions"] == b["executions"]);
    CHECK(a["observation"] == b["observation"]);
}
