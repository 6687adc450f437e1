// sim::fewest_switches, the witness of every counted execution: it runs one
// CPU as far as the others let it (a bisection over its steps' clocks). The
// oracle here is the greedy it replaced, one step at a time: the same picks
// for every execution of real searches, and the same answer to `at_most`.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "app/runner.h"
#include "app/scenario.h"
#include "sim/explore.h"

namespace {

// Keep the CPU that ran last while its next step is ready (every step that
// happens before it done), else the lowest ready one; from each start, the
// first start with the fewest switches.
std::vector<int> one_step_at_a_time(const sim::Steps& st, const std::vector<sim::HbClock>& clock) {
    const std::size_t n = st.size();
    std::vector<std::vector<std::size_t>> of_cpu(sim::kMaxCpus);
    for (std::size_t j = 0; j < n; ++j) of_cpu[st[j].cpu].push_back(j);
    std::vector<int> best;
    std::size_t best_switches = ~std::size_t{0};
    for (int start = 0; start < sim::kMaxCpus; ++start) {
        if (of_cpu[start].empty()) continue;
        std::vector<std::size_t> next(sim::kMaxCpus, 0);
        auto ready = [&](int c) {
            if (next[c] >= of_cpu[c].size()) return false;
            const sim::HbClock& k = clock[of_cpu[c][next[c]]];
            for (int q = 0; q < sim::kMaxCpus; ++q)
                if (q != c && next[q] < k[q]) return false;
            return true;
        };
        std::vector<int> picks;
        std::size_t switches = 0;
        int cur = start;
        while (picks.size() < n) {
            if (!ready(cur)) {
                int c = 0;
                while (c < sim::kMaxCpus && !ready(c)) ++c;
                if (c == sim::kMaxCpus) break;
                if (!picks.empty()) ++switches;
                cur = c;
            }
            ++next[cur];
            picks.push_back(cur);
        }
        if (picks.size() == n && switches < best_switches) {
            best_switches = switches;
            best = picks;
        }
    }
    return best;
}

std::size_t switches_of(const std::vector<int>& picks) {
    std::size_t s = 0;
    for (std::size_t i = 1; i < picks.size(); ++i) s += picks[i] != picks[i - 1];
    return s;
}

}  // namespace

TEST_CASE("fewest_switches: the witness of every counted run of four searches (one of four CPUs) is the one-step-at-a-time greedy's",
          "[explore]") {
    std::uint64_t compared = 0, switches = 0;
    for (const char* file : {"scenarios/attach-exit/v7-1-cs1-negative-nearest.json",
                             "scenarios/thread/css-get-vs-rmdir-conditional-put.json", "scenarios/labs/abba-deadlock.json",
                             "bench/scenarios/v7-1-four-cpu-two-attachers-two-exits.json"}) {
        INFO(file);
        const app::Scenario sc = app::load_scenario(std::string(CONTSIM_SOURCE_DIR) + "/" + file);
        app::RunResult cur;
        auto run_once = [&](sim::Policy& p) -> const sim::Machine& {
            cur = app::RunResult{};
            app::RunOptions ro;
            ro.policy = &p;
            cur = app::run_scenario(sc, ro);
            return *cur.machine;
        };
        sim::Explorer ex(sim::ExploreOptions{});
        auto on_execution = [&](const sim::Machine& m) {
            REQUIRE(ex.clocks());
            const std::vector<sim::HbClock>& clocks = *ex.clocks();
            const std::vector<int> want = one_step_at_a_time(m.steps(), clocks);
            REQUIRE(want.size() == m.steps().size());
            CHECK(sim::fewest_switches(m.steps(), clocks) == want);
            // at_most: the same answer when some start needs no more, none otherwise.
            const std::size_t s = switches_of(want);
            CHECK(sim::fewest_switches(m.steps(), clocks, s) == want);
            if (s > 0) CHECK(sim::fewest_switches(m.steps(), clocks, s - 1).empty());
            ++compared;
            switches += s;
        };
        CHECK(ex.explore(run_once, on_execution).complete);
    }
    CHECK(compared == 528);
    CHECK(switches == 4012);
}
