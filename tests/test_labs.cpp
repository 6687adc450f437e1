// Kernel "lab": each of the eight labs fires its check from the scenario file
// (exact finding text on the drawn order), its search finds the bug, and its
// fixed version is clean in every execution; plus the lab kernel's own edge
// cases (NULL through a pointer, an unlock not held, a failed kmalloc).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "cli_runner.h"

using nlohmann::json;

namespace {

std::vector<std::string> messages(const std::string& file) {
    app::Scenario sc = app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/labs/" + file);
    app::RunResult r = app::run_scenario(sc);
    CHECK(r.matches);
    std::vector<std::string> out;
    for (const auto& f : r.findings) out.push_back(f.kind + " | " + f.message);
    return out;
}

// The search's verdict on violations and its observation of the run expectations.
std::pair<std::string, std::string> search(const std::string& file) {
    test_cli::Cli c = test_cli::contsim("explore scenarios/labs/" + file + " --format json");
    json j = json::parse(c.out);
    REQUIRE(j["complete"] == true);
    return {j["violation_verdict"].get<std::string>(), j["observation"]["verdict"].get<std::string>()};
}

app::RunResult run_text(const std::string& text) {
    static std::vector<app::Scenario> keep;  // a RunResult points into its scenario
    keep.push_back(app::parse_scenario_text(text, "lab.json"));
    return app::run_scenario(keep.back());
}

}  // namespace

TEST_CASE("labs: each drawn order shows its bug, with the kernel's own report", "[labs]") {
    CHECK(messages("lost-update.json").empty());  // a value, not a finding: expect.final says x is 1
    CHECK(messages("abba-deadlock.json") ==
          std::vector<std::string>{"deadlock | BUG: deadlock: every unfinished CPU is blocked after step 2"});
    CHECK(messages("lock-order-inversion.json") ==
          std::vector<std::string>{"lock-order-inversion | BUG: possible circular locking dependency: CPU0 "
                                   "(spin_lock:A) takes A at step 2 while holding B; the order A -> B was taken "
                                   "during set-up (spin_lock:B)"});
    CHECK(messages("sleep-in-atomic.json") ==
          std::vector<std::string>{"sleep-in-atomic | BUG: sleeping function called from invalid context: CPU0 "
                                   "kmalloc(GFP_KERNEL) at step 2 (kmalloc:buf) while holding lock (taken at step 1)"});
    CHECK(messages("rcu-reader-without-lock.json") ==
          std::vector<std::string>{"use-after-free | BUG: use-after-free: CPU0 load reads d->val at step 5 (load:d); d "
                                   "was freed at step 4 by CPU1 (kfree:d)"});
    CHECK(messages("kref-put-without-get.json") ==
          std::vector<std::string>{
              "use-after-free | BUG: use-after-free: CPU0 kref_get modifies r->kref at step 4 (kref_get:r); r was "
              "freed at step 3 by CPU1 (kref_release:r)",
              "kref-get-zero | WARNING: kref_get() on a zero refcount: r->kref 0 -> 1 at step 4 (CPU0 kref_get); put "
              "to 0 at step 2 (CPU1 kref_put)",
              "double-free | BUG: double free: CPU0 (kref_release:r) frees r at step 7; already freed at step 3 by CPU1 "
              "(kref_release:r)"});
    CHECK(messages("double-kfree.json") ==
          std::vector<std::string>{"double-free | BUG: double free: CPU1 (kfree:buf) frees buf at step 6; already "
                                   "freed at step 4 by CPU0 (kfree:buf)"});
    CHECK(messages("check-then-act.json") ==
          std::vector<std::string>{
              "leak | BUG: memory leak: buf(1) (object) is still allocated but nothing live reaches it"});
}

