// Bad input: every malformed scenario is rejected with the exact message
// "FILE: JSON.path: what was expected" — by the parser (load_scenario /
// parse_scenario) when the fault can be known before running, by the runner
// (run_scenario) when it shows only while running: a set-up op that fails, a
// schedule that cannot be followed, a bad --schedule token.
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/runner.h"
#include "app/scenario.h"
#include "core/kernel.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The shipped attach-exit scenario (scenarios/attach-exit/v7-1-cs1-negative-nearest.json),
// valid as it stands; each case below breaks one thing in it.
constexpr const char* kBase = R"json(
{
  "name": "attach-exit-negative-count",
  "kernel": "containers-v7-1",
  "fixes": [],
  "setup": [
    {"op": "mount", "path": "/dev/container"},
    {"op": "mkdir", "path": "/dev/container/CS1"},
    {"op": "mkdir", "path": "/dev/container/CS2"},
    {"op": "fork", "pid": 100, "name": "T1"},
    {"op": "attach", "pid": 100, "path": "/dev/container/CS1"}
  ],
  "threads": [
    {"cpu": "CPU0", "task": 1, "ops": [{"op": "attach", "pid": 100, "path": "/dev/container/CS2"}]},
    {"cpu": "CPU1", "task": 100, "ops": [{"op": "exit"}]}
  ],
  "schedule": [
    {"cpu": "CPU0", "through": "attach_task:read_oldcont"},
    {"cpu": "CPU1", "through": "container_exit:read_container"},
    {"cpu": "CPU0", "through": "attach_task:assign_container"},
    {"cpu": "CPU1"},
    {"cpu": "CPU0"}
  ],
  "expect": {
    "violations": ["count-mismatch", "refcount-underflow"],
    "returns": {"CPU0": [0], "CPU1": [0]},
    "final": {"/dev/container/CS1": {"count": -1}, "/dev/container/CS2": {"count": 1, "tasks": []}}
  }
}
)json";

constexpr const char* kNoError = "<no error>";

json base() { return json::parse(kBase); }

json with(const std::function<void(json&)>& edit) {
    json j = base();
    edit(j);
    return j;
}

// A fixed directory under the build tree, so file names in messages are known.
fs::path tmp_dir() {
    fs::path d = fs::path(CONTSIM_BINARY).parent_path() / "test-bad-input";
    fs::create_directories(d);
    return d;
}

std::string write_file(const std::string& name, const std::string& text) {
    fs::path p = tmp_dir() / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    REQUIRE(out);
    return p.string();
}

// parse_scenario on an in-memory document named "bad.json".
std::string parse_error(const json& j, const app::Overrides& o = {}) {
    try {
        app::parse_scenario(j, "bad.json", o);
    } catch (const app::InputError& e) {
        return e.what();
    }
    return kNoError;
}

// load_scenario on a file holding `text`.
std::string load_error(const std::string& file) {
    try {
        app::load_scenario(file);
    } catch (const app::InputError& e) {
        return e.what();
    }
    return kNoError;
}

// load_scenario then run_scenario; the load itself must succeed.
std::string run_error(const std::string& file, const app::RunOptions& opt = {}) {
    app::Scenario sc = app::load_scenario(file);
    try {
        app::run_scenario(sc, opt);
    } catch (const app::InputError& e) {
        return e.what();
    }
    return kNoError;
}

}  // namespace

TEST_CASE("bad input: the base scenario is valid, parses and runs", "[bad]") {
    CHECK(parse_error(base()) == kNoError);
    std::string f = write_file("base.json", base().dump(2));
    CHECK(load_error(f) == kNoError);
    CHECK(run_error(f) == kNoError);
}

TEST_CASE("bad input: files that are not JSON or cannot be read", "[bad]") {
    SECTION("syntax error") {
        std::string f = write_file("syntax.json", R"({"name",})");
        CHECK(load_error(f) == f + ": $: expected valid JSON: parse error at line 1, column 8: syntax error while "
                                   "parsing object separator - unexpected ','; expected ':'");
    }
    SECTION("syntax error on a later line: trailing comma") {
        std::string f = write_file("trailing-comma.json", "{\n  \"name\": \"x\",\n}\n");
        CHECK(load_error(f) == f + ": $: expected valid JSON: parse error at line 3, column 1: syntax error while "
                                   "parsing object key - unexpected '}'; expected string literal");
    }
    SECTION("empty file") {
        std::string f = write_file("empty.json", "");
        CHECK(load_error(f) == f + ": $: expected valid JSON: parse error at line 1, column 1: syntax error while "
                                   "parsing value - unexpected end of input; expected '[', '{', or a literal");
    }
    SECTION("missing file") {
        std::string f = (tmp_dir() / "no-such-file.json").string();
        fs::remove(f);
        CHECK(load_error(f) == f + ": cannot open file");
    }
}

