// The ops containers-v7 adds (issue 3): exact errors for bad uses, and the
// exact results, reads and findings of the shipped op scenarios.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/runner.h"
#include "app/scenario.h"

using nlohmann::json;

namespace {

// A valid containers-v7 scenario: one hierarchy, CS1, T100; each case edits it.
json v7() {
    return json::parse(R"json({
      "name": "v7-ops",
      "kernel": "containers-v7",
      "config": {"CONTAINER_CPUACCT": "m", "RES_GROUPS_NUMTASKS": false},
      "setup": [
        {"op": "mount", "path": "/dev/container"},
        {"op": "mkdir", "path": "/dev/container/CS1"},
        {"op": "fork", "pid": 100}
      ],
      "threads": [{"cpu": "CPU0", "task": 1, "ops": []}]
    })json");
}

std::string error_of(const json& j) {
    try {
        app::parse_scenario(j, "v7.json");
    } catch (const app::InputError& e) {
        return e.what();
    }
    return "<no error>";
}

json with_op(json op) {
    json j = v7();
    j["threads"][0]["ops"].push_back(std::move(op));
    return j;
}

app::RunResult run_file(const std::string& rel) {
    static std::vector<std::unique_ptr<app::Scenario>> keep;  // the result points at its scenario
    keep.push_back(std::make_unique<app::Scenario>(app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/" + rel)));
    return app::run_scenario(*keep.back());
}

}  // namespace

TEST_CASE("ops: the base v7 scenario is valid", "[ops]") { CHECK(error_of(v7()) == "<no error>"); }

TEST_CASE("ops: bad new ops are rejected with the exact message", "[ops][bad]") {
    CHECK(error_of(with_op({{"op", "umount"}, {"path", "/dev/elsewhere"}})) ==
          "v7.json: $.threads[0].ops[0].path: unknown mount point \"/dev/elsewhere\": expected the path of an earlier "
          "mount");
    CHECK(error_of(with_op({{"op", "clone"}, {"pid", 200}, {"flags", {"CLONE_NEWPID"}}})) ==
          "v7.json: $.threads[0].ops[0].flags[0]: unknown flag \"CLONE_NEWPID\"; did you mean \"CLONE_NEWIPC\"? "
          "expected one of: CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWUTS, CLONE_VM");
    CHECK(error_of(with_op({{"op", "close"}, {"file", "f9"}})) ==
          "v7.json: $.threads[0].ops[0].file: unknown file \"f9\": expected the name of an open op");
    CHECK(error_of(with_op({{"op", "register_subsys"}, {"subsystem", "cpuset"}})) ==
          "v7.json: $.threads[0].ops[0].subsystem: unknown subsystem \"cpuset\" (expected a subsystem built as a "
          "module (\"m\" in config)); expected one of: cpuacct");
    CHECK(error_of(with_op({{"op", "css_get"}, {"path", "/dev/container/CS1"}, {"subsystem", "numtasks"}})) ==
          "v7.json: $.threads[0].ops[0].subsystem: unknown subsystem \"numtasks\" (expected a subsystem of this "
          "kernel); expected one of: ns, cpuset, cpuacct, bc");
    CHECK(error_of(with_op({{"op", "capability"}, {"cap", "CAP_NET_ADMIN"}, {"value", true}})) ==
          "v7.json: $.threads[0].ops[0].cap: unknown capability \"CAP_NET_ADMIN\"; expected CAP_SYS_ADMIN");
    CHECK(error_of(with_op({{"op", "setuid"}, {"uid", 70000}})) ==
          "v7.json: $.threads[0].ops[0].uid: expected an integer from 0 to 65535, found 70000");
    CHECK(error_of(with_op({{"op", "read"}, {"path", "/proc/999/container"}})) ==
          "v7.json: $.threads[0].ops[0].path: unknown pid 999 in \"/proc/999/container\": expected 1 or a forked pid");
    CHECK(error_of(with_op({{"op", "read"}, {"path", "/proc/mounts"}})) ==
          "v7.json: $.threads[0].ops[0].path: unknown /proc file \"/proc/mounts\": expected /proc/containers or "
          "/proc/PID/container");
    CHECK(error_of(with_op({{"op", "tick"}, {"cputime", 0}})) ==
          "v7.json: $.threads[0].ops[0].cputime: expected an integer from 1 to 1000000, found 0");
    json twice = with_op({{"op", "open"}, {"file", "f1"}});
    twice["threads"][0]["ops"].push_back({{"op", "open"}, {"file", "f1"}});
    CHECK(error_of(twice) ==
          "v7.json: $.threads[0].ops[1].file: file \"f1\" is opened twice: give each open its own name");
}

TEST_CASE("ops: config and fail_alloc are validated", "[ops][bad]") {
    json j = v7();
    j["config"]["BEANCOUNTERS"] = "m";
    CHECK(error_of(j) ==
          "v7.json: $.config.BEANCOUNTERS: \"m\" (a module, registered by the register_subsys op) is only for a "
          "subsystem loaded from module_init on containers-v7: CONTAINER_CPUACCT, RES_GROUPS_NUMTASKS, CONTAINER_NS");
    j = v7();
    j["config"]["uts_ns"] = false;
    CHECK(error_of(j) == "v7.json: $.config.uts_ns: expected a Kconfig symbol without CONFIG_ (capitals, digits, _), "
                         "e.g. UTS_NS");
    j = v7();
    j["config"]["UTS_NS"] = 1;
    CHECK(error_of(j) == "v7.json: $.config.UTS_NS: expected true, false or \"m\", found the number 1");
    j = v7();
    j["fail_alloc"] = {{{"site", "no_such_function"}}};
    CHECK(error_of(j) == "v7.json: $.fail_alloc[0].site: unknown allocation site \"no_such_function\" for kernel "
                         "containers-v7: expected the function part of a label (list them with: contsim labels "
                         "--kernel containers-v7)");
    j = v7();
    j["fail_alloc"] = {{{"site", "find_container_group"}, {"nth", 0}}};
    CHECK(error_of(j) == "v7.json: $.fail_alloc[0].nth: expected an integer from 1 to 1000000, found 0");
}

TEST_CASE("ops: expect.reads is checked against the read ops", "[ops][bad]") {
    json j = with_op({{"op", "read"}, {"path", "/dev/container/tasks"}});
    j["expect"] = {{"reads", {{"CPU0", {"1\n", "2\n"}}}}};
    CHECK(error_of(j) == "v7.json: $.expect.reads.CPU0: expected 1 texts (one per read op), found 2");
    j["expect"] = {{"reads", {{"CPU0", {"1\n100\n"}}}}};
    app::Scenario sc = app::parse_scenario(j, "v7.json");
    app::RunResult r = app::run_scenario(sc);
    CHECK(r.threads[0].reads == std::vector<std::string>{"1\n100\n"});
    CHECK(r.matches);
    j["expect"] = {{"reads", {{"CPU0", {"1\n"}}}}};
    app::Scenario sc2 = app::parse_scenario(j, "v7.json");
    app::RunResult r2 = app::run_scenario(sc2);
    REQUIRE(r2.mismatches.size() == 1);
    CHECK(r2.mismatches[0] == "reads.CPU0: expected [\"1\\n\"], found [\"1\\n100\\n\"]");
}

TEST_CASE("ops: final values s_active and refcnt.SUBSYS", "[ops]") {
    // cpuset: bc's own invariant counts its css references against charged
    // files, so a bare css_get on bc is (rightly) a count-mismatch.
    json j = with_op({{"op", "css_get"}, {"path", "/dev/container/CS1"}, {"subsystem", "cpuset"}});
    j["expect"] = {{"final", {{"/dev/container", {{"s_active", 2}}}, {"/dev/container/CS1", {{"refcnt.cpuset", 1}}}}}};
    app::Scenario sc = app::parse_scenario(j, "v7.json");
    app::RunResult r = app::run_scenario(sc);
    CHECK(r.matches);
    // The reference is still held at the end, and counted: no refcnt-mismatch.
    CHECK(r.violation_set().empty());
    j["expect"]["final"]["/dev/container/CS1"] = {{"refcnt.numtasks", 0}};
    // The keys this kernel's subsystems have, nearest first.
    CHECK(error_of(j) == "v7.json: $.expect.final./dev/container/CS1.refcnt.numtasks: unknown key; expected one of: "
                         "refcnt.ns, refcnt.cpuset, refcnt.cpuacct, refcnt.bc, refcount, tasks, cpuset.mems, "
                         "cpuacct.usage, count, cpuset.cpus, s_active, freed, gone, bc.numfiles.held, bc.numfiles.limit, "
                         "number_of_containers, bc.numfiles.maxheld, bc.numfiles.minheld, bc.numfiles.barrier, "
                         "bc.numfiles.failcnt");
}

TEST_CASE("ops: the shipped findings of the posted code", "[ops][scenarios]") {
    SECTION("attach_task's double put on -ENOSPC leaves a live task with usage 1") {
        app::RunResult r = run_file("scenarios/container/attach-can-attach-double-put.json");
        REQUIRE(r.findings.size() == 1);
        CHECK(r.findings[0].message == "BUG: task usage mismatch: T100 (pid 100) ->usage is 1 but a live task holds 2 "
                                       "(release_task's and the final schedule's)");
    }
    SECTION("a fork between container_fork and attach_pid misses a module's fork callback") {
        app::RunResult r = run_file("scenarios/container/register-subsys-vs-fork-missed-callback.json");
        REQUIRE(r.findings.size() == 2);
        CHECK(r.findings[0].message ==
              "BUG: missed fork callback: T200 (pid 200) never had numtasks's fork callback (registered at step 39)");
        // The real numtasks never charges T200: its count is one short.
        CHECK(r.findings[1].message == "BUG: charge mismatch: top_numtasks->cnt_cur_alloc is 1 but dummytop has 2 "
                                       "live tasks and lends 0 to its children");
    }
    SECTION("container_clone's retry leaks node1 and says so") {
        app::RunResult r = run_file("scenarios/container/clone-vs-attach-leaking-container.json");
        CHECK(r.findings.empty());
        REQUIRE(r.kernel->kernel_log().size() == 1);
        CHECK(r.kernel->kernel_log()[0] == "[step 88] Race in container_clone() - leaking container node1");
    }
    SECTION("a mount reusing a dying super_block") {
        app::RunResult r = run_file("scenarios/container/umount-vs-mount-reuses-dying-sb.json");
        CHECK(r.violation_set() == std::vector<std::string>{"kernel-bug", "use-after-free"});
        // The second shutdown oopses on the NULL s_fs_info: destroy_super() never runs twice.
        REQUIRE(r.findings.size() == 2);
        CHECK(r.findings[1].message ==
              "BUG: unable to handle kernel NULL pointer dereference: container_put_super(): sb->s_fs_info is NULL "
              "at step 35");
    }
}

TEST_CASE("ops: a css_put with no get is reported once, at the container its state points to", "[ops]") {
    // cpuset's top state is also dummytop->subsys[id] while cpuset is bound
    // (rebind_subsystems leaves it there): one state, one finding.
    app::RunResult r = run_file("scenarios/ops/css_put.json");
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].kind == "refcnt-mismatch");
    CHECK(r.findings[0].message ==
          "BUG: css refcnt mismatch: /dev/container's cpuset state has refcnt -1 but 0 css_get references and 0 open "
          "files hold it");
}
