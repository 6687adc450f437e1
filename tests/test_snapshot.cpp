// contsim explore restores a snapshot of boot and set-up before each execution
// (app::SnapshotRunner, sim/region.h) instead of replaying them: the report
// must be byte-identical to the fresh-run path (--no-snapshot), for every
// shipped scenario and for one and two workers.
#include "sim/asan.h"
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "sim/policy.h"
#include "sim/region.h"
#include "sim/schedule_token.h"
#include "scenario_files.h"

using nlohmann::json;

namespace {

// The three scenarios whose DPOR search has ~30,000 executions: capped, and
// with one worker only (a capped table depends on the units: one unit for
// one worker, 64 for two; test_explore_scale checks capped searches agree
// across workers at equal units).
#if CONTSIM_ASAN
// Under ASan (some 50x slower) the three-CPU attach/exit searches (about a
// thousand executions each since grace periods follow classic RCU) are big too.
bool big(const std::string& f) {
    // The searches of thousands of executions (three and four CPUs, hotplug,
    // the tasks file held open): capped here, complete in the release suite.
    for (const char* p : {"/exit-init-group-", "-three-cpu", "-four-cpus-", "-cpu-down-", "/open-tasks-file-"})
        if (f.find(p) != std::string::npos) return true;
    return false;
}
constexpr std::uint64_t kBigRuns = 300;
#else
bool big(const std::string& f) { return f.find("/exit-init-group-") != std::string::npos; }
constexpr std::uint64_t kBigRuns = 2000;
#endif

json report(const app::Scenario& sc, app::ExploreOptions o, bool snapshot) {
    o.snapshot = snapshot;
    return app::explore_report_json(app::explore_scenario(sc, o));
}

}  // namespace

TEST_CASE("explore: the same report with and without the set-up snapshot, every scenario, 1 and 2 workers",
          "[explore][snapshot]") {
    auto files = scenario_files();
    REQUIRE(files.size() > 50);
    for (const std::string& f : files) {
        app::Scenario sc = app::load_scenario(f);
        json one;
        for (unsigned jobs : {1u, 2u}) {
            if (jobs > 1 && big(f)) continue;
#if CONTSIM_ASAN
            // Under ASan (some 50x slower) two workers on the attach/exit
            // scenarios only: the release suite covers the rest (~8 min less).
            if (jobs > 1 && f.find("/attach-exit/") == std::string::npos) continue;
#endif
            INFO(f << " --jobs " << jobs);
            app::ExploreOptions o;
            o.jobs = jobs;
            if (big(f)) o.search.max_runs = kBigRuns;
            json with = report(sc, o, true);
            json without = report(sc, o, false);
            CHECK(with.dump() == without.dump());
            // Two workers cut the search into 64 units: the same table as one.
            if (jobs == 1) {
                one = with;
            } else {
                CHECK(with["outcomes"] == one["outcomes"]);
                CHECK(with["executions"] == one["executions"]);
                CHECK(with["observation"] == one["observation"]);
            }
        }
    }
}

TEST_CASE("explore: the snapshot leaves every strategy's report unchanged", "[explore][snapshot]") {
    const std::string dir = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/";
    for (const char* name : {"attach-exit/v7-1-cs1-negative-nearest.json", "attach-exit/v7-1-three-cpu-nearest.json",
                             "attach-exit/v7-group-use-after-free.json", "ops/module_param.json"}) {
        app::Scenario sc = app::load_scenario(dir + name);
        for (sim::Strategy s : {sim::Strategy::dfs, sim::Strategy::bounded, sim::Strategy::pct, sim::Strategy::random}) {
            INFO(name << " " << app::strategy_name(s));
            app::ExploreOptions o;
            o.search.strategy = s;
            o.search.preemptions = 1;
            o.runs = 200;
            if (s == sim::Strategy::dfs) o.search.max_runs = 3000;
            CHECK(report(sc, o, true).dump() == report(sc, o, false).dump());
            o.jobs = 2;
            if (s != sim::Strategy::dfs) CHECK(report(sc, o, true).dump() == report(sc, o, false).dump());
        }
        app::ExploreOptions o;
        o.from_schedule = true;
        INFO(name << " --from-schedule");
        CHECK(report(sc, o, true).dump() == report(sc, o, false).dump());
    }
}