TEST_CASE("bad input: the top level", "[bad]") {
    SECTION("an array, not an object") {
        std::string f = write_file("top-array.json", "[1, 2]");
        CHECK(load_error(f) == f + ": $: expected an object, found an array");
    }
    SECTION("a string, not an object") {
        CHECK(parse_error(json::parse(R"("hello")")) == "bad.json: $: expected an object, found the string \"hello\"");
    }
    SECTION("missing name") {
        CHECK(parse_error(with([](json& j) { j.erase("name"); })) == "bad.json: $: missing required key \"name\"");
    }
    SECTION("name of the wrong type") {
        CHECK(parse_error(with([](json& j) { j["name"] = 7; })) == "bad.json: $.name: expected a string, found the number 7");
    }
    SECTION("missing threads") {
        CHECK(parse_error(with([](json& j) { j.erase("threads"); })) == "bad.json: $: missing required key \"threads\"");
    }
    SECTION("missing kernel") {
        CHECK(parse_error(with([](json& j) { j.erase("kernel"); })) == "bad.json: $: missing required key \"kernel\"");
    }
    SECTION("unknown top-level key") {
        CHECK(parse_error(with([](json& j) { j["threadz"] = json::array(); })) ==
              "bad.json: $.threadz: unknown key; did you mean \"threads\"? expected one of: threads, name, title, "
              "kernel, fixes, setup, expect, objects, play, $schema, source, config, schedule, machine, fail_alloc, "
              "description");
    }
    SECTION("keys are case-sensitive") {
        std::string f = write_file("case.json", R"({"Name": "x", "kernel": "containers-v7-1", "threads": []})");
        CHECK(load_error(f) == f + ": $.Name: unknown key; did you mean \"name\"? expected one of: name, title, fixes, "
                                   "play, source, kernel, setup, expect, machine, $schema, config, threads, objects, schedule, fail_alloc, "
                                   "description");
    }
}

TEST_CASE("bad input: kernel and fixes", "[bad]") {
    const auto kernels = core::kernel_names();
    const auto fixes = core::fix_names();
    REQUIRE(std::find(kernels.begin(), kernels.end(), "containers-v7-1") != kernels.end());
    REQUIRE(std::find(fixes.begin(), fixes.end(), "exit-task-lock") != fixes.end());

    SECTION("unknown kernel") {
        CHECK(parse_error(with([](json& j) { j["kernel"] = "containers-v8"; })) ==
              "bad.json: $.kernel: unknown kernel \"containers-v8\"; did you mean \"containers-v7\"? expected one of: "
              "containers-v7, containers-v7-1, cpuset-2.6.20, lab");  // nearest first
    }
    SECTION("unknown kernel given by --kernel") {
        CHECK(parse_error(base(), {std::string("nope"), {}}) ==
              "bad.json: --kernel: unknown kernel \"nope\"; expected one of: lab, containers-v7, cpuset-2.6.20, containers-v7-1");
    }
    SECTION("kernel of the wrong type") {
        CHECK(parse_error(with([](json& j) { j["kernel"] = json::array({"containers-v7-1"}); })) ==
              "bad.json: $.kernel: expected a string, found an array");
    }
    SECTION("unknown fix") {
        CHECK(parse_error(with([](json& j) { j["fixes"] = {"exit-task-lock", "exit-rcu"}; })) ==
              "bad.json: $.fixes[1]: unknown fix \"exit-rcu\"; expected one of: exit-task-lock, attach-pin-oldcg, "
              "attach-recheck-exiting, release-under-task-lock");
    }
    SECTION("unknown fix given by --fix") {
        CHECK(parse_error(base(), {std::nullopt, {"no-such-fix"}}) ==
              "bad.json: --fix: unknown fix \"no-such-fix\"; expected one of: exit-task-lock, attach-pin-oldcg, "
              "attach-recheck-exiting, release-under-task-lock");
    }
    SECTION("fixes not an array") {
        CHECK(parse_error(with([](json& j) { j["fixes"] = "exit-task-lock"; })) ==
              "bad.json: $.fixes: expected an array, found the string \"exit-task-lock\"");
    }
    SECTION("a fix that is not a string") {
        CHECK(parse_error(with([](json& j) { j["fixes"] = {true}; })) ==
              "bad.json: $.fixes[0]: expected a string, found a boolean");
    }
}

