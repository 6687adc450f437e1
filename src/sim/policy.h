// Who runs next. A policy sees the runnable CPUs at each yield point and picks
// one; the Machine records every pick so any run can be replayed by token.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

class Machine;

using CpuMask = std::uint32_t;

class Policy {
public:
    virtual ~Policy() = default;
    // Returns the CPU index to run the next step, from `runnable` (never empty).
    virtual int choose(const Machine& m, CpuMask runnable, int current) = 0;
    // Checkpoints (sim/checkpoint.h): how many of the next run's first picks
    // this policy knows before the run starts, whatever it sees on the way
    // (an explorer's replayed path), and each of them. A run may start from
    // a checkpoint taken after any prefix of them: choose() is then called
    // from that step on. None by default: a run starts from its first pick.
    virtual std::size_t planned_picks() const { return 0; }
    virtual int planned_pick(std::size_t) const { return -1; }
    // Whether the search will come back to the state before planned pick k
    // (0 < k < planned_picks() - 1) for another pick there: the run then
    // keeps a checkpoint at it too, not only at its last planned pick.
    virtual bool returns_to(std::size_t) const { return false; }
    // How many of `picks` begin the planned ones (a policy may answer
    // without a call per pick).
    virtual std::size_t planned_prefix(const std::vector<std::uint8_t>& picks) const {
        const std::size_t n = std::min(planned_picks(), picks.size());
        std::size_t same = 0;
        while (same < n && planned_pick(same) == picks[same]) ++same;
        return same;
    }
};

// Each thread runs to completion in the order listed: the lowest-index
// runnable CPU always goes next.
class SerialPolicy : public Policy {
public:
    int choose(const Machine& m, CpuMask runnable, int current) override;
};

// A seeded pseudo-random pick (splitmix64: the same sequence on every machine).
class RandomPolicy : public Policy {
public:
    explicit RandomPolicy(std::uint64_t seed) : state_(seed) {}
    int choose(const Machine& m, CpuMask runnable, int current) override;

private:
    std::uint64_t state_;
};

// Follows a recorded sequence of picks (from a schedule token); afterwards
// falls back to serial. A pick that is not runnable stops the run with an error.
class ReplayPolicy : public Policy {
public:
    explicit ReplayPolicy(std::vector<int> picks) : picks_(std::move(picks)) {}
    int choose(const Machine& m, CpuMask runnable, int current) override;
    std::size_t unused() const { return picks_.size() - next_; }

private:
    std::vector<int> picks_;
    std::size_t next_ = 0;
    SerialPolicy after_;
};

int lowest_cpu(CpuMask mask);

}  // namespace sim
