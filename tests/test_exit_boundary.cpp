// The code around the posted functions, as 2.6.20 has it: do_exit() takes
// task_lock(tsk) in exit_mm(), __exit_files() and __exit_fs() between
// PF_EXITING and the exit hook. Each case fails on the model without those
// sections (exit then reads tsk->container/cpuset while attach holds the lock).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/nearest.h"
#include "app/runner.h"
#include "app/scenario.h"

using nlohmann::json;

namespace {

const std::string kDir = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/";

std::uint32_t first_step(const app::RunResult& r, const std::string& label) {
    for (const sim::Event& e : r.machine->trace())
        if (label == e.label->name) return e.step;
    return 0;
}

}  // namespace

TEST_CASE("do_exit: three task_lock sections between PF_EXITING and the hook, on every kernel", "[exit]") {
    struct K {
        const char* kernel;
        const char* mnt;
        const char* hook;
    };
    for (const K& k : {K{"containers-v7-1", "/dev/container", "container_exit:read_container"},
                       K{"cpuset-2.6.20", "/dev/cpuset", "cpuset_exit:read_cpuset"},
                       K{"containers-v7", "/dev/container", "container_exit:read_containers"}}) {
        INFO(k.kernel);
        json j{{"name", "exit-order"},
               {"kernel", k.kernel},
               {"setup", {{{"op", "fork"}, {"pid", 100}}}},
               {"threads", {{{"cpu", "CPU0"}, {"task", 100}, {"ops", {{{"op", "exit"}}}}}}}};
        app::Scenario sc = app::parse_scenario(j, "exit-order.json");
        app::RunResult r = app::run_scenario(sc);
        CHECK(r.findings.empty());
        std::vector<std::uint32_t> order;
        for (const char* l : {"do_exit:set_pf_exiting", "exit_mm:task_lock", "exit_mm:clear_mm", "exit_mm:task_unlock",
                              "__exit_files:task_lock", "__exit_files:clear_files", "__exit_files:task_unlock",
                              "__exit_fs:task_lock", "__exit_fs:clear_fs", "__exit_fs:task_unlock", k.hook})
            order.push_back(first_step(r, l));
        CHECK(std::count(order.begin(), order.end(), 0u) == 0);
        CHECK(std::is_sorted(order.begin(), order.end()));
    }
}

TEST_CASE("the seed table as drawn cannot happen on 1/7: who waits for what", "[exit][infeasible]") {
    app::Scenario sc = app::load_scenario(kDir + "v7-1-cs1-negative.json");
    REQUIRE(sc.expect.infeasible);
    app::RunResult r = app::run_scenario(sc);
    REQUIRE(r.infeasible);
    CHECK(app::describe_block(r) == "CPU1 waits for T1->alloc_lock, held by CPU0 since step 11 (attach_task:task_lock)");
    CHECK(r.infeasible_message == sc.file +
                                      ": $.schedule[1]: CPU1 is blocked at exit_mm:task_lock before executing "
                                      "container_exit:read_container (after step 14)");
    CHECK(r.token == "a12b2");
    CHECK(r.matches);
    CHECK(r.exit_code() == 0);
    // Without the expectation the same run is a mismatch (exit 1), not bad input.
    sc.expect.infeasible = false;
    app::RunResult again = app::run_scenario(sc);
    CHECK(again.infeasible);
    CHECK(again.exit_code() == 1);
    REQUIRE(again.mismatches.size() == 1);
    CHECK(again.mismatches[0] == "the drawn schedule cannot happen: " + r.infeasible_message);
}

TEST_CASE("a feasible schedule that expects infeasible is a mismatch", "[exit][infeasible]") {
    app::Scenario sc = app::load_scenario(kDir + "v7-1-cs1-negative-nearest.json");
    sc.expect = {};
    sc.expect.present = true;
    sc.expect.infeasible = true;
    app::RunResult r = app::run_scenario(sc);
    CHECK_FALSE(r.infeasible);
    CHECK(r.exit_code() == 1);
    CHECK(r.mismatches ==
          std::vector<std::string>{"infeasible: expected the drawn schedule to be impossible, but the run followed it"});
}

