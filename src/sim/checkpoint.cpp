#include "sim/checkpoint.h"
#include "sim/asan.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "sim/machine.h"
#include "sim/policy.h"
#include "sim/region.h"

#if CONTSIM_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace sim {

namespace {

// A stack part holds the redzones ASan poisoned for the frames live in it.
// Copying it out must not trip over them, and after a copy back the shadow
// describes the frames that were there before: clear it. (The restored
// frames lose their redzones; frames pushed later get theirs as usual.)
void unpoison(char* p, std::size_t n) {
#if CONTSIM_ASAN
    ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
    (void)p, (void)n;
#endif
}

constexpr std::size_t kCanary = 256;
constexpr unsigned char kCanaryByte = 0xa5;

}  // namespace

Checkpoints::Checkpoints(region::Region& r) : region_(r) {}

Checkpoints::~Checkpoints() {
    if (!fibers_.empty()) {
        // A fiber handle still joinable would call std::terminate: say why first.
        std::fprintf(stderr, "contsim: internal error: checkpoints destroyed with their CPUs' fibers alive\n");
        std::abort();
    }
    free_steps();
}

void Checkpoints::lay_canary_below(std::size_t cpu, char* at) {
    if (at - stack_bottom(cpu) < static_cast<std::ptrdiff_t>(kCanary)) return;
    unpoison(at - kCanary, kCanary);
    std::memset(at - kCanary, kCanaryByte, kCanary);
}

