// Checkpoints (sim/checkpoint.h): an exploration's run started from a
// checkpoint of an earlier one must be the run it replaces, step for step,
// follow the picks the explorer planned, and leave the file's expressions
// as it found them. The random programs
// of test_explore.cpp compare whole searches with and without them; here,
// scenarios of the real kernels, each run against a fresh run of its picks.
#include "sim/asan.h"
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/explore.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "sim/checkpoint.h"
#include "sim/explore.h"
#include "sim/policy.h"
#include "sim/region.h"
#include "sim/schedule_token.h"
#include "steps_text.h"

namespace {

struct Figures {
    std::uint64_t runs = 0, counted = 0, restored = 0, planned = 0, outgrown = 0;
    // Planned picks run again: after the checkpoint a run started from, up
    // to its last planned one (the branch it takes).
    std::uint64_t replayed = 0;
    // Runs restored from a checkpoint whose steps are in the buffer outside
    // the region, and from one taken after they outgrew it.
    std::uint64_t from_buffer = 0, from_region = 0;
    void add(const Figures& o) {
        from_buffer += o.from_buffer;
        from_region += o.from_region;
        runs += o.runs;
        counted += o.counted;
        restored += o.restored;
        planned += o.planned;
        replayed += o.replayed;
        outgrown += o.outgrown;
    }
};

// A DPOR search of `file` through a checkpointing SnapshotRunner, each run
// compared with run_scenario() replaying the same picks (a fresh machine on
// the same thread, between two restores), each counted run's result with
// the fresh run of its token.
// `buffered`: the steps the buffer outside the region holds (Checkpoints::
// set_buffered_steps()); a run's later steps go to the region.
Figures compare_with_fresh_runs(const std::string& file, std::uint32_t buffered = sim::Checkpoints::kBufferedSteps,
                                const sim::ExploreOptions& options = {}) {
    INFO(file << ", " << buffered << " steps outside the region");
    const app::Scenario sc = app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/scenarios/" + file);
    auto snap = app::SnapshotRunner::create(sc, 20000, true);
    REQUIRE(snap);
    REQUIRE(snap->checkpoints());
    snap->checkpoints()->set_buffered_steps(buffered);
    Figures f;
    auto run_once = [&](sim::Policy& p) -> const sim::Machine& {
        std::vector<int> planned;  // the picks the explorer replays: the checkpoint must lead to them
        for (std::size_t k = 0; k < p.planned_picks(); ++k) planned.push_back(p.planned_pick(k));
        const sim::Machine& m = snap->run_threads_only(p);
        ++f.runs;
        // The steps stay in the buffer outside the region until they outgrow it.
        CHECK(sim::region::contains(m.steps().data()) == (m.steps().size() > buffered));
        if (m.steps().size() > buffered) ++f.outgrown;
        const std::uint32_t depth = snap->checkpoints()->restored_depth();
        if (depth > buffered)
            ++f.from_region;
        else if (depth > 0)
            ++f.from_buffer;
        REQUIRE(m.steps().size() >= planned.size());
        for (std::size_t k = 0; k < planned.size(); ++k) CHECK(m.steps()[k].cpu == planned[k]);
        f.planned += planned.size();
        if (!planned.empty()) f.replayed += planned.size() - 1 - depth;
        std::vector<int> picks;
        for (const sim::StepInfo& s : m.steps()) picks.push_back(s.cpu);
        sim::ReplayPolicy replay(picks);  // then serial: a stopped run's steps are a prefix
        app::RunOptions ro;
        ro.policy = &replay;
        const app::RunResult fresh = app::run_scenario(sc, ro);
        INFO("run " << f.runs);
        CHECK(steps_text(fresh.machine->steps(), picks.size()) == steps_text(m.steps(), picks.size()));
        return m;
    };
    auto on_execution = [&](const sim::Machine&) {
        const app::RunResult& a = snap->result();
        std::string err;
        sim::ReplayPolicy replay(*sim::decode_token(a.token, err));
        app::RunOptions ro;
        ro.policy = &replay;
        const app::RunResult b = app::run_scenario(sc, ro);
        INFO("counted run " << f.counted << ", token " << a.token);
        CHECK(b.token == a.token);
        CHECK(b.violation_set() == a.violation_set());
        REQUIRE(b.findings.size() == a.findings.size());
        for (std::size_t i = 0; i < a.findings.size(); ++i) CHECK(b.findings[i].message == a.findings[i].message);
        REQUIRE(b.threads.size() == a.threads.size());
        for (std::size_t i = 0; i < a.threads.size(); ++i) {
            CHECK(b.threads[i].returns == a.threads[i].returns);
            CHECK(b.threads[i].reads == a.threads[i].reads);
        }
        CHECK(b.nodes.size() == a.nodes.size());
        CHECK(b.matches == a.matches);
        ++f.counted;
    };
    sim::Explorer ex(options);
    const sim::ExploreStats st = ex.explore(run_once, on_execution);
    CHECK(st.complete == !options.max_runs);
    // A first try snapshot-sleep could not vouch for, then the search, each
    // after snapshot-order's probe.
    CHECK(st.runs + st.discarded + st.probes == f.runs);
    f.restored = snap->checkpoints()->restored();
    CHECK(f.restored == f.runs - 1);  // all but the first
    return f;
}

}  // namespace

