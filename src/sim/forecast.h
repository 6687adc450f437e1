// What each CPU's coming steps will do, learnt from the runs of a search so
// far (Reductions::snapshot_order, docs/explore.md, Reductions). A step's
// marks are known only once it has run: whether its local code took a grace
// period's snapshot (synchronize_rcu() after a put, call_rcu()), whether it
// began a read-side stretch (an op's first step, a wake-up). But a CPU's n-th
// step is nearly always the same code from one run to the next (its op list
// is fixed; only the values it reads can send it another way), so the marks
// its n-th step had in the latest run that reached it are a good guess.
//
// DPOR uses the guess only to order the branches it takes: which CPU a new
// node runs first, which of a node's pending branches comes next. The order
// changes which runs are tried and how many are covered or end asleep, never
// which traces are counted (source-set DPOR is sound for any order; the
// random-program tests check the counted runs against DFS with it on and off).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/machine.h"
#include "sim/policy.h"

namespace sim {

class StepForecast {
public:
    // Each CPU's next step is its ord[c]-th (from 0).
    using Ordinals = std::array<std::uint32_t, kMaxCpus>;

    void clear();
    // A run's steps [from, steps.size()), pos[j] being step j's index among its
    // CPU's steps. `qs_begin`: the mark a snapshot conflicts with is
    // StepInfo::qs_begin (gp-ends), else StepInfo::qs.
    void learn(std::span<const StepInfo> steps, std::span<const std::uint32_t> pos, std::size_t from, bool qs_begin);
    // A whole run's steps (a probe's: the positions counted here).
    void learn(std::span<const StepInfo> steps, bool qs_begin);
    // Of `among`, the CPUs to try first: those whose next step is known not
    // to begin a read-side stretch (it cannot be the step a later snapshot
    // covers); else those with the nearest snapshot ahead (run to it before
    // the others enter the kernel, its snapshot precedes their stretches);
    // else none (0: no preference).
    CpuMask first(const Ordinals& ord, CpuMask among) const;

private:
    enum : std::uint8_t { kKnown = 1, kBegins = 2, kSnapshot = 4 };
    void recount(int cpu);
    std::array<std::vector<std::uint8_t>, kMaxCpus> marks_;  // per CPU, per ordinal
    // Per CPU, per ordinal: steps from it to the CPU's next known snapshot
    // (0: it is one), kNone if there is none ahead.
    std::array<std::vector<std::uint32_t>, kMaxCpus> to_snapshot_;
    static constexpr std::uint32_t kNone = ~std::uint32_t{0};
};

}  // namespace sim
