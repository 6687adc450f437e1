// Checkpoints of a run in progress (issue 14, "cheaper executions"): an
// exploration's next execution starts from the deepest decision it shares
// with the executions before it, instead of replaying its whole prefix from
// the set-up snapshot. A checkpoint is all a run's state is made of:
//  - the snapshot region's used bytes and bump pointer: the Machine, the
//    kernel and every container they own (sim/region.h);
//  - the live part of each CPU's fiber stack, from below its deepest
//    suspended frame up to the top, where Boost.Fiber keeps the fiber's
//    control block (saved registers and continuation included);
//  - the FiberAlgo's per-CPU slots.
// For that, the CPUs' fibers outlive a run: a CPU whose body is done, or that
// a stopped run leaves where it stood, parks instead of returning or
// unwinding, and the next run copies a checkpoint over all of them. Copying
// the bytes back is sound because every CPU fiber is then suspended in the
// same Boost.Fiber lists as when they were taken (the scheduler's worker
// list, in creation order, links the control blocks; the ready "queue" is
// the FiberAlgo's slots, restored too), and everything the run allocated is
// in the region, restored whole. What the model keeps outside the region is
// reset by every run (sim/region.h, "Rules"); the policy's state is its own:
// a run starts from a checkpoint only when the policy plans the picks that
// led to it (Policy::planned_picks()).
//
// A checkpoint is taken at the first decision of a run (every CPU at its
// first yield point, whatever the policy: "the root"), at the last pick the
// policy plans (DPOR: the node the run branches at, where the search comes
// back for the node's other branches and the ones below), and at each
// planned pick between the restored checkpoint and that one that the policy
// says the search returns to (Policy::returns_to(): DPOR's nodes with
// branches left), so that the run taking such a node's next branch
// replays nothing.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <boost/context/stack_context.hpp>
#include <boost/fiber/fiber.hpp>

#include "sim/fiber_algo.h"
#include "sim/machine.h"

namespace sim {

class Machine;
class Policy;
namespace region {
class Region;
}

class Checkpoints {
public:
    // Checkpoints of runs whose state lives in `r`.
    explicit Checkpoints(region::Region& r);
    ~Checkpoints();  // the fibers must have been released (release())
    Checkpoints(const Checkpoints&) = delete;
    Checkpoints& operator=(const Checkpoints&) = delete;

    // How far below a suspended CPU's deepest recorded frame (the one in
    // Machine::suspend) its stack is live: Boost.Fiber's yield, the
    // FiberAlgo and the context switch's saved registers, 96 bytes in a
    // release build (measured with a canary, 2026-12-07). Debug builds check
    // it at every checkpoint (a canary below it: Machine::suspend).
    static constexpr std::size_t kStackMargin = 1024;
    // At most this many checkpoints are kept (the path's nodes that have
    // one: 17 at most in the four-CPU bench search).
    static constexpr std::size_t kMaxKept = 64;

    // --- the runner, in the main context between runs -----------------------
    // Copies back the deepest checkpoint whose picks begin `policy`'s planned
    // picks (Policy::planned_prefix()), and plans this run's checkpoints
    // (plan()). False
    // when none applies (before the first run): the caller runs afresh, after
    // release().
    bool restore(const Policy& policy);
    // Ends the CPUs' fibers (each unwinds or returns) and forgets the
    // checkpoints. `m` is the machine they run (in the region, as its last
    // run or restore left it).
    void release(Machine& m);
    bool has_fibers() const { return !fibers_.empty(); }

