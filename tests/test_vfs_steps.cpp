// VFS state as steps. Path walks read the dcache (core/dcache.h): a walk, a
// mkdir's d_instantiate, an rmdir's d_delete, a mount and an umount are
// ordered, so exploration sees every result a walk can have, on every kernel,
// and the same table for any split of the search. The fd table likewise:
// an open and another thread's close of the same file do not commute.
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/scenario.h"
#include "core/errno_names.h"

using nlohmann::json;

namespace {

struct KernelCase {
    const char* kernel;
    const char* mnt;
    json mount_subsystems;  // null: the kernel's single hierarchy takes no option
};

const std::vector<KernelCase>& kernels() {
    static const std::vector<KernelCase> k{{"containers-v7-1", "/dev/container", nullptr},
                                           {"cpuset-2.6.20", "/dev/cpuset", nullptr},
                                           {"containers-v7", "/dev/container", json::array({"cpuset"})}};
    return k;
}

json mount_op(const KernelCase& k, const std::string& path) {
    json op{{"op", "mount"}, {"path", path}};
    if (!k.mount_subsystems.is_null()) op["subsystems"] = k.mount_subsystems;
    return op;
}

app::Scenario scenario(const KernelCase& k, json setup, json cpu0_ops, json cpu1_ops) {
    json j{{"name", "path-walk"},
           {"kernel", k.kernel},
           {"title", "t"},
           {"source", "tests/test_path_walk.cpp"},
           {"setup", setup},
           {"threads",
            {{{"cpu", "CPU0"}, {"task", 1}, {"ops", cpu0_ops}}, {{"cpu", "CPU1"}, {"task", 1}, {"ops", cpu1_ops}}}}};
    return app::parse_scenario(j, "path-walk.json");
}

// Each outcome as "violations | CPU0 returns | CPU1 returns".
std::set<std::string> outcomes(const app::ExploreResult& r) {
    std::set<std::string> s;
    for (const app::OutcomeRow& row : r.outcomes) {
        std::string t;
        for (const std::string& v : row.outcome.violations) t += v + " ";
        t += "|";
        for (const auto& [cpu, rets] : row.outcome.returns)
            for (int x : rets) t += " " + std::to_string(x);
        t += " |";
        s.insert(t);
    }
    return s;
}

app::ExploreResult explore(const app::Scenario& sc, sim::Strategy st, std::size_t split = 1) {
    app::ExploreOptions o;
    o.search.strategy = st;
    o.split = split;
    return app::explore_scenario(sc, o);
}

}  // namespace

TEST_CASE("path walk: two rmdirs of one directory, exactly one succeeds, on every kernel", "[path-walk]") {
    for (const KernelCase& k : kernels()) {
        INFO(k.kernel);
        const std::string a = std::string(k.mnt) + "/A";
        app::Scenario sc = scenario(k, json::array({mount_op(k, k.mnt), {{"op", "mkdir"}, {"path", a}}}),
                                    json::array({{{"op", "rmdir"}, {"path", a}}}),
                                    json::array({{{"op", "rmdir"}, {"path", a}}}));
        app::ExploreResult d = explore(sc, sim::Strategy::dpor);
        // 0 and -ENOENT (-2), in either order; nothing freed twice.
        CHECK(outcomes(d) == std::set<std::string>{"| 0 -2 |", "| -2 0 |"});
        CHECK(outcomes(explore(sc, sim::Strategy::dfs)) == outcomes(d));
    }
}

TEST_CASE("path walk: a read of a tasks file races the mkdir of its directory, on every kernel", "[path-walk]") {
    for (const KernelCase& k : kernels()) {
        INFO(k.kernel);
        const std::string a = std::string(k.mnt) + "/A";
        app::Scenario sc = scenario(k, json::array({mount_op(k, k.mnt)}), json::array({{{"op", "mkdir"}, {"path", a}}}),
                                    json::array({{{"op", "read"}, {"path", a + "/tasks"}}}));
        app::ExploreResult d = explore(sc, sim::Strategy::dpor);
        // The walk finds A (the read succeeds) or not (-ENOENT): both orders of walk and d_instantiate.
        CHECK(outcomes(d) == std::set<std::string>{"| 0 0 |", "| 0 -2 |"});
        CHECK(outcomes(explore(sc, sim::Strategy::dfs)) == outcomes(d));
        app::ExploreResult split = explore(sc, sim::Strategy::dpor, 64);
        CHECK(app::explore_report_json(split)["outcomes"] == app::explore_report_json(d)["outcomes"]);
    }
}

TEST_CASE("path walk: a read of a file under a mount point races the mount (containers-v7)", "[path-walk]") {
    const KernelCase& k = kernels()[2];
    app::Scenario sc = scenario(k, json::array(), json::array({mount_op(k, "/dev/b")}),
                                json::array({{{"op", "read"}, {"path", "/dev/b/tasks"}}}));
    app::ExploreResult d = explore(sc, sim::Strategy::dpor);
    CHECK(outcomes(d) == std::set<std::string>{"| 0 0 |", "| 0 -2 |"});
    CHECK(outcomes(explore(sc, sim::Strategy::dfs)) == outcomes(d));
}

