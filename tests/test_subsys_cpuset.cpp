// cpuset on containers-v7 (2/7, 3/7) and the mm it works on: the
// memory_migrate/cpus/mems files, cpuset_update_task_memory_state() in
// cpuset_create, post_attach's migration under mmap_sem against exit_mm(),
// and the mm_users invariant.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "core/mm.h"
#include "core/v7/container.h"
#include "sim/explore.h"
#include "subsys/cpuset.h"

using nlohmann::json;

namespace {

const std::string kThread = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/thread/";

// cpuset alone on one hierarchy, CS1 with CPUs 0-1 and node 0, T1 (pid 100).
json world(json thread_ops, int as = 1) {
    json j = json::parse(R"json({
      "name": "cpuset",
      "kernel": "containers-v7",
      "config": {"CONTAINER_CPUACCT": false, "RES_GROUPS_NUMTASKS": false, "BEANCOUNTERS": false,
                 "CONTAINER_NS": false},
      "setup": [
        {"op": "mount", "path": "/dev/container", "subsystems": ["cpuset"]},
        {"op": "mkdir", "path": "/dev/container/CS1"},
        {"op": "write", "path": "/dev/container/CS1/cpus", "value": "0-1"},
        {"op": "write", "path": "/dev/container/CS1/mems", "value": "0"},
        {"op": "fork", "pid": 100, "name": "T1"}
      ],
      "threads": [{"cpu": "CPU0", "task": 1, "ops": []}]
    })json");
    j["threads"][0]["task"] = as;
    j["threads"][0]["ops"] = std::move(thread_ops);
    return j;
}

struct Run {
    std::unique_ptr<app::Scenario> sc;
    app::RunResult r;
};

Run run(const json& j) {
    Run x;
    x.sc = std::make_unique<app::Scenario>(app::parse_scenario(j, "cpuset.json"));
    x.r = app::run_scenario(*x.sc);
    return x;
}

// The events at `label`, in order.
std::vector<sim::Event> at(const app::RunResult& r, const std::string& label) {
    std::vector<sim::Event> out;
    for (const sim::Event& e : r.machine->trace())
        if (label == e.label->name) out.push_back(e);
    return out;
}

std::vector<std::string> kinds(const std::vector<sim::Finding>& f) {
    std::vector<std::string> v;
    for (const auto& x : f) v.push_back(x.kind + ": " + x.message);
    return v;
}

}  // namespace