TEST_CASE("bad input: threads", "[bad]") {
    SECTION("threads not an array") {
        CHECK(parse_error(with([](json& j) { j["threads"] = json::object(); })) ==
              "bad.json: $.threads: expected an array, found an object");
    }
    SECTION("no threads") {
        CHECK(parse_error(with([](json& j) { j["threads"] = json::array(); })) ==
              "bad.json: $.threads: expected 1 to 16 threads");
    }
    SECTION("a thread that is not an object") {
        CHECK(parse_error(with([](json& j) { j["threads"][1] = "CPU1"; })) ==
              "bad.json: $.threads[1]: expected an object, found the string \"CPU1\"");
    }
    SECTION("unknown pid as thread task") {
        CHECK(parse_error(with([](json& j) { j["threads"][1]["task"] = 101; })) ==
              "bad.json: $.threads[1].task: unknown pid 101: expected 1 (init) or a pid forked in setup");
    }
    SECTION("task as a string") {
        CHECK(parse_error(with([](json& j) { j["threads"][1]["task"] = "100"; })) ==
              "bad.json: $.threads[1].task: expected an integer, found the string \"100\"");
    }
    SECTION("task out of range") {
        CHECK(parse_error(with([](json& j) { j["threads"][0]["task"] = 0; })) ==
              "bad.json: $.threads[0].task: expected an integer from 1 to 32767, found 0");
    }
    SECTION("two threads on one CPU") {
        CHECK(parse_error(with([](json& j) { j["threads"][1]["cpu"] = "CPU0"; })) ==
              "bad.json: $.threads[1].cpu: CPU \"CPU0\" is used by two threads");
    }
    SECTION("missing ops") {
        CHECK(parse_error(with([](json& j) { j["threads"][1].erase("ops"); })) ==
              "bad.json: $.threads[1]: missing required key \"ops\"");
    }
    SECTION("unknown key in a thread") {
        CHECK(parse_error(with([](json& j) { j["threads"][0]["pid"] = 1; })) ==
              "bad.json: $.threads[0].pid: unknown key; expected one of: cpu, ops, task, comment");
    }
}

