// Snapshot regions: a per-thread, fixed-address bump allocator behind the
// global operator new, so that a model built inside one (Machine, Kernel and
// every std::string/vector/map they own) can be saved with one memcpy and
// restored with another.
//
// contsim explore boots the kernel and replays the scenario's set-up once per
// worker thread with the worker's region active, copies the region's used part
// [base, bump) aside, and before each execution copies it back and resets the
// bump pointer. Nothing in the region is ever destroyed or freed one by one:
// operator delete of a pointer inside any region does nothing (the memory is
// reclaimed wholesale by the next restore), and objects that the restore
// overwrites are simply abandoned.
//
// Rules for code that runs while a region is active (see docs/explore.md):
//  - Whatever must outlive the next restore (the explorer's search tree, the
//    outcome table) must be allocated with the region off: Machine pauses the
//    region around Policy::choose(), the one call-out from a run into the
//    explorer; the stack pool pauses it around its own bookkeeping.
//  - Per-thread state outside the region that a run mutates must be reset by
//    the run itself (FiberAlgo, the stack pool) or be initialised before the
//    region is first activated (Boost.Fiber's scheduler, function-local statics
//    with heap storage): see warm-up in app::SnapshotRunner.
#pragma once
#include <cstddef>
#include <memory>

namespace sim::region {

class Region {
public:
    // A region of `kSlotSize` bytes of address space at a fixed address, or
    // nullptr when every slot is taken (the caller falls back to fresh runs).
    static std::unique_ptr<Region> create();
    ~Region();
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;

    // Copies [base, bump) aside (outside any region).
    void snapshot();
    // Copies the snapshot back and resets the bump pointer to the snapshot's.
    void restore();
    std::size_t used() const { return static_cast<std::size_t>(bump_ - base_); }
    std::size_t snapshot_size() const { return snap_size_; }
    // Allocations that did not fit and went to malloc instead (each one is
    // abandoned at the next restore: a leak, reported, never a corruption).
    std::size_t overflows() const { return overflows_; }
    // Never unmap: something that outlives the region's owner (an exception
    // in flight) may point into it.
    void pin() { pinned_ = true; }

    char* base_ = nullptr;
    char* bump_ = nullptr;
    char* end_ = nullptr;
    std::size_t overflows_ = 0;

private:
    Region() = default;
    int slot_ = -1;
    bool pinned_ = false;
    std::unique_ptr<char[]> snap_;
    std::size_t snap_size_ = 0;
};

constexpr std::size_t kSlotSize = std::size_t{256} << 20;  // 256 MiB of address space, NORESERVE
constexpr int kSlots = 64;

// True while this thread's allocations come from a region.
bool active();
// True when p lies in some region (allocated from one, now or earlier).
bool contains(const void* p);

// Makes `r` this thread's allocation region for the scope (nests).
class Scope {
public:
    explicit Scope(Region& r);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

private:
    Region* prev_;
    bool prev_on_;
};

// Allocations in the scope go to malloc, whatever region is active (for code
// that a run calls out to but that is not part of the model: Policy::choose).
class Pause {
public:
    Pause();
    ~Pause();
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

private:
    bool prev_on_;
};

// Inside a Pause, allocations for the model again (Machine::fail_schedule
// keeps a message a policy built): back to the region if one is in use.
class Resume {
public:
    Resume();
    ~Resume();
    Resume(const Resume&) = delete;
    Resume& operator=(const Resume&) = delete;

private:
    bool prev_on_;
};

}  // namespace sim::region