TEST_CASE("Checkpoints: every run of a search started from one is the fresh run of its picks", "[explore][checkpoint]") {
    // The seed race; a data-flow op whose copy spans its steps; a deadlock
    // (every CPU stops where it stands); a NULL dereference (an oops stops
    // the run); injected allocation failures.
    Figures all;
    for (const char* file : {"attach-exit/v7-1-cs1-negative-nearest.json", "thread/css-get-vs-rmdir-conditional-put.json",
                             "labs/abba-deadlock.json", "unmentioned/umount-vs-clone-null-sb.json", "attach-exit/v7-1-three-cpu.json",
                             "ops/fail_alloc.json"})
        all.add(compare_with_fresh_runs(file));
    CHECK(all.runs == 362);
    CHECK(all.counted == 211);  // with the 46 of a first try snapshot-sleep could not vouch for (an oops)
    CHECK(all.restored == 356);
    CHECK(all.planned == 11153);
    // A checkpoint at each replayed node with branches left too, not only at
    // the branch node (Policy::returns_to()): 4,433 without.
    CHECK(all.replayed == 2877);
    CHECK(all.outgrown == 0);
    CHECK(all.from_buffer == 318);  // restored at a branch node (the other 38 restores are of the root)
    CHECK(all.from_region == 0);
}

TEST_CASE("Checkpoints: runs whose steps outgrow the buffer outside the region are the fresh runs too",
          "[explore][checkpoint]") {
    // Six steps outside the region: the later steps of all runs but one
    // (stopped sooner) move into the region, and the runs restore
    // checkpoints taken on both sides of the move.
    Figures all;
    for (const char* file : {"attach-exit/v7-1-cs1-negative-nearest.json", "thread/css-get-vs-rmdir-conditional-put.json",
                             "labs/abba-deadlock.json", "attach-exit/v7-1-three-cpu.json"})
        all.add(compare_with_fresh_runs(file, 6));
    CHECK(all.runs == 258);
    CHECK(all.restored == 254);
    CHECK(all.outgrown == 257);
    CHECK(all.replayed == 1832);  // 2,956 with checkpoints at branch nodes only
    CHECK(all.from_buffer == 36);
    CHECK(all.from_region == 198);
}

TEST_CASE("Checkpoints: a DFS search with more nodes to come back to than checkpoints kept still starts each run "
          "near its branch node", "[explore][checkpoint]") {
    // Nearly every node of a DFS path has branches left (no sleep sets), and
    // the four-CPU 1/7 search's paths are longer than the 64 checkpoints
    // kept: the nodes above a run's branch node take at most half the free
    // slots, the deepest first, and never the branch node's.
    sim::ExploreOptions dfs;
    dfs.strategy = sim::Strategy::dfs;
    dfs.max_runs = 300;
    const Figures f = compare_with_fresh_runs("../bench/scenarios/v7-1-four-cpu-two-attachers-two-exits.json",
                                              sim::Checkpoints::kBufferedSteps, dfs);
    CHECK(f.runs == 300);
    CHECK(f.restored == 299);
    // 2,438 with checkpoints at branch nodes only, 2,600 with every free
    // slot to the nodes above, 6,434 when those could take the last one.
    CHECK(f.replayed == 406);
}

TEST_CASE("StepsAllocator: the buffer serves the reserve of its whole capacity and is never freed - a copy of the steps has its own memory",
          "[explore][checkpoint]") {
    std::vector<sim::StepInfo> buffer(4);
    const sim::StepsAllocator<sim::StepInfo> outside(buffer.data(), buffer.size() * sizeof(sim::StepInfo));
    sim::Steps small(outside);
    small.reserve(2);  // not the buffer's capacity: an ordinary allocation
    CHECK(small.data() != buffer.data());
    sim::Steps steps(outside);
    steps.reserve(4);
    REQUIRE(steps.data() == buffer.data());
    for (std::uint32_t i = 1; i <= 4; ++i) steps.emplace_back().cell = i;
    CHECK(steps.data() == buffer.data());
    steps.emplace_back().cell = 5;  // past the buffer: moved out, the buffer left as it was
    CHECK(steps.data() != buffer.data());
    CHECK(buffer[3].cell == 4);
    CHECK(steps[4].cell == 5);
    sim::Steps back(outside);
    back.reserve(4);
    back.emplace_back().cell = 9;
    const sim::Steps copy = back;  // a copy has its own memory
    CHECK(copy.data() != buffer.data());
    CHECK(copy[0].cell == 9);
    CHECK(buffer[0].cell == 9);
}

TEST_CASE("Checkpoints: a search leaves the file's expressions as it found them", "[explore][checkpoint]") {
    // CPU1's css_put runs only if its css_get returned 0: the op's condition
    // is the file's, shared by every run. A run restored from a checkpoint
    // taken during an op must not release what the op's copy held (op_flow.cpp).
    app::Scenario sc = app::load_scenario(std::string(CONTSIM_SOURCE_DIR) +
                                          "/scenarios/thread/css-get-vs-rmdir-conditional-put.json");
    const app::Op& put = sc.threads.at(1).ops.at(1);
    REQUIRE(put.flow.cond);
    const long before = put.flow.cond.use_count();
    app::ExploreOptions o;
    const app::ExploreResult with = app::explore_scenario(sc, o);
    CHECK(put.flow.cond.use_count() == before);
    o.checkpoints = false;
    const app::ExploreResult without = app::explore_scenario(sc, o);
    CHECK(app::explore_report_json(with)["outcomes"] == app::explore_report_json(without)["outcomes"]);
    CHECK(with.stats.executions == without.stats.executions);
    CHECK(with.stats.runs == without.stats.runs);
}