TEST_CASE("bad input: ops", "[bad]") {
    SECTION("unknown op") {
        CHECK(parse_error(with([](json& j) { j["threads"][1]["ops"][0]["op"] = "vfork"; })) ==
              "bad.json: $.threads[1].ops[0].op: unknown op \"vfork\"; did you mean \"fork\"? expected one of: fork, "
              "exit, mount, mkdir, rmdir, write, read, attach, setuid, capability");
    }
    SECTION("an op the kernel lacks") {
        CHECK(parse_error(with([](json& j) { j["threads"][1]["ops"][0]["op"] = "clone"; })) ==
              "bad.json: $.threads[1].ops[0].op: op \"clone\" is not available on kernel containers-v7-1; it has: fork, "
              "exit, attach, mount, mkdir, rmdir, write, read, setuid, capability");
    }
    SECTION("an op without \"op\"") {
        CHECK(parse_error(with([](json& j) { j["threads"][1]["ops"][0] = {{"pid", 100}}; })) ==
              "bad.json: $.threads[1].ops[0]: missing required key \"op\"");
    }
    SECTION("a key the op does not take") {
        CHECK(parse_error(with([](json& j) { j["setup"][0]["pid"] = 5; })) ==
              "bad.json: $.setup[0].pid: unknown key; expected one of: if, op, as, path, repeat, comment, for_each, "
              "subsystems");
    }
    SECTION("\"as\": PID only in setup (in a thread, \"as\" names the result)") {
        CHECK(parse_error(with([](json& j) { j["threads"][1]["ops"][0]["as"] = 1; })) ==
              "bad.json: $.threads[1].ops[0].as: expected a name to bind the op's result to (a thread's ops run as "
              "its task), found the number 1");
    }
    SECTION("op after exit") {
        CHECK(parse_error(with([](json& j) {
                  j["threads"][1]["ops"].push_back({{"op", "mkdir"}, {"path", "/dev/container/CS3"}});
              })) == "bad.json: $.threads[1].ops[1]: no op can follow \"exit\": the thread's task is gone");
    }
    SECTION("pid as a string") {
        CHECK(parse_error(with([](json& j) { j["setup"][3]["pid"] = "100"; })) ==
              "bad.json: $.setup[3].pid: expected an integer, found the string \"100\"");
    }
    SECTION("pid as a float") {
        CHECK(parse_error(with([](json& j) { j["setup"][3]["pid"] = 100.5; })) ==
              "bad.json: $.setup[3].pid: expected an integer, found the number 100.5");
    }
    SECTION("fork of pid 1") {
        CHECK(parse_error(with([](json& j) { j["setup"][3]["pid"] = 1; })) ==
              "bad.json: $.setup[3].pid: expected an integer from 2 to 32767, found 1");
    }
    SECTION("fork of a pid that exists") {
        CHECK(parse_error(with([](json& j) { j["setup"].push_back({{"op", "fork"}, {"pid", 100}}); })) ==
              "bad.json: $.setup[5].pid: pid 100 already exists");
    }
    SECTION("task name too long") {
        CHECK(parse_error(with([](json& j) { j["setup"][3]["name"] = std::string(31, 'x'); })) ==
              "bad.json: $.setup[3].name: expected a task name of 1 to 30 characters");
    }
    SECTION("unknown pid in setup \"as\"") {
        CHECK(parse_error(with([](json& j) { j["setup"][2]["as"] = 100; })) ==
              "bad.json: $.setup[2].as: unknown pid 100");
    }
    SECTION("\"as\" out of range") {
        CHECK(parse_error(with([](json& j) { j["setup"][2]["as"] = 0; })) ==
              "bad.json: $.setup[2].as: expected an integer from 1 to 32767, found 0");
    }
    SECTION("relative path") {
        CHECK(parse_error(with([](json& j) { j["setup"][1]["path"] = "dev/container/CS1"; })) ==
              "bad.json: $.setup[1].path: expected an absolute path, found \"dev/container/CS1\"");
    }
    SECTION("missing path") {
        CHECK(parse_error(with([](json& j) { j["setup"][1].erase("path"); })) ==
              "bad.json: $.setup[1]: missing required key \"path\"");
    }
    SECTION("unknown path: attach to a directory never made") {
        CHECK(parse_error(with([](json& j) { j["threads"][0]["ops"][0]["path"] = "/dev/container/CS3"; })) ==
              "bad.json: $.threads[0].ops[0].path: unknown path \"/dev/container/CS3\": expected a mount point or a "
              "directory made by an earlier mkdir");
    }
    SECTION("unknown path: rmdir of a directory never made") {
        CHECK(parse_error(with([](json& j) {
                  j["threads"][0]["ops"][0] = {{"op", "rmdir"}, {"path", "/dev/container/CS3"}};
              })) == "bad.json: $.threads[0].ops[0].path: unknown path \"/dev/container/CS3\": expected a mount point "
                     "or a directory made by an earlier mkdir");
    }
    SECTION("mkdir under an unknown parent") {
        CHECK(parse_error(with([](json& j) { j["setup"][2]["path"] = "/dev/container/CS9/CS2"; })) ==
              "bad.json: $.setup[2].path: unknown path \"/dev/container/CS9/CS2\": the parent \"/dev/container/CS9\" "
              "is not a mount point or an earlier mkdir");
    }
    SECTION("write to a file in an unknown directory") {
        CHECK(parse_error(with([](json& j) {
                  j["setup"].push_back({{"op", "write"}, {"path", "/dev/container/CS9/notify_on_release"}, {"value", 1}});
              })) == "bad.json: $.setup[5].path: unknown path \"/dev/container/CS9/notify_on_release\": expected a "
                     "file in a known directory");
    }
    SECTION("write without a value") {
        CHECK(parse_error(with([](json& j) {
                  j["setup"].push_back({{"op", "write"}, {"path", "/dev/container/CS1/notify_on_release"}});
              })) == "bad.json: $.setup[5]: missing required key \"value\"");
    }
    SECTION("write of a value of the wrong type") {
        CHECK(parse_error(with([](json& j) {
                  j["setup"].push_back(
                      {{"op", "write"}, {"path", "/dev/container/CS1/notify_on_release"}, {"value", json::array()}});
              })) == "bad.json: $.setup[5].value: expected a string, found an array");
    }
    SECTION("subsystems on a single-hierarchy kernel") {
        CHECK(parse_error(with([](json& j) { j["setup"][0]["subsystems"] = {"cpuset"}; })) ==
              "bad.json: $.setup[0].subsystems: this kernel has a single hierarchy: mount takes no subsystems");
    }
    SECTION("subsystems not an array") {
        CHECK(parse_error(with([](json& j) { j["setup"][0]["subsystems"] = "cpuset"; })) ==
              "bad.json: $.setup[0].subsystems: expected an array, found the string \"cpuset\"");
    }
}