TEST_CASE("fd table: a close races another thread's open of the file (containers-v7)", "[path-walk]") {
    const KernelCase& k = kernels()[2];
    app::Scenario sc = scenario(k, json::array({mount_op(k, k.mnt)}), json::array({{{"op", "open"}, {"file", "f1"}}}),
                                json::array({{{"op", "close"}, {"file", "f1"}}}));
    app::ExploreResult d = explore(sc, sim::Strategy::dpor);
    // The close finds the file (0) or not yet (-EBADF, -9); a file never closed is not a leak (the fd table holds it).
    CHECK(outcomes(d) == std::set<std::string>{"| 0 0 |", "| 0 -9 |"});
    CHECK(outcomes(explore(sc, sim::Strategy::dfs)) == outcomes(d));
}

TEST_CASE("path walk: a mkdir inside a directory races its rmdir, on every kernel", "[path-walk]") {
    for (const KernelCase& k : kernels()) {
        INFO(k.kernel);
        const std::string a = std::string(k.mnt) + "/A";
        app::Scenario sc = scenario(k, json::array({mount_op(k, k.mnt), {{"op", "mkdir"}, {"path", a}}}),
                                    json::array({{{"op", "mkdir"}, {"path", a + "/B"}}}),
                                    json::array({{{"op", "rmdir"}, {"path", a}}}));
        app::ExploreResult d = explore(sc, sim::Strategy::dpor);
        // Either B is made and A is busy (-EBUSY, -16), or A goes first and
        // the mkdir finds it dead or gone (-ENOENT): never a child of a removed directory.
        CHECK(outcomes(d) == std::set<std::string>{"| 0 -16 |", "| -2 0 |"});
        CHECK(outcomes(explore(sc, sim::Strategy::dfs)) == outcomes(d));
    }
}

TEST_CASE("rmdir takes the parent's i_mutex on containers-v7: container_clone()'s new directory survives until the "
          "task is in",
          "[vfs][explore]") {
    app::Scenario sc =
        app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/thread/clone-vs-rmdir-new-container.json");
    app::ExploreResult r = app::explore_scenario(sc, {});
    CHECK(r.stats.complete);
    CHECK_FALSE(r.violation_reachable());  // without the parent's lock: use-after-free, dangling pointer
    std::set<std::string> rmdir_results;
    for (const auto& row : r.outcomes)
        for (const auto& [cpu, rets] : row.outcome.returns)
            if (cpu == "CPU1") rmdir_results.insert(core::result_name(rets.at(0)));
    CHECK(rmdir_results == std::set<std::string>{"-EBUSY", "-ENOENT"});
    // DPOR finds what a capped DFS and random orders find.
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::dfs;
    o.search.max_runs = 2000;
    std::set<app::Outcome> all;
    for (const auto& row : r.outcomes) all.insert(row.outcome);
    for (const auto& row : app::explore_scenario(sc, o).outcomes) CHECK(all.count(row.outcome) == 1);
}

TEST_CASE("vfsmount references: a path walk holds the mount, umount is -EBUSY meanwhile, umount -l defers the shutdown",
          "[vfs][explore]") {
    const std::string dir = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/thread/";
    struct Case {
        const char* file;
        std::set<std::string> umount_results;
    };
    // Plain: -EBUSY inside the reader's walk, 0 before or after it.
    // Lazy: always 0; the reader's mntput() shuts the super_block down.
    // Remount: its walk holds the mount as well.
    for (const Case& c : {Case{"cpus-read-vs-umount.json", {"-EBUSY", "0"}},
                          Case{"cpus-read-vs-lazy-umount.json", {"0"}},
                          Case{"remount-vs-umount.json", {"-EBUSY", "0"}}}) {
        INFO(c.file);
        app::Scenario sc = app::load_scenario(dir + c.file);
        app::ExploreResult r = app::explore_scenario(sc, {});
        CHECK(r.stats.complete);
        CHECK_FALSE(r.violation_reachable());  // before issue 10: kernel-bug, use-after-free
        std::set<std::string> got;
        std::set<app::Outcome> all;
        for (const auto& row : r.outcomes) {
            all.insert(row.outcome);
            for (const auto& [cpu, rets] : row.outcome.returns)
                if (cpu == "CPU1") got.insert(core::result_name(rets.at(0)));
        }
        CHECK(got == c.umount_results);
        // DPOR = DFS: the full DFS of these small runs finds no other outcome.
        app::ExploreOptions o;
        o.search.strategy = sim::Strategy::dfs;
        o.search.max_runs = 200000;
        app::ExploreResult f = app::explore_scenario(sc, o);
        INFO("dfs executions " << f.stats.executions);
        CHECK(f.stats.complete);
        std::set<app::Outcome> dfs;
        for (const auto& row : f.outcomes) dfs.insert(row.outcome);
        CHECK(dfs == all);
    }
}
