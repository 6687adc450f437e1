// Exhaustive exploration of the interleavings of a run's CPUs. Stateless: every
// execution is re-run from scratch by a caller-supplied callback (a fresh
// Machine each time), driven by the explorer's policy, which replays a prefix
// of choices and then extends it. Two strategies:
//
//   dfs   every sequence of choices among the runnable CPUs (plain DFS; the
//         number of executions is the number of interleavings)
//   dpor  source-set DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas,
//         "Optimal Dynamic Partial Order Reduction", POPL 2014, Algorithm 1):
//         at least one execution per Mazurkiewicz trace, where two steps of
//         different CPUs are dependent when they touch the same cell and one
//         of them writes (see `dependent`)
//
// Generic: it sees only StepInfo (CPU, cell id, owner serial, access kind).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/machine.h"
#include "sim/policy.h"

namespace sim {

enum class Strategy { dpor, dfs };

struct ExploreOptions {
    Strategy strategy = Strategy::dpor;
    std::uint64_t max_runs = 0;  // 0: unbounded
    double time_limit = 0;       // seconds of wall time; 0: unbounded
};

struct ExploreStats {
    std::uint64_t executions = 0;     // complete executions (handed to on_execution)
    std::uint64_t sleep_blocked = 0;  // DPOR runs cut short: every runnable CPU was asleep
    std::uint64_t runs = 0;           // executions + sleep_blocked
    std::uint64_t races = 0;          // races analysed (DPOR)
    std::size_t longest = 0;          // most steps in one execution
    bool complete = false;            // the search space was exhausted
    std::string bound;                // "max-runs" or "time-limit" when one stopped the search
};

// May steps a and b (of different CPUs) not commute? Same cell and not both
// reads; a kfree conflicts with every access to its object; two allocations
// commute; RCU read-side lock/unlock of different CPUs commute with each other
// but not with synchronize_rcu (or the step whose local code snapshotted the
// readers for it); acquire and release of one lock conflict.
bool dependent(const StepInfo& a, const StepInfo& b);

// A linearisation of the same trace as `steps` (same happens-before order of
// dependent steps) with few context switches: greedy, keep the CPU that ran
// last while its next step is ready, tried from each starting CPU. Returns the
// CPU of each step; empty when no CPU can start (never for a real execution).
std::vector<int> fewest_switches(const std::vector<StepInfo>& steps);

class Explorer {
public:
    explicit Explorer(ExploreOptions o) : opt_(o) {}

    // run_once builds a fresh machine, calls set_exploring(true) before the run
    // to explore, runs it under the given policy and returns the machine (which
    // must stay alive until the next call). on_execution is called after each
    // complete execution (not for DPOR's sleep-blocked ones), with that machine.
    // Throws std::runtime_error when a replay diverges (a nondeterministic model).
    using RunOnce = std::function<const Machine&(Policy&)>;
    using OnExecution = std::function<void(const Machine&)>;
    ExploreStats explore(const RunOnce& run_once, const OnExecution& on_execution);

private:
    friend class ExplorePolicy;
    struct Node {
        CpuMask enabled = 0;
        CpuMask backtrack = 0;  // CPUs to explore from here
        CpuMask done = 0;       // CPUs explored from here
        CpuMask sleep = 0;      // DPOR: asleep on entry, plus done
        int chosen = -1;        // the CPU taken in the current execution
        std::array<StepInfo, kMaxCpus> asleep{};  // the next step of each sleeping CPU
    };

    int choose(Machine& m, CpuMask runnable, int current);
    void analyse(const Machine& m);
    void race(std::size_t i, std::size_t j, const StepInfo& ej, const std::array<std::uint32_t, kMaxCpus>& cj);
    bool backtrack(const Machine& m);

    ExploreOptions opt_;
    std::vector<Node> nodes_;   // the current path: nodes_[k] is the state before step k
    std::size_t replay_ = 0;    // nodes_[0..replay_) are replayed in the next execution
    bool blocked_ = false;      // this execution was stopped asleep
    std::string diverged_;
    ExploreStats stats_;
    // DPOR analysis scratch (kept to avoid reallocating per execution).
    std::vector<StepInfo> ev_;
    std::vector<std::uint32_t> pos_;                          // index of the event within its CPU
    std::vector<std::array<std::uint32_t, kMaxCpus>> clock_;  // happens-before vector clocks
    std::vector<std::size_t> pending_races_;
};

}  // namespace sim