TEST_CASE("bad input: module_param names a module and parameter the kernel has", "[bad]") {
    auto v7 = [](const json& op, bool numtasks = true) {
        return with([&](json& j) {
            j["kernel"] = "containers-v7";
            if (!numtasks) j["config"] = {{"RES_GROUPS_NUMTASKS", false}};
            j["setup"].push_back(op);
        });
    };
    json good = {{"op", "module_param"}, {"module", "numtasks"}, {"param", "total_numtasks"}, {"value", 3}};
    SECTION("unknown parameter") {
        json op = good;
        op["param"] = "max_tasks";
        CHECK(parse_error(v7(op)) == "bad.json: $.setup[5].param: unknown parameter \"max_tasks\" of module numtasks; "
                                     "expected one of: total_numtasks, forkrate, forkrate_interval");
    }
    SECTION("unknown module") {
        json op = good;
        op["module"] = "cpuset";
        CHECK(parse_error(v7(op)) == "bad.json: $.setup[5].module: unknown module \"cpuset\": expected a module with "
                                     "parameters in this kernel: numtasks");
    }
    SECTION("numtasks not configured") {
        CHECK(parse_error(v7(good, false)) ==
              "bad.json: $.setup[5].module: unknown module \"numtasks\": expected a module with parameters in this "
              "kernel: (none; numtasks needs RES_GROUPS_NUMTASKS)");
    }
    SECTION("value of the wrong type") {
        json op = good;
        op["value"] = true;
        CHECK(parse_error(v7(op)) == "bad.json: $.setup[5].value: expected a string, found a boolean");
    }
    SECTION("a kernel without the op") {
        CHECK(parse_error(with([&](json& j) { j["setup"].push_back(good); })) ==
              "bad.json: $.setup[5].op: op \"module_param\" is not available on kernel containers-v7-1; it has: fork, "
              "exit, attach, mount, mkdir, rmdir, write, read, setuid, capability");
    }
}

TEST_CASE("bad input: schedule", "[bad]") {
    auto step0 = [](json s) { return with([&](json& j) { j["schedule"][0] = s; }); };
    SECTION("schedule not an array") {
        CHECK(parse_error(with([](json& j) { j["schedule"] = "a4b2a"; })) ==
              "bad.json: $.schedule: expected an array, found the string \"a4b2a\"");
    }
    SECTION("unknown label") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"through", "attach_task:read_newcont"}})) ==
              "bad.json: $.schedule[0].through: unknown label \"attach_task:read_newcont\" for kernel containers-v7-1; "
              "did you mean \"attach_task:read_oldcont\"? nearest: attach_task:read_oldcont, attach_task:inc_count, "
              "attach_task:task_lock, attach_task:task_unlock, attach_task:test_pf_exiting (all 133: contsim labels "
              "bad.json)");
    }
    SECTION("unknown label with an occurrence") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"to", "nope#2"}})) ==
              "bad.json: $.schedule[0].to: unknown label \"nope\" for kernel containers-v7-1; nearest: "
              "mmput:free_mm, path_lookup:walk, dput:dec_d_count, exit_mm:clear_mm, dup_mm:allocate_mm (all 133: contsim "
              "labels bad.json)");
    }
    SECTION("label#0") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"through", "attach_task:read_oldcont#0"}})) ==
              "bad.json: $.schedule[0].through: expected label#k with k a positive integer, found "
              "\"attach_task:read_oldcont#0\"");
    }
    SECTION("label# with no number") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"to", "attach_task:read_oldcont#"}})) ==
              "bad.json: $.schedule[0].to: expected label#k with k a positive integer, found "
              "\"attach_task:read_oldcont#\"");
    }
    SECTION("label#k with k not a number") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"to", "attach_task:read_oldcont#-1"}})) ==
              "bad.json: $.schedule[0].to: expected label#k with k a positive integer, found "
              "\"attach_task:read_oldcont#-1\"");
    }
    SECTION("unknown CPU") {
        CHECK(parse_error(step0({{"cpu", "CPU2"}, {"through", "attach_task:read_oldcont"}})) ==
              "bad.json: $.schedule[0].cpu: unknown CPU \"CPU2\" (the threads' CPUs); did you mean \"CPU0\"? expected "
              "one of: CPU0, CPU1");
    }
    SECTION("missing cpu") {
        CHECK(parse_error(step0({{"through", "attach_task:read_oldcont"}})) ==
              "bad.json: $.schedule[0]: missing required key \"cpu\"");
    }
    SECTION("two of to/through/steps") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"to", "attach_task:read_oldcont"}, {"through", "attach_task:task_lock"}})) ==
              "bad.json: $.schedule[0]: expected at most one of \"to\", \"through\", \"steps\"");
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"steps", 3}, {"through", "attach_task:task_lock"}})) ==
              "bad.json: $.schedule[0]: expected at most one of \"to\", \"through\", \"steps\"");
    }
    SECTION("steps: 0") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"steps", 0}})) ==
              "bad.json: $.schedule[0].steps: expected an integer from 1 to 1000000, found 0");
    }
    SECTION("unknown key in a step") {
        CHECK(parse_error(step0({{"cpu", "CPU0"}, {"until", "attach_task:read_oldcont"}})) ==
              "bad.json: $.schedule[0].until: unknown key; expected one of: to, cpu, steps, through, comment");
    }
}