TEST_CASE("run --nearest: the seed race on 1/7 is two steps from the drawn table, on 2.6.20 no order reaches it",
          "[exit][nearest]") {
    app::Scenario v71 = app::load_scenario(kDir + "v7-1-cs1-negative.json");
    auto n = app::find_nearest(v71, {});
    REQUIRE(n);
    CHECK(n->reaches_target);
    CHECK(n->run.token == "a10b15a4b8a8b3");
    CHECK(n->run.moved == 2);
    CHECK(n->run.violation_set() == std::vector<std::string>{"count-mismatch", "refcount-underflow"});
    REQUIRE(n->notes.size() == 1);
    CHECK(n->notes[0] ==
          "CPU1 runs to the goal of $.schedule[1] before CPU0 takes T1->alloc_lock at step 11 (attach_task:task_lock)");

    app::Scenario cs = app::load_scenario(kDir + "cpuset-cs1-negative.json");
    auto m = app::find_nearest(cs, {});
    REQUIRE(m);
    CHECK_FALSE(m->reaches_target);
    CHECK(m->run.violation_set().empty());
    CHECK(m->run.moved == 3);
}

TEST_CASE("2.6.20 cpusets as posted: no interleaving of attach and exit breaks the counts", "[exit][explore]") {
    // The re-check under task_lock is ordered after exit's task_lock sections,
    // which come after PF_EXITING: attach either sees the flag or finishes
    // before exit reads tsk->cpuset.
    for (const char* f : {"cpuset-cs1-negative.json", "cpuset-cs2-extra-count.json", "cpuset-sep2006-recheck.json"}) {
        INFO(f);
        app::ExploreResult r = app::explore_scenario(app::load_scenario(kDir + f), {});
        CHECK(r.stats.complete);
        CHECK_FALSE(r.violation_reachable());
    }
    // On 1/7 the PF_EXITING test is before task_lock only: the race stays.
    app::ExploreResult v = app::explore_scenario(app::load_scenario(kDir + "v7-1-cs1-negative.json"), {});
    CHECK(v.stats.complete);
    CHECK(v.violation_reachable());
    // ...and the re-check alone closes it.
    app::ExploreResult fixed = app::explore_scenario(app::load_scenario(kDir + "v7-1-cs1-negative-fix-recheck.json"), {});
    CHECK(fixed.stats.complete);
    CHECK_FALSE(fixed.violation_reachable());
}

TEST_CASE("release_task() puts through call_rcu(): a /proc reader's get_pid_task() never meets a freed task",
          "[exit][rcu]") {
    app::Scenario sc =
        app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/thread/proc-container-vs-exit.json");
    app::ExploreResult d = app::explore_scenario(sc, {});
    CHECK(d.stats.complete);
    CHECK_FALSE(d.violation_reachable());  // freeing at once gave double-free and use-after-free here
    REQUIRE(d.outcomes.size() == 2);       // the text, or -ESRCH
    std::set<app::Outcome> all;
    for (const auto& row : d.outcomes) all.insert(row.outcome);
    // Seeded random orders and a capped DFS find nothing DPOR missed.
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
        app::RunOptions ro;
        ro.seed = seed;
        INFO("seed " << seed);
        CHECK(all.count(app::outcome_of(app::run_scenario(sc, ro), sc)) == 1);
    }
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::dfs;
    o.search.max_runs = 3000;
    for (const auto& row : app::explore_scenario(sc, o).outcomes) CHECK(all.count(row.outcome) == 1);
    // The delayed put is visible in the exit's own column, after its ops.
    app::RunResult r = app::run_scenario(sc);
    CHECK(first_step(r, "release_task:call_rcu") < first_step(r, "finish_task_switch:put_task_struct"));
    CHECK(first_step(r, "finish_task_switch:put_task_struct") < first_step(r, "rcu_process_callbacks:invoke"));
    CHECK(first_step(r, "rcu_process_callbacks:invoke") < first_step(r, "delayed_put_task_struct:put_task_struct"));
}

TEST_CASE("explore --from-schedule refuses a drawn order that cannot happen, and says why", "[exit][infeasible]") {
    app::Scenario sc = app::load_scenario(kDir + "v7-1-cs1-negative.json");
    app::ExploreOptions o;
    o.from_schedule = true;
    CHECK_THROWS_WITH(app::explore_scenario(sc, o),
                      sc.file +
                          ": $.schedule[1]: CPU1 is blocked at exit_mm:task_lock before executing "
                          "container_exit:read_container (after step 14): the drawn order cannot happen, so it cannot "
                          "be every execution's prefix (contsim run FILE --nearest finds the nearest one that can)");
}
