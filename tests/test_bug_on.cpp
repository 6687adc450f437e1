// The BUG_ON()s of the posted code that the model can reach are `kernel-bug`
// findings naming the C condition. Here: container_get_sb()'s new-superblock
// branch, reached by a mount that runs after a final umount's
// container_put_super() cleared root->sb (its first line, before manage_mutex)
// while the hierarchy still binds its subsystems or still has a child.
#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "sim/explore.h"

using nlohmann::json;

namespace {

// The results point at their scenario: keep every scenario alive.
const app::Scenario& keep(app::Scenario sc) {
    static std::vector<std::unique_ptr<app::Scenario>> kept;
    kept.push_back(std::make_unique<app::Scenario>(std::move(sc)));
    return *kept.back();
}

std::vector<std::string> messages(const app::RunResult& r) {
    std::vector<std::string> v;
    for (const auto& f : r.findings) v.push_back(f.message);
    return v;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

// Explores sc exhaustively (DPOR) and replays each outcome's witness: the
// finding messages of every witness, with the returns of its run.
struct Replayed {
    std::vector<std::string> violations;
    std::vector<std::vector<int>> returns;  // per thread
    std::vector<std::string> messages;
};

std::vector<Replayed> explore_and_replay(const app::Scenario& sc) {
    app::ExploreOptions o;
    o.search.strategy = sim::Strategy::dpor;
    app::ExploreResult r = app::explore_scenario(sc, o);
    REQUIRE(r.stats.complete);
    std::vector<Replayed> out;
    for (const auto& row : r.outcomes) {
        app::RunOptions ro;
        ro.token = row.witness;
        app::RunResult w = app::run_scenario(sc, ro);
        Replayed rep{row.outcome.violations, {}, messages(w)};
        for (const auto& t : w.threads) rep.returns.push_back(t.returns);
        out.push_back(std::move(rep));
    }
    return out;
}

// setup: /dev/a mounts cpuset alone. CPU0 unmounts it (the final umount);
// CPU1 makes /dev/a/X, then mounts cpuset at /dev/b.
json mkdir_then_mount_vs_umount() {
    return json::parse(R"json({
      "kernel": "containers-v7",
      "name": "mkdir-then-mount-vs-final-umount",
      "config": {"CONTAINER_CPUACCT": false, "RES_GROUPS_NUMTASKS": false, "BEANCOUNTERS": false,
                 "CONTAINER_NS": false},
      "setup": [{"op": "mount", "path": "/dev/a", "subsystems": ["cpuset"]}],
      "threads": [
        {"cpu": "CPU0", "task": 1, "ops": [{"op": "umount", "path": "/dev/a"}]},
        {"cpu": "CPU1", "task": 1, "ops": [{"op": "mkdir", "path": "/dev/a/X"},
                                           {"op": "mount", "path": "/dev/b", "subsystems": ["cpuset"]}]}
      ]
    })json");
}

const std::string kSubsysBits =
    "kernel BUG at kernel/container.c: container_get_sb: BUG_ON(root->subsys_bits): rootnode[1]->sb is NULL but it "
    "still binds cpuset";
const std::string kChildren =
    "kernel BUG at kernel/container.c: container_get_sb: BUG_ON(!list_empty(&cont->children)): top_container has 1 "
    "child";
const std::string kNumber =
    "kernel BUG at kernel/container.c: container_get_sb: BUG_ON(root->number_of_containers != 1): it is 2";

}  // namespace

TEST_CASE("BUG_ON: a mount in a final umount's window hits container_get_sb's BUG_ON(root->subsys_bits)",
          "[bug_on][explore]") {
    // container_put_super() sets root->sb = NULL, then waits for manage_mutex;
    // a mount of the same set matches the hierarchy by root->subsys_bits, finds
    // root->sb NULL and takes the new-superblock branch with the bits still set.
    const app::Scenario& sc =
        keep(app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/container/umount-vs-mount-reuses-dying-sb.json"));
    std::vector<Replayed> rows = explore_and_replay(sc);
    bool found = false;
    for (const Replayed& r : rows) {
        if (!has(r.messages, kSubsysBits)) continue;
        found = true;
        // Every op returns 0: the mount made a second super_block for the
        // hierarchy, which container_put_super() then unbinds, so the later
        // shutdown finds no subsystems bound.
        CHECK(r.violations == std::vector<std::string>{"kernel-bug"});
        CHECK(r.returns == std::vector<std::vector<int>>{{0}, {0, 0}});
        CHECK(has(r.messages, "kernel BUG at kernel/container.c: container_put_super: BUG_ON(!root->subsys_bits)"));
    }
    CHECK(found);
}

TEST_CASE("BUG_ON: a mkdir cannot slip into a final umount any more, so get_sb's children and count BUG_ONs stay quiet",
          "[bug_on][explore]") {
    // Before vfsmount references, mkdir read root->sb before the umount
    // cleared it, pinned the dying super_block and left X below the top of a
    // hierarchy whose root->sb was NULL: the next mount fired get_sb's
    // children and number_of_containers BUG_ONs. mkdir's walk now holds the
    // mount from path_lookup() to path_release(): the umount is -EBUSY while
    // it does; otherwise the mkdir finds no mount (-ENOENT) or has finished
    // (X keeps the hierarchy: the umount is not the final one).
    const app::Scenario& sc = keep(app::parse_scenario(mkdir_then_mount_vs_umount(), "mkdir-then-mount.json"));
    std::vector<Replayed> rows = explore_and_replay(sc);
    REQUIRE_FALSE(rows.empty());
    int busy = 0;
    for (const Replayed& r : rows) {
        INFO(join(r.messages));
        CHECK_FALSE(has(r.messages, kChildren));
        CHECK_FALSE(has(r.messages, kNumber));
        REQUIRE(r.returns.size() == 2);
        if (r.returns[0] == std::vector<int>{-EBUSY}) ++busy;
    }
    CHECK(busy > 0);
}