TEST_CASE("bad input: expect", "[bad]") {
    const auto kinds = app::violation_kinds();
    REQUIRE(std::find(kinds.begin(), kinds.end(), "refcount-underflow") != kinds.end());

    SECTION("unknown key in expect") {
        CHECK(parse_error(with([](json& j) { j["expect"]["violation"] = json::array(); })) ==
              "bad.json: $.expect.violation: unknown key; did you mean \"violations\"? expected one of: violations, "
              "final, infeasible, returns, reads, explore");
    }
    SECTION("violations: unknown kind") {
        CHECK(parse_error(with([](json& j) { j["expect"]["violations"][1] = "refcount-overflow"; })) ==
              "bad.json: $.expect.violations[1]: unknown violation \"refcount-overflow\"; did you mean "
              "\"refcount-underflow\"? expected one of: refcount-underflow, refcnt-mismatch, kref-get-zero, "
              "count-mismatch, charge-underflow, double-free, rcu-misuse, internal-error, out-of-bounds, use-after-free, "
              "lock-order-inversion, kref-mismatch, bad-unlock, kernel-bug, over-limit, deadlock, sleep-in-atomic, "
              "dangling-pointer, s-active-mismatch, step-limit, leak, usage-mismatch, missed-callback, charge-mismatch, "
              "mm-users-mismatch");
    }
    SECTION("violations not an array") {
        CHECK(parse_error(with([](json& j) { j["expect"]["violations"] = "count-mismatch"; })) ==
              "bad.json: $.expect.violations: expected an array, found the string \"count-mismatch\"");
    }
    SECTION("returns: length mismatch") {
        CHECK(parse_error(with([](json& j) { j["expect"]["returns"]["CPU1"] = {0, 0}; })) ==
              "bad.json: $.expect.returns.CPU1: expected 1 results (one per op), found 2");
    }
    SECTION("returns: unknown CPU") {
        CHECK(parse_error(with([](json& j) { j["expect"]["returns"]["CPU7"] = {0}; })) ==
              "bad.json: $.expect.returns.CPU7: unknown CPU: expected a thread's CPU name");
    }
    SECTION("returns: unknown errno") {
        CHECK(parse_error(with([](json& j) { j["expect"]["returns"]["CPU0"] = {"-EFOO"}; })) ==
              "bad.json: $.expect.returns.CPU0[0]: expected 0 (or another value an op returns) or an errno name such as \"-ESRCH\", found the string "
              "\"-EFOO\"");
    }
    SECTION("returns: a nonzero number") {
        CHECK(parse_error(with([](json& j) { j["expect"]["returns"]["CPU0"] = {-3}; })) ==
              "bad.json: $.expect.returns.CPU0[0]: expected 0 (or another value an op returns) or an errno name such as \"-ESRCH\", found the number "
              "-3");
    }
    SECTION("final: unknown key") {
        CHECK(parse_error(with([](json& j) { j["expect"]["final"]["/dev/container/CS1"]["size"] = 1; })) ==
              "bad.json: $.expect.final./dev/container/CS1.size: unknown key; expected one of: gone, freed, count, "
              "tasks, s_active, refcount, number_of_containers");
    }
    SECTION("final: count of the wrong type") {
        CHECK(parse_error(with([](json& j) { j["expect"]["final"]["/dev/container/CS1"]["count"] = "-1"; })) ==
              "bad.json: $.expect.final./dev/container/CS1.count: expected an integer, found the string \"-1\"");
    }
    SECTION("final: freed of the wrong type") {
        CHECK(parse_error(with([](json& j) { j["expect"]["final"]["/dev/container/CS1"]["freed"] = 1; })) ==
              "bad.json: $.expect.final./dev/container/CS1.freed: expected a boolean, found the number 1");
    }
    SECTION("final: tasks of the wrong type") {
        CHECK(parse_error(with([](json& j) { j["expect"]["final"]["/dev/container/CS2"]["tasks"] = 100; })) ==
              "bad.json: $.expect.final./dev/container/CS2.tasks: expected an array of pids, found the number 100");
    }
    SECTION("final: a target that is not an object") {
        CHECK(parse_error(with([](json& j) { j["expect"]["final"]["/dev/container/CS1"] = -1; })) ==
              "bad.json: $.expect.final./dev/container/CS1: expected an object, found the number -1");
    }
}

