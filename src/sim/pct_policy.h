// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte, ASPLOS 2010): each CPU gets a random priority, the highest
// runnable one runs, and at depth-1 random steps the running CPU drops below
// every other. A bug of depth d is found with probability >= 1/(n k^(d-1))
// per run (n CPUs, k steps). Seeded with splitmix64: the same on every machine.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "sim/machine.h"
#include "sim/policy.h"

namespace sim {

class PctPolicy : public Policy {
public:
    // ncpus CPUs, k: the expected number of steps, depth: d (>= 1).
    PctPolicy(std::uint64_t seed, int ncpus, std::uint32_t k, unsigned depth);
    int choose(const Machine& m, CpuMask runnable, int current) override;

private:
    std::uint64_t next();
    std::uint64_t state_;
    std::array<int, kMaxCpus> priority_{};
    std::vector<std::uint32_t> change_at_;  // step numbers (1-based), ascending
};

// The seed of run `i` of a sampling search seeded with `seed`.
std::uint64_t run_seed(std::uint64_t seed, std::uint64_t i);

}  // namespace sim