#ifndef NDEBUG
namespace {
// FNV-1a over the first `n` steps' bytes: the buffer outside the region must
// hold, at a restore, what it held when the checkpoint was taken.
std::uint64_t steps_hash(const Steps& steps, std::size_t n) {
    const auto* p = reinterpret_cast<const unsigned char*>(steps.data());
    std::uint64_t h = 14695981039346656037ull;
    for (std::size_t i = 0; i < std::min(n, steps.size()) * sizeof(StepInfo); ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}
}  // namespace
#endif

void Checkpoints::lay_canary(int cpu, char* low) { lay_canary_below(static_cast<std::size_t>(cpu), low - kStackMargin); }

void Checkpoints::take(const Machine& m) {
    requested_ = false;
    if (region_.overflows() != 0 || !m.exploring()) {
        off_ = true;  // state outside the region, or no record of the picks
        nkept_ = 0;
        return;
    }
    region::Pause outside;  // the checkpoints outlive every restore
    try {
        copy(m);
    } catch (const std::bad_alloc&) {
        off_ = true;  // no room for checkpoints: the search goes on without them
        nkept_ = 0;
    }
}

void Checkpoints::copy(const Machine& m) {
    ncpus_ = m.ncpus();
    if (nkept_ == kept_.size()) kept_.emplace_back();
    Checkpoint& c = kept_[nkept_];
    c.depth = m.step();
    c.region_bytes = region_.used();
    std::size_t total = c.region_bytes;
    for (int i = 0; i < ncpus_; ++i) {
        const auto u = static_cast<std::size_t>(i);
        char* top = static_cast<char*>(stack_[u].sp);
        char* bottom = stack_bottom(u);
        char* low = static_cast<char*>(m.fiber_low(i));
        char* lo = low && low - bottom > static_cast<std::ptrdiff_t>(kStackMargin) ? low - kStackMargin : bottom;
#ifndef NDEBUG
        // The canary Machine::suspend laid below the margin: intact unless
        // the suspension went deeper than kStackMargin (then the copy would
        // miss live bytes).
        if (lo - bottom >= static_cast<std::ptrdiff_t>(kCanary)) {
            unpoison(lo - kCanary, kCanary);
            for (std::size_t b = 0; b < kCanary; ++b)
                if (static_cast<unsigned char>(lo[-1 - static_cast<std::ptrdiff_t>(b)]) != kCanaryByte) {
                    std::fprintf(stderr, "contsim: internal error: CPU %d's suspended stack is deeper than %zu bytes "
                                 "below its last recorded frame\n", i, kStackMargin);
                    std::abort();
                }
        }
#endif
        c.lo[u] = lo;
        c.len[u] = static_cast<std::size_t>(top - lo);
        total += c.len[u];
    }
    if (c.capacity < total) {
        c.bytes.reset(new char[total]);
        c.capacity = total;
    }
    std::memcpy(c.bytes.get(), region_.base_, c.region_bytes);
    std::size_t at = c.region_bytes;
    for (int i = 0; i < ncpus_; ++i) {
        const auto u = static_cast<std::size_t>(i);
        unpoison(c.lo[u], c.len[u]);
        std::memcpy(c.bytes.get() + at, c.lo[u], c.len[u]);
        at += c.len[u];
    }
    c.slots = FiberAlgo::instance().slots();
    machine_ = &m;
#ifndef NDEBUG
    c.steps_hash = steps_hash(m.steps(), c.depth);
#endif
    path_.resize(c.depth);
    for (std::uint32_t k = 0; k < c.depth; ++k) path_[k] = m.steps()[k].cpu;
    ++nkept_;
}

StepsAllocator<StepInfo> Checkpoints::steps_allocator(std::uint32_t max_steps) {
    const std::uint32_t want = std::min(max_steps, buffered_steps_);
    if (want == 0) return {};
    if (want != steps_capacity_) {
        // Asked by every fresh run, which keeps no checkpoint (restore()
        // failed or release() ran): no kept checkpoint's steps are here. The
        // step limit is the runner's, so this allocates once.
        if (nkept_ != 0) throw std::logic_error("Checkpoints: the steps buffer changed under kept checkpoints");
        free_steps();
        region::Pause outside;
        steps_ = std::allocator<StepInfo>().allocate(want);
        steps_capacity_ = want;
    }
    return {steps_, std::size_t{steps_capacity_} * sizeof(StepInfo)};
}

void Checkpoints::free_steps() {
    if (!steps_) return;
    region::Pause outside;
    std::allocator<StepInfo>().deallocate(steps_, steps_capacity_);
    steps_ = nullptr;
    steps_capacity_ = 0;
}

void Checkpoints::spawned() {
    live_slots_ = FiberAlgo::instance().slots();
    live_slots_.ready = live_slots_.ctx_of;
    thread_ = std::this_thread::get_id();
}

void Checkpoints::plan(const Policy& policy, std::uint32_t from, std::size_t n) {
    targets_.clear();
    next_ = 0;
    for (std::size_t k = from + 1; k + 1 < n; ++k)
        if (policy.returns_to(k)) targets_.push_back(static_cast<std::uint32_t>(k));
    // Half the slots left (the root's, for a fresh run, and the last pick's
    // aside) at most, to the deepest of them, which the search comes back to
    // first: the other half stays for the branch nodes of the runs to come.
    // DFS comes back to nearly every node of its paths; taking every free
    // slot there replayed more than taking none (tests/test_checkpoint.cpp).
    const std::size_t reserved = nkept_ + (nkept_ == 0 ? 1 : 0) + 1;
    const std::size_t room = (kMaxKept - std::min(kMaxKept, reserved)) / 2;
    if (targets_.size() > room)
        targets_.erase(targets_.begin(), targets_.end() - static_cast<std::ptrdiff_t>(room));
    if (n > 1) targets_.push_back(static_cast<std::uint32_t>(n - 1));
    next_target();
}

bool Checkpoints::restore(const Policy& policy) {
    requested_ = false;
    // This run's checkpoints (plan()): the last where it leaves the path (DPOR's branch node).
    const std::size_t n = policy.planned_picks();
    restored_depth_ = 0;
    if (off_ || fibers_.empty()) {
        nkept_ = 0;
        plan(policy, 0, n);
        return false;
    }
    // The kept checkpoints lie along path_: those within the prefix the
    // policy will pick again are still this run's past.
    const std::size_t same = policy.planned_prefix(path_);
    while (nkept_ > 0 && kept_[nkept_ - 1].depth > same) --nkept_;
    plan(policy, nkept_ == 0 ? 0 : kept_[nkept_ - 1].depth, n);
    if (nkept_ == 0) return false;
    const Checkpoint& c = kept_[nkept_ - 1];
    path_.resize(c.depth);
    std::memcpy(region_.base_, c.bytes.get(), c.region_bytes);
    region_.bump_ = region_.base_ + c.region_bytes;
    std::size_t at = c.region_bytes;
    for (int i = 0; i < ncpus_; ++i) {
        const auto u = static_cast<std::size_t>(i);
        unpoison(c.lo[u], c.len[u]);
        std::memcpy(c.lo[u], c.bytes.get() + at, c.len[u]);
        at += c.len[u];
#ifndef NDEBUG
        lay_canary_below(u, c.lo[u]);  // intact when the checkpoint was taken: so it is again
#endif
    }
    FiberAlgo::instance().set_slots(c.slots);
#ifndef NDEBUG
    if (machine_ && steps_hash(machine_->steps(), c.depth) != c.steps_hash) {
        std::fprintf(stderr, "contsim: internal error: the steps before a checkpoint changed after it was taken\n");
        std::abort();
    }
#endif
    restored_depth_ = c.depth;
    ++restored_;
    return true;
}

void Checkpoints::release(Machine& m) {
    if (fibers_.empty()) return;
    if (std::this_thread::get_id() != thread_) {
        // Boost.Fiber ties a fiber to its thread: resuming it here would run
        // another thread's scheduler. The runner must stay on one thread.
        std::fprintf(stderr, "contsim: internal error: checkpointed fibers released on another thread\n");
        std::abort();
    }
    releasing_ = true;
    FiberAlgo::instance().set_slots(live_slots_);
    m.release_fibers();
    {
        region::Pause outside;
        fibers_.clear();
    }
    releasing_ = false;
    requested_ = false;
    nkept_ = 0;
    path_.clear();  // targets_ stay: the fresh run after a failed restore() takes its planned checkpoints
}

}  // namespace sim
