// The race scan's index (sim/step_index.h): for every step it must name every
// earlier step dependent() calls dependent with it, latest first, each once,
// and stay right as the explorer cuts the path back and grows it again.
#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/explore.h"
#include "sim/step_index.h"

namespace {

// Steps over a few cells and objects (one of them a static cell's fixed id),
// with every kind of access and every flag dependent() looks at.
sim::StepInfo random_step(std::mt19937& g) {
    auto pick = [&](unsigned n) { return static_cast<unsigned>(g() % n); };
    static const std::uint32_t cells[] = {1, 2, 3, 4, 5, 0xffffffffu};
    sim::StepInfo s;
    s.cpu = static_cast<std::uint8_t>(pick(4));
    s.cell = cells[pick(6)];
    s.object = s.cell == 0xffffffffu ? 1 : 1 + s.cell % 3;
    s.access = static_cast<sim::Access>(pick(static_cast<unsigned>(sim::Access::release_shared) + 1));
    s.rcu_snapshot = pick(8) == 0;
    s.qs = pick(4) == 0;
    s.qs_begin = s.qs && pick(2) == 0;
    s.fatal = pick(40) == 0;
    if (pick(6) == 0) s.also_reads = cells[pick(6)];
    if (pick(6) == 0) s.arrives = cells[pick(6)];
    return s;
}

std::vector<std::size_t> visited(const sim::StepIndex& x, const sim::StepInfo& e) {
    std::vector<std::size_t> out;
    sim::StepIndex::Cursor c(x, e);
    for (std::size_t i; c.next(i);) out.push_back(i);
    return out;
}

}  // namespace

TEST_CASE("step index: the race scan's candidates hold every earlier dependent step latest first", "[explore][index]") {
    std::mt19937 g(2026);
    sim::Reductions none;
    none.gp_ends = none.blind_adds = none.snapshot_first = none.nonzero_decs = false;
    std::size_t pairs = 0, skipped = 0;
    for (int program = 0; program < 200; ++program) {
        std::vector<sim::StepInfo> st;
        sim::StepIndex x;
        for (int j = 0; j < 60; ++j) {
            const sim::StepInfo e = random_step(g);
            const std::vector<std::size_t> v = visited(x, e);
            REQUIRE(std::is_sorted(v.rbegin(), v.rend()));
            REQUIRE(std::adjacent_find(v.begin(), v.end()) == v.end());
            const std::set<std::size_t> seen(v.begin(), v.end());
            for (std::size_t i = 0; i < st.size(); ++i) {
                if (st[i].cpu == e.cpu) continue;
                const bool dep = sim::dependent(st[i], e) || sim::dependent(st[i], e, none);
                if (dep) {
                    INFO("program " << program << " step " << j << " against " << i);
                    REQUIRE(seen.count(i) == 1);
                    ++pairs;
                } else {
                    skipped += seen.count(i) == 0;
                }
            }
            st.push_back(e);
            x.add(e);
        }
    }
    // Exact for this seed: the index names every dependent pair, and leaves
    // out most independent ones (else it would save nothing).
    CHECK(pairs == 66876);
    CHECK(skipped == 175353);
}

TEST_CASE("step index: cut back and grown again it answers as one built afresh", "[explore][index]") {
    std::mt19937 g(7);
    sim::StepIndex grown;
    std::vector<sim::StepInfo> path;
    for (int round = 0; round < 100; ++round) {
        const std::size_t keep = path.empty() ? 0 : g() % (path.size() + 1);
        path.resize(keep);
        grown.truncate(keep);
        REQUIRE(grown.size() == keep);
        const int more = static_cast<int>(g() % 30);
        for (int k = 0; k < more; ++k) {
            path.push_back(random_step(g));
            grown.add(path.back());
        }
        sim::StepIndex fresh;
        for (const sim::StepInfo& s : path) fresh.add(s);
        for (int probe = 0; probe < 10; ++probe) {
            const sim::StepInfo e = random_step(g);
            REQUIRE(visited(grown, e) == visited(fresh, e));
        }
    }
}
