#include "sim/pct_policy.h"

#include <algorithm>

namespace sim {

namespace {
std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
}  // namespace

std::uint64_t run_seed(std::uint64_t seed, std::uint64_t i) {
    std::uint64_t s = seed ^ (i * 0xd1b54a32d192ed03ULL);
    return splitmix64(s);
}

std::uint64_t PctPolicy::next() { return splitmix64(state_); }

PctPolicy::PctPolicy(std::uint64_t seed, int ncpus, std::uint32_t k, unsigned depth) : state_(seed) {
    // Initial priorities: a random permutation of depth .. depth+n-1 (higher runs first).
    std::vector<int> prio;
    for (int c = 0; c < ncpus; ++c) prio.push_back(static_cast<int>(depth) + c);
    for (int c = ncpus - 1; c > 0; --c) std::swap(prio[c], prio[next() % static_cast<std::uint64_t>(c + 1)]);
    for (int c = 0; c < ncpus && c < kMaxCpus; ++c) priority_[c] = prio[c];
    // depth-1 priority change points in [1, k].
    for (unsigned i = 1; i < depth; ++i) change_at_.push_back(static_cast<std::uint32_t>(next() % std::max(k, 1u)) + 1);
}

int PctPolicy::choose(const Machine& m, CpuMask runnable, int current) {
    const std::uint32_t step = m.step() + 1;
    // At change point i (1-based, in draw order) the running CPU gets priority i,
    // below every initial priority.
    for (std::size_t i = 0; i < change_at_.size(); ++i)
        if (change_at_[i] == step && current >= 0) priority_[current] = static_cast<int>(i) + 1;
    int best = -1;
    for (CpuMask s = runnable; s; s &= s - 1) {
        int c = __builtin_ctz(s);
        if (best < 0 || priority_[c] > priority_[best]) best = c;
    }
    return best;
}

}  // namespace sim
