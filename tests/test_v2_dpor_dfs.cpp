// DPOR = DFS on the kernel paths format v2 added: every lab (the lab kernel's
// ops on its objects), a control file held open (its open, read and close
// against another open of the fd table), and CPU hotplug (cpu_down under
// cpu_add_remove_lock, the online map as a cell). Same outcomes, each the
// same (violations, returns, reads, final values), whatever the executions.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/scenario.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The outcome table without what depends on the search (counts, witnesses).
std::set<std::string> table(const app::Scenario& sc, sim::Strategy st) {
    app::ExploreOptions o;
    o.search.strategy = st;
    app::ExploreResult r = app::explore_scenario(sc, o);
    REQUIRE(r.stats.complete);
    std::set<std::string> rows;
    const json report = app::explore_report_json(r);  // not a temporary: the loop outlives the expression
    for (json row : report["outcomes"]) {
        for (const char* k : {"executions", "witness", "steps", "switches"}) row.erase(k);
        rows.insert(row.dump());
    }
    return rows;
}

void same_as_dfs(const app::Scenario& sc, std::size_t outcomes) {
    INFO(sc.file);
    const auto dpor = table(sc, sim::Strategy::dpor);
    CHECK(dpor.size() == outcomes);
    CHECK(table(sc, sim::Strategy::dfs) == dpor);
}

app::Scenario v7(const json& threads, const json& setup, const json& machine) {
    json j = {{"name", "t"},
              {"kernel", "containers-v7"},
              {"config", {{"CONTAINER_CPUACCT", false}, {"RES_GROUPS_NUMTASKS", false}, {"BEANCOUNTERS", false},
                          {"CONTAINER_NS", false}}},
              {"setup", setup},
              {"threads", threads}};
    if (!machine.is_null()) j["machine"] = machine;
    return app::parse_scenario(j, "t.json");
}

}  // namespace

TEST_CASE("DPOR = DFS: every lab and its fixed version", "[explore][labs]") {
    // The outcomes each has (the labs' own files say the same in expect.explore where stated).
    const std::map<std::string, std::size_t> expected{
        {"abba-deadlock", 2},         {"abba-deadlock-fixed", 1},         {"check-then-act", 3},
        {"check-then-act-fixed", 2},  {"double-kfree", 3},                {"double-kfree-fixed", 2},
        {"kref-put-without-get", 4},  {"kref-put-without-get-fixed", 1},  {"lock-order-inversion", 1},
        {"lock-order-inversion-fixed", 1}, {"lost-update", 3},            {"lost-update-fixed", 2},
        {"rcu-reader-without-lock", 3}, {"rcu-reader-without-lock-fixed", 2}, {"sleep-in-atomic", 1},
        {"sleep-in-atomic-fixed", 1}};
    std::size_t seen = 0;
    for (const auto& e : fs::directory_iterator(fs::path(CONTSIM_SOURCE_DIR) / "scenarios" / "labs")) {
        const std::string stem = e.path().stem().string();
        REQUIRE(expected.count(stem));
        same_as_dfs(app::load_scenario(e.path().string()), expected.at(stem));
        ++seen;
    }
    CHECK(seen == expected.size());
}

TEST_CASE("DPOR = DFS: a control file held open against another open of the fd table", "[explore][open-file]") {
    app::Scenario sc = v7(json::array({{{"cpu", "CPU0"}, {"task", 1},
                                        {"ops", {{{"op", "open"}, {"path", "/dev/cs/tasks"}, {"as", "f"}},
                                                 {{"op", "read"}, {"handle", "f"}},
                                                 {{"op", "close"}, {"handle", "f"}}}}},
                                       {{"cpu", "CPU1"}, {"task", 1},
                                        {"ops", {{{"op", "open"}, {"file", "x"}}, {{"op", "close"}, {"file", "x"}}}}}}),
                          json::array({{{"op", "mount"}, {"path", "/dev/cs"}, {"subsystems", {"cpuset"}}}}), nullptr);
    same_as_dfs(sc, 1);
}

TEST_CASE("DPOR = DFS: two cpu_downs serialise on cpu_add_remove_lock, and the last cpu stays", "[explore][hotplug]") {
    auto down = [](int cpu) { return json::array({{{"op", "cpu_down"}, {"cpu", cpu}}}); };
    app::Scenario two = v7(json::array({{{"cpu", "CPU0"}, {"task", 1}, {"ops", down(1)}},
                                        {{"cpu", "CPU1"}, {"task", 1}, {"ops", down(0)}}}),
                           json::array(), {{"cpus", 2}});
    // One of them finds the other's cpu the last online one: -EBUSY, in either order.
    same_as_dfs(two, 2);
    app::Scenario up_down = v7(json::array({{{"cpu", "CPU0"}, {"task", 1}, {"ops", down(2)}},
                                            {{"cpu", "CPU1"}, {"task", 1},
                                             {"ops", {{{"op", "cpu_up"}, {"cpu", 2}}}}}}),
                               json::array({{{"op", "mount"}, {"path", "/dev/cs"}, {"subsystems", {"cpuset"}}}}),
                               {{"cpus", 3}});
    // cpu_up of a cpu still online is -EINVAL; after the down it comes back.
    same_as_dfs(up_down, 2);
}