TEST_CASE("cpuset files: cpus and mems read back as lists, memory_migrate as 0/1", "[cpuset]") {
    Run x = run(world({{{"op", "read"}, {"path", "/dev/container/CS1/cpus"}},
                       {{"op", "read"}, {"path", "/dev/container/CS1/mems"}},
                       {{"op", "read"}, {"path", "/dev/container/CS1/memory_migrate"}},
                       {{"op", "write"}, {"path", "/dev/container/CS1/memory_migrate"}, {"value", "1"}},
                       {{"op", "read"}, {"path", "/dev/container/CS1/memory_migrate"}},
                       {{"op", "write"}, {"path", "/dev/container/CS1/cpus"}, {"value", "1"}},
                       {{"op", "read"}, {"path", "/dev/container/CS1/cpus"}},
                       {{"op", "read"}, {"path", "/dev/container/cpus"}}}));
    CHECK(x.r.findings.empty());
    CHECK(x.r.threads[0].returns == std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(x.r.threads[0].reads == std::vector<std::string>{"0-1\n", "0\n", "0\n", "1\n", "1\n", "0-1\n"});
    // update_flag() publishes the flag under callback_mutex.
    auto w = at(x.r, "update_flag:write_flags");
    REQUIRE(w.size() == 1);
    CHECK(w[0].before.i == 0);
    CHECK(w[0].after.i == 1 << subsys::CS_MEMORY_MIGRATE);
}

TEST_CASE("cpuset_create runs cpuset_update_task_memory_state for current: a task in CS1 catches up on its "
          "generation under callback_mutex and task_lock",
          "[cpuset]") {
    json j = world({{{"op", "mkdir"}, {"path", "/dev/container/CS1/sub"}}}, 100);
    j["setup"].push_back({{"op", "attach"}, {"pid", 100}, {"path", "/dev/container/CS1"}});
    Run x = run(j);
    CHECK(x.r.findings.empty());
    CHECK(x.r.threads[0].returns == std::vector<int>{0});
    // T1 still has the generation it was forked with (0); CS1's is 2 (top_cpuset
    // took 0, cpuset_create 1, update_nodemask's write of mems 2).
    auto gen = at(x.r, "cpuset_update_task_memory_state:read_mems_generation");
    REQUIRE(gen.size() == 1);
    CHECK(gen[0].before.i == 2);
    auto upd = at(x.r, "cpuset_update_task_memory_state:write_task_mems_generation");
    REQUIRE(upd.size() == 1);
    CHECK(upd[0].before.i == 0);
    CHECK(upd[0].after.i == 2);
    // The order the posted code takes: callback_mutex, then task_lock, then the update.
    auto step = [&](const char* l) { return at(x.r, l).at(0).step; };
    CHECK(step("cpuset_update_task_memory_state:lock_callback_mutex") <
          step("cpuset_update_task_memory_state:task_lock"));
    CHECK(step("cpuset_update_task_memory_state:task_lock") <
          step("cpuset_update_task_memory_state:write_mems_allowed"));
    CHECK(step("cpuset_update_task_memory_state:task_unlock") <
          step("cpuset_update_task_memory_state:unlock_callback_mutex"));
    // A second mkdir finds the generations equal: no lock taken.
    json again = world({{{"op", "mkdir"}, {"path", "/dev/container/CS1/a"}},
                        {{"op", "mkdir"}, {"path", "/dev/container/CS1/b"}}},
                       100);
    again["setup"].push_back({{"op", "attach"}, {"pid", 100}, {"path", "/dev/container/CS1"}});
    Run y = run(again);
    CHECK(at(y.r, "cpuset_update_task_memory_state:read_mems_generation").size() == 2);
    CHECK(at(y.r, "cpuset_update_task_memory_state:lock_callback_mutex").size() == 1);
}

TEST_CASE("cpuset post_attach vs exit: exit_mm waits on mmap_sem, the attacher's mmput frees the mm", "[cpuset]") {
    app::Scenario sc = app::load_scenario(kThread + "cpuset-migrate-vs-exit.json");
    app::RunResult r = app::run_scenario(sc);
    CHECK(r.matches);
    CHECK(r.findings.empty());
    auto inc = at(r, "get_task_mm:inc_mm_users");
    REQUIRE(inc.size() == 1);
    CHECK(inc[0].cpu == 0);
    CHECK(inc[0].before.i == 1);
    CHECK(inc[0].after.i == 2);
    // T1's exit_mm takes mmap_sem only after the rebind released it.
    CHECK(at(r, "mpol_rebind_mm:up_write_mmap_sem").at(0).step < at(r, "exit_mm:down_read_mmap_sem").at(0).step);
    auto dec = at(r, "mmput:dec_and_test_mm_users");
    REQUIRE(dec.size() == 2);
    CHECK(dec[0].cpu == 1);
    CHECK(dec[0].after.i == 1);
    CHECK(dec[1].cpu == 0);
    CHECK(dec[1].after.i == 0);
    auto fr = at(r, "mmput:free_mm");
    REQUIRE(fr.size() == 1);
    CHECK(fr[0].cpu == 0);
    // Migration ran (memory_migrate is set) between the rebind and the put.
    auto mig = at(r, "do_migrate_pages:migrate_pages");
    REQUIRE(mig.size() == 1);
    CHECK(mig[0].step < fr[0].step);
}

TEST_CASE("cpuset post_attach vs exit, explored: only the known group leak, with the attach/exit fixes nothing",
          "[cpuset][explore]") {
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::dpor;
    app::ExploreResult bug = app::explore_scenario(app::load_scenario(kThread + "cpuset-migrate-vs-exit.json"), o);
    CHECK(bug.stats.complete);
    CHECK(bug.stats.executions == 46);  // 48 without nonzero-decs, 231 with --reductions none (docs/explore.md, Reductions)
    std::vector<std::vector<std::string>> sets;
    for (const auto& row : bug.outcomes) sets.push_back(row.outcome.violations);
    std::sort(sets.begin(), sets.end());
    sets.erase(std::unique(sets.begin(), sets.end()), sets.end());
    CHECK(sets == std::vector<std::vector<std::string>>{{}, {"kref-mismatch", "leak"}});

    app::ExploreResult fixed =
        app::explore_scenario(app::load_scenario(kThread + "cpuset-migrate-vs-exit-fix-all.json"), o);
    CHECK(fixed.stats.complete);
    CHECK(fixed.stats.executions == 40);  // 47 without nonzero-decs, 211 with --reductions none
    CHECK_FALSE(fixed.violation_reachable());
}

TEST_CASE("mm: CLONE_VM shares the mm, unshare(CLONE_VM) refuses while shared, dup_mm failure fails the fork",
          "[cpuset][mm]") {
    json j = world({{{"op", "clone"}, {"pid", 200}, {"name", "thr"}, {"flags", {"CLONE_VM"}}},
                    {{"op", "unshare"}, {"flags", {"CLONE_VM"}}},
                    {{"op", "clone"}, {"pid", 201}, {"name", "child"}},
                    {{"op", "clone"}, {"pid", 202}, {"name", "nomem"}}},
                   100);
    j["fail_alloc"] = json::array({{{"site", "dup_mm"}, {"nth", 2}}});
    Run x = run(j);
    CHECK(kinds(x.r.findings).empty());
    CHECK(x.r.threads[0].returns == std::vector<int>{0, -EINVAL, 0, -ENOMEM});
    auto share = at(x.r, "copy_mm:inc_mm_users");
    REQUIRE(share.size() == 1);
    CHECK(share[0].after.i == 2);
    CHECK(at(x.r, "dup_mm:allocate_mm").size() == 2);
}

TEST_CASE("mm: the end-of-run invariant reports an mm_users that disagrees with the tasks using the mm", "[mm]") {
    Run x = run(world({{{"op", "clone"}, {"pid", 200}, {"name", "thr"}, {"flags", {"CLONE_VM"}}}}, 100));
    REQUIRE(x.r.findings.empty());
    core::task_struct* t1 = x.r.kernel->task_by_pid(100);
    REQUIRE(t1->mm.peek());
    REQUIRE(t1->mm.peek()->mm_users.counter == 2);
    t1->mm.peek()->mm_users.counter = 3;  // a get_task_mm() never put
    std::vector<sim::Finding> f;
    x.r.kernel->check_invariants(f);
    CHECK(kinds(f) == std::vector<std::string>{
                          "mm-users-mismatch: BUG: mm_users mismatch: mm(T1)->mm_users is 3 but 2 tasks use it"});
}