TEST_CASE("labs: the search finds each bug, and each fixed version is clean in every execution", "[labs][cli]") {
    using V = std::pair<std::string, std::string>;
    // A lost update shows in the run expectations (x = 1), not as a violation.
    CHECK(search("lost-update.json") == V{"never", "Sometimes"});
    CHECK(search("lost-update-fixed.json") == V{"never", "Always"});
    CHECK(search("abba-deadlock.json").first == "always");  // a deadlock, or lockdep's warning on the way
    CHECK(search("lock-order-inversion.json").first == "always");
    CHECK(search("sleep-in-atomic.json").first == "always");
    for (const char* f : {"rcu-reader-without-lock.json", "kref-put-without-get.json", "double-kfree.json",
                          "check-then-act.json"})
        CHECK(search(f).first == "sometimes");
    for (const char* f : {"abba-deadlock-fixed.json", "lock-order-inversion-fixed.json", "sleep-in-atomic-fixed.json",
                          "rcu-reader-without-lock-fixed.json", "kref-put-without-get-fixed.json",
                          "double-kfree-fixed.json", "check-then-act-fixed.json"}) {
        INFO(f);
        CHECK(search(f) == V{"never", "Always"});
    }
}

TEST_CASE("labs: the RCU lab's bug needs CONFIG_PREEMPT (classic RCU protects all kernel code between sleeps)",
          "[labs]") {
    app::Scenario sc = app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/labs/rcu-reader-without-lock.json");
    app::ExploreResult with = app::explore_scenario(sc, {});
    CHECK(with.violation_reachable());
    sc.config["PREEMPT"] = false;
    app::ExploreResult without = app::explore_scenario(sc, {});
    REQUIRE(without.stats.complete);
    CHECK(!without.violation_reachable());
}

TEST_CASE("labels FILE: a lab's labels name the file's objects", "[labs][cli]") {
    test_cli::Cli c = test_cli::contsim("labels scenarios/labs/abba-deadlock.json");
    CHECK(c.status == 0);
    CHECK(c.out.find("mutex_lock:A                                         mutex_lock(&A);\n") != std::string::npos);
    CHECK(c.out.find("mutex_unlock:B                                       mutex_unlock(&B);\n") != std::string::npos);
    test_cli::Cli none = test_cli::contsim("labels");
    CHECK(none.status == 2);
    CHECK(none.err == "contsim: labels: give --kernel K or a scenario FILE (one of them)\n");
}

TEST_CASE("lab kernel: NULL through a pointer is an oops, not a crash", "[labs]") {
    app::RunResult r = run_text(R"({"name": "t", "kernel": "lab",
        "objects": {"d": "object", "gp": {"type": "pointer", "value": null}},
        "threads": [{"cpu": "CPU0", "task": 1, "ops": [
            {"op": "rcu_dereference", "object": "gp", "as": "p"},
            {"op": "load", "via": "p"}]}]})");
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].kind == "kernel-bug");
    CHECK(r.findings[0].message.find("the pointer is NULL") != std::string::npos);
}

TEST_CASE("lab kernel: unlocking a mutex the CPU does not hold is a bad unlock", "[labs]") {
    app::RunResult r = run_text(R"({"name": "t", "kernel": "lab", "objects": {"A": "mutex"},
        "threads": [{"cpu": "CPU0", "task": 1, "ops": [{"op": "mutex_unlock", "object": "A"}]}]})");
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].message == "BUG: bad unlock balance: CPU0 releases A at step 1 (mutex_unlock:A) but does not hold it");
}

TEST_CASE("lab kernel: a failed kmalloc returns -ENOMEM and leaves the pointer NULL", "[labs]") {
    app::RunResult r = run_text(R"({"name": "t", "kernel": "lab", "objects": {"b": {"type": "object", "allocated": false}},
        "fail_alloc": [{"site": "kmalloc"}],
        "threads": [{"cpu": "CPU0", "task": 1, "ops": [
            {"op": "kmalloc", "object": "b", "as": "e"},
            {"op": "store", "object": "b", "value": 1, "if": "e == 0"},
            {"op": "store", "object": "b", "value": 2}]}]})");
    REQUIRE(r.threads.size() == 1);
    CHECK(r.threads[0].returns == std::vector<int>{-ENOMEM});  // the second store oopsed: no return
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].kind == "kernel-bug");
    CHECK(r.findings[0].message.find("b is NULL") != std::string::npos);
}