    // --- the Machine ----------------------------------------------------------
    // A fresh run's steps (Machine::run): outside the region, in a buffer that
    // stays put while checkpoints are kept (sim/machine.h, StepsAllocator).
    // Room for `max_steps` (the run records no more), kBufferedSteps at most.
    static constexpr std::uint32_t kBufferedSteps = 1u << 16;
    StepsAllocator<StepInfo> steps_allocator(std::uint32_t max_steps);
    // Tests: a smaller buffer, so that runs outgrow it (their later steps then
    // go to the region and are copied). Before the first run only.
    void set_buffered_steps(std::uint32_t n) { buffered_steps_ = n; }
    // A fresh run (Machine::run): its CPUs' fibers, parked when done.
    std::vector<boost::fibers::fiber>& fibers() { return fibers_; }
    boost::context::stack_context& stack(int cpu) { return stack_[static_cast<std::size_t>(cpu)]; }
    // Whether the running CPU, at decision `step`, should hand the main
    // context a checkpoint before the decision (and then it is requested()).
    // Asked at every decision: inline, and false at once for most steps.
    bool wants(std::uint32_t step) {
        if (step != target_ && step != 0) return false;
        // plan() left a slot for the last planned pick: the nodes before it
        // take half the free ones at most.
        const bool at_target = target_ > 0 && step == target_;
        if (at_target) next_target();
        if (off_ || nkept_ >= kMaxKept) return false;
        const bool root = nkept_ == 0 && step == 0;
        const bool planned = at_target && (nkept_ == 0 || kept_[nkept_ - 1].depth < step);
        if (root || planned) requested_ = true;  // take() and restore() clear it
        return root || planned;
    }
    bool requested() const { return requested_; }
    // Main context, every CPU suspended: copies the run's state.
    void take(const Machine& m);
    // Main context, right after the fibers are created: which fiber is which
    // CPU, for release() (another machine may have run on this thread since,
    // and whenever the main context runs every CPU fiber is ready).
    void spawned();
    bool releasing() const { return releasing_; }
    // Debug builds: marks the bytes just below kStackMargin under a CPU's
    // recorded frame, which take() finds intact if the margin is enough.
    void lay_canary(int cpu, char* low);

    // Runs started from a checkpoint so far.
    std::uint64_t restored() const { return restored_; }
    // The decision the last run started from (0: the root, or a fresh run).
    std::uint32_t restored_depth() const { return restored_depth_; }

private:
    void copy(const Machine& m);  // take()'s work: may throw std::bad_alloc
    // The run's planned checkpoints (targets_), past the one restored at `from`,
    // among the policy's `n` planned picks.
    void plan(const Policy& policy, std::uint32_t from, std::size_t n);
    char* stack_bottom(std::size_t cpu) const {
        return static_cast<char*>(stack_[cpu].sp) - stack_[cpu].size;
    }
    // Debug builds: the canary's bytes just below `at` on CPU `cpu`'s stack.
    void lay_canary_below(std::size_t cpu, char* at);

    struct Checkpoint {
        std::uint32_t depth = 0;  // decisions made before it
        std::unique_ptr<char[]> bytes;  // the region's, then each CPU's stack part
        std::size_t capacity = 0;
        std::size_t region_bytes = 0;
        std::array<char*, FiberAlgo::kSlots> lo{};
        std::array<std::size_t, FiberAlgo::kSlots> len{};
        FiberAlgo::Slots slots{};
        std::uint64_t steps_hash = 0;  // debug builds: the steps before it, which the buffer keeps
    };

    region::Region& region_;
    std::vector<boost::fibers::fiber> fibers_;
    std::array<boost::context::stack_context, FiberAlgo::kSlots> stack_{};
    int ncpus_ = 0;
    std::vector<Checkpoint> kept_;  // [0, nkept_) by depth, along path_; the rest keep their buffers
    std::size_t nkept_ = 0;
    std::vector<std::uint8_t> path_;  // the picks before the deepest kept checkpoint
    std::uint32_t target_ = 0;        // the next planned checkpoint's decision (0: none but the root)
    // The planned checkpoints' decisions, in order (restore()): the nodes
    // past the restored one the policy returns_to(), then its last planned pick.
    std::vector<std::uint32_t> targets_;
    std::size_t next_ = 0;  // targets_[next_] is the one after target_
    void next_target() { target_ = next_ < targets_.size() ? targets_[next_++] : 0; }
    bool requested_ = false;
    bool releasing_ = false;
    bool off_ = false;  // the region overflowed into malloc: nothing is taken or restored
    FiberAlgo::Slots live_slots_{};  // spawned(): each CPU's fiber, ready
    std::thread::id thread_;          // the fibers' thread: only it can run or release them
    // steps_allocator()'s buffer: raw storage (untouched pages cost no memory).
    StepInfo* steps_ = nullptr;
    std::uint32_t steps_capacity_ = 0;
    std::uint32_t buffered_steps_ = kBufferedSteps;
    void free_steps();
    std::uint64_t restored_ = 0;
    std::uint32_t restored_depth_ = 0;
    const Machine* machine_ = nullptr;  // the one take() copied (in the region, at a fixed address)
};

}  // namespace sim