TEST_CASE("bad input: a schedule that cannot be followed is reported by run_scenario", "[bad][run]") {
    SECTION("through a label the CPU never executes") {
        // CPU1 only exits: it finishes without ever executing attach_task:read_oldcont.
        std::string f = write_file("unfollowable-through.json", with([](json& j) {
                                                                     j["schedule"] = {{{"cpu", "CPU1"},
                                                                                       {"through", "attach_task:read_oldcont"}}};
                                                                 }).dump(2));
        REQUIRE(load_error(f) == kNoError);  // statically fine: the label exists
        CHECK(run_error(f) == f + ": $.schedule[0]: CPU1 finished before executing attach_task:read_oldcont (after "
                                  "step 26)");
    }
    SECTION("to the second occurrence of a label executed only once") {
        std::string f = write_file("unfollowable-to.json", with([](json& j) {
                                                               j["schedule"] = {
                                                                   {{"cpu", "CPU0"}, {"through", "attach_task:read_oldcont"}},
                                                                   {{"cpu", "CPU0"}, {"to", "attach_task:read_oldcont#2"}}};
                                                           }).dump(2));
        REQUIRE(load_error(f) == kNoError);
        CHECK(run_error(f) == f + ": $.schedule[1]: CPU0 finished before reaching attach_task:read_oldcont#2 "
                                  "(after step 23)");
    }
}

TEST_CASE("bad input: set-up failures are reported by run_scenario", "[bad][run]") {
    SECTION("a failing set-up op") {
        std::string f = write_file("setup-fails.json", with([](json& j) {
                                                           j["setup"].push_back({{"op", "attach"},
                                                                                 {"pid", 999},
                                                                                 {"path", "/dev/container/CS2"}});
                                                       }).dump(2));
        REQUIRE(load_error(f) == kNoError);
        CHECK(run_error(f) == f + ": $.setup[5]: set-up op \"attach\" failed with -ESRCH");
    }
    SECTION("mkdir of a directory that exists") {
        std::string f = write_file("setup-eexist.json", with([](json& j) {
                                                            j["setup"].push_back({{"op", "mkdir"},
                                                                                  {"path", "/dev/container/CS1"}});
                                                        }).dump(2));
        REQUIRE(load_error(f) == kNoError);
        CHECK(run_error(f) == f + ": $.setup[5]: set-up op \"mkdir\" failed with -EEXIST");
    }
    SECTION("\"as\" a task that exited earlier in set-up") {
        std::string f = write_file("setup-as-exited.json", with([](json& j) {
                                                               j["setup"].push_back({{"op", "exit"}, {"as", 100}});
                                                               j["setup"].push_back({{"op", "mkdir"},
                                                                                     {"path", "/dev/container/CS3"},
                                                                                     {"as", 100}});
                                                           }).dump(2));
        REQUIRE(load_error(f) == kNoError);
        CHECK(run_error(f) == f + ": $.setup[6].as: pid 100 does not exist at this point");
    }
    SECTION("a thread's task that exited in set-up") {
        std::string f = write_file("thread-task-exited.json", with([](json& j) {
                                                                  j["setup"].push_back({{"op", "exit"}, {"as", 100}});
                                                              }).dump(2));
        REQUIRE(load_error(f) == kNoError);
        CHECK(run_error(f) == f + ": $.threads[1].task: pid 100 does not exist after set-up");
    }
}

TEST_CASE("bad input: a bad --schedule token is reported by run_scenario", "[bad][run][token]") {
    std::string f = write_file("token.json", base().dump(2));
    auto with_token = [&](const std::string& t) {
        app::RunOptions o;
        o.token = t;
        return run_error(f, o);
    };
    CHECK(with_token("a-b") == "--schedule: schedule token 'a-b': expected a CPU letter a-z at offset 1, found '-'");
    CHECK(with_token("A3") == "--schedule: schedule token 'A3': expected a CPU letter a-z at offset 0, found 'A'");
    CHECK(with_token("3a") == "--schedule: schedule token '3a': expected a CPU letter a-z at offset 0, found '3'");
    CHECK(with_token("a0") == "--schedule: schedule token 'a0': run length 0 at offset 2");
    CHECK(with_token("a99999999") == "--schedule: schedule token 'a99999999': run length too large");
    // Well-formed, but not followable on this scenario.
    CHECK(with_token("c") == "--schedule: schedule token: step 1 picks CPU index 2, which is not a CPU of this scenario");
    CHECK(with_token("a1x") ==
          "--schedule: schedule token: step 2 picks CPU index 23, which is not a CPU of this scenario");
    CHECK(with_token("b99") ==
          "--schedule: schedule token: step 27 picks CPU index 1, which is not runnable (finished)");
    // The empty token and a good one are fine.
    CHECK(with_token("-") == kNoError);
}