TEST_CASE("SnapshotRunner: each restored run is the fresh run of the same schedule", "[explore][snapshot]") {
    app::Scenario sc =
        app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/v7-1-cs1-negative-nearest.json");
    auto snap = app::SnapshotRunner::create(sc, 20000);
    REQUIRE(snap);
    CHECK(snap->snapshot_bytes() > 0);
    CHECK(snap->snapshot_bytes() < 256 * 1024);  // the arena starts small inside a region
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        sim::RandomPolicy p(seed), q(seed);
        const app::RunResult& a = snap->run(p);
        app::RunOptions ro;
        ro.policy = &q;
        app::RunResult b = app::run_scenario(sc, ro);
        INFO("seed " << seed);
        CHECK(a.token == b.token);
        CHECK(a.steps == b.steps);
        CHECK(a.violation_set() == b.violation_set());
        CHECK(a.findings.size() == b.findings.size());
        for (std::size_t i = 0; i < a.findings.size() && i < b.findings.size(); ++i)
            CHECK(a.findings[i].message == b.findings[i].message);
        CHECK(a.matches == b.matches);
        CHECK(a.nodes.size() == b.nodes.size());
    }
}

TEST_CASE("SnapshotRunner: a run finished when asked is the run finished at once", "[explore][snapshot]") {
    // The explorer finishes (token, end-of-run checks, final state, expect)
    // only the runs it counts: result() after run_threads_only() must give
    // what run() gives.
    app::Scenario sc =
        app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/v7-exit-first-leak.json");
    auto snap = app::SnapshotRunner::create(sc, 20000);
    REQUIRE(snap);
    CHECK_THROWS_AS(snap->result(), std::logic_error);
    CHECK_THROWS_WITH(snap->result(), "SnapshotRunner::result() before a run");
    // Two of `contsim explore`'s witnesses (the second leaks the new group:
    // found by the end-of-run checks), then random runs.
    std::vector<std::function<std::unique_ptr<sim::Policy>()>> policies;
    for (const char* token : {"a77b39", "a14b36a44b3"})
        policies.push_back([token] {
            std::string err;
            return std::make_unique<sim::ReplayPolicy>(*sim::decode_token(token, err));
        });
    for (std::uint64_t seed = 1; seed <= 20; ++seed)
        policies.push_back([seed] { return std::make_unique<sim::RandomPolicy>(seed); });
    std::size_t checks_found = 0;  // runs in which the end-of-run checks added a finding
    for (std::size_t n = 0; n < policies.size(); ++n) {
        INFO("policy " << n);
        auto p = policies[n](), q = policies[n]();
        const sim::Machine& m = snap->run_threads_only(*p);
        const std::uint32_t steps = m.step();
        const app::RunResult& a = snap->result();
        CHECK(&snap->result() == &a);  // finished once
        const std::string token = a.token;
        const std::vector<std::string> kinds = a.violation_set();
        const std::size_t findings = a.findings.size(), nodes = a.nodes.size();
        const bool matches = a.matches;
        CHECK(a.steps == steps);
        checks_found += findings > m.findings().size();
        const app::RunResult& b = snap->run(*q);
        CHECK(b.token == token);
        CHECK(b.violation_set() == kinds);
        CHECK(b.findings.size() == findings);
        CHECK(b.nodes.size() == nodes);
        CHECK(b.matches == matches);
    }
    CHECK(checks_found > 0);  // the deferred checks had something to find
}

TEST_CASE("sim::region: bump allocation, no-op delete, pause, snapshot and restore", "[sim][snapshot]") {
    auto r = sim::region::Region::create();
    REQUIRE(r);
    CHECK_FALSE(sim::region::active());
    std::string* kept;
    std::vector<int>* v;
    {
        sim::region::Scope in(*r);
        CHECK(sim::region::active());
        kept = new std::string(100, 'x');
        CHECK(sim::region::contains(kept));
        CHECK(sim::region::contains(kept->data()));
        v = new std::vector<int>{1, 2, 3};
        {
            sim::region::Pause out;
            CHECK_FALSE(sim::region::active());
            auto* outside = new int(7);
            CHECK_FALSE(sim::region::contains(outside));
            delete outside;
            {
                sim::region::Resume back;
                CHECK(sim::region::active());
            }
            CHECK_FALSE(sim::region::active());
        }
        CHECK(sim::region::active());
    }
    CHECK_FALSE(sim::region::active());
    const std::size_t used = r->used();
    r->snapshot();
    CHECK(r->snapshot_size() == used);
    {
        sim::region::Scope in(*r);
        kept->assign(200, 'y');  // a new buffer past the snapshot
        v->push_back(4);
        delete new std::string(1000, 'z');  // delete inside the region: nothing happens
    }
    CHECK(r->used() > used);
    CHECK(*kept == std::string(200, 'y'));
    r->restore();
    CHECK(r->used() == used);
    CHECK(*kept == std::string(100, 'x'));
    CHECK(*v == std::vector<int>{1, 2, 3});
    CHECK(r->overflows() == 0);
    r.reset();  // unmapped: never touch kept or v again
    int* after = new int(1);
    CHECK_FALSE(sim::region::contains(after));
    delete after;
}