TEST_CASE("friendlier set-up: a mistyped subsystem is a warning that names the nearest, not a silent -ENOENT", "[bad]") {
    json j = json::parse(R"({"name": "x", "kernel": "containers-v7",
        "threads": [{"cpu": "CPU0", "task": 1, "ops": [{"op": "mount", "path": "/dev/c", "subsystems": ["cpusets"]}]}]})");
    app::Scenario sc = app::parse_scenario(j, "bad.json");
    REQUIRE(sc.warnings.size() == 1);
    CHECK(sc.warnings[0] == "bad.json: $.threads[0].ops[0].subsystems[0]: unknown subsystem \"cpusets\" (the kernel "
                            "refuses the mount); did you mean \"cpuset\"? expected one of: cpuset, cpuacct, "
                            "ns, bc, numtasks");
}

TEST_CASE("expect.reads: an entry may list the texts any of which matches", "[bad][reads]") {
    // ops/read.json's shape: CPU0 reads /dev/container/tasks once.
    auto doc = [](const json& reads) {
        json j = json::parse(R"({"name": "r", "kernel": "containers-v7-1",
            "setup": [{"op": "mount", "path": "/dev/container"}],
            "threads": [{"cpu": "CPU0", "task": 1, "ops": [{"op": "read", "path": "/dev/container/tasks"}]}]})");
        j["expect"] = {{"reads", {{"CPU0", reads}}}};
        return j;
    };
    auto run = [](const json& j) {
        app::Scenario sc = app::parse_scenario(j, "r.json");
        return app::run_scenario(sc).mismatches;
    };
    // The read gives "": 1/7 sizes the pid array from the count, and the top's
    // count leaves init out (the_top_container_hack; scenarios/ops/read-v7-1.json).
    CHECK(run(doc(json::array({""}))).empty());
    CHECK(run(doc(json::parse(R"([["1\n", ""]])"))).empty());
    CHECK(run(doc(json::parse(R"([["0\n", "2\n"]])"))) ==
          std::vector<std::string>{"reads.CPU0: expected [[\"0\\n\",\"2\\n\"]], found [\"\"]"});
    CHECK(parse_error(doc(json::parse("[[]]"))) ==
          "bad.json: $.expect.reads.CPU0[0]: expected a text, or 1 to 16 texts any of which may be read; found 0 texts");
}

TEST_CASE("expect.final: gone says whether a directory still exists at the end", "[bad][final]") {
    auto doc = [](bool rmdir, const json& final) {
        json j = json::parse(R"({"name": "g", "kernel": "containers-v7-1",
            "setup": [{"op": "mount", "path": "/dev/container"}, {"op": "mkdir", "path": "/dev/container/A"}],
            "threads": [{"cpu": "CPU0", "task": 1, "ops": []}]})");
        if (rmdir) j["threads"][0]["ops"].push_back({{"op", "rmdir"}, {"path", "/dev/container/A"}});
        else j["threads"][0]["ops"].push_back({{"op", "mkdir"}, {"path", "/dev/container/B"}});
        j["expect"] = {{"final", final}};
        return j;
    };
    auto run = [](const json& j) {
        app::Scenario sc = app::parse_scenario(j, "g.json");
        return app::run_scenario(sc).mismatches;
    };
    const json gone = {{"/dev/container/A", {{"gone", true}}}};
    const json here = {{"/dev/container/A", {{"gone", false}}}};
    CHECK(run(doc(true, gone)).empty());
    CHECK(run(doc(false, here)).empty());
    CHECK(run(doc(false, gone)) == std::vector<std::string>{"final./dev/container/A.gone: expected true, found false"});
    CHECK(parse_error(doc(true, {{"/dev/container/A", {{"gone", 1}}}})) ==
          "bad.json: $.expect.final./dev/container/A.gone: expected a boolean, found the number 1");
}

TEST_CASE("names the kernel creates: node<N> under a known directory only where a clone or unshare may make it", "[bad]") {
    auto doc = [](bool unshare) {
        json j = json::parse(R"({"name": "n", "kernel": "containers-v7",
            "setup": [{"op": "mount", "path": "/dev/ns", "subsystems": ["ns"]}, {"op": "fork", "pid": 100}],
            "threads": [{"cpu": "CPU0", "task": 100, "ops": []},
                        {"cpu": "CPU1", "task": 1, "ops": [{"op": "rmdir", "path": "/dev/ns/node1"}]}]})");
        if (unshare) j["threads"][0]["ops"].push_back({{"op", "unshare"}, {"flags", {"CLONE_NEWUTS"}}});
        return j;
    };
    CHECK(parse_error(doc(true)) == kNoError);
    CHECK(parse_error(doc(false)) == "bad.json: $.threads[1].ops[0].path: unknown path \"/dev/ns/node1\": expected a "
                                     "mount point or a directory made by an earlier mkdir");
}
