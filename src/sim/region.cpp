// Snapshot regions and the replacement global operator new/delete behind them.
// This file must be linked into every program that uses src/sim (it is: the
// Machine references it, so the static library always brings it in), or
// operator delete would free() a region pointer.
#include "sim/region.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace sim::region {

namespace {

// Every region lives in one reservation made on first use: `contains` is two
// loads and two compares, whatever the number of worker threads.
std::atomic<char*> g_lo{nullptr};
std::atomic<char*> g_hi{nullptr};
std::mutex g_mu;
bool g_used[kSlots];

// This thread's region and whether allocations go to it. Plain (trivially
// constructed) thread_locals: no TLS init guard on the operator new path.
thread_local Region* t_region = nullptr;
thread_local bool t_on = false;

char* reserve() {
    char* lo = g_lo.load(std::memory_order_acquire);
    if (lo) return lo;
    void* p = ::mmap(nullptr, kSlotSize * kSlots, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    lo = static_cast<char*>(p);
    g_hi.store(lo + kSlotSize * kSlots, std::memory_order_release);
    g_lo.store(lo, std::memory_order_release);
    return lo;
}

constexpr std::size_t kAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

inline void* bump(std::size_t n, std::size_t align) {
    Region* r = t_region;
    auto at = reinterpret_cast<std::uintptr_t>(r->bump_);
    at = (at + align - 1) & ~(std::uintptr_t{align} - 1);
    char* p = reinterpret_cast<char*>(at);
    if (n == 0) n = 1;
    if (p + n > r->end_ || p + n < p) {
        ++r->overflows_;
        return nullptr;
    }
    r->bump_ = p + n;
    return p;
}

void* heap(std::size_t n, std::size_t align, bool nothrow) {
    for (;;) {
        void* p;
        if (align <= kAlign) {
            p = std::malloc(n ? n : 1);
        } else {
            p = std::aligned_alloc(align, (n + align - 1) / align * align);
        }
        if (p) return p;
        std::new_handler h = std::get_new_handler();
        if (!h) {
            if (nothrow) return nullptr;
            throw std::bad_alloc();
        }
        h();
    }
}

inline void* allocate(std::size_t n, std::size_t align, bool nothrow) {
    if (__builtin_expect(t_on, 0)) {
        if (align < kAlign) align = kAlign;
        if (void* p = bump(n, align)) return p;
        // Full: fall back to malloc. The object is abandoned at the next
        // restore (a leak), which Region::overflows() counts.
    }
    return heap(n, align, nothrow);
}

inline void release(void* p) {
    if (!p || contains(p)) return;
    std::free(p);
}

}  // namespace

bool active() { return t_on; }

bool contains(const void* p) {
    const char* c = static_cast<const char*>(p);
    return c >= g_lo.load(std::memory_order_relaxed) && c < g_hi.load(std::memory_order_relaxed);
}

std::unique_ptr<Region> Region::create() {
    std::lock_guard<std::mutex> lk(g_mu);
    char* lo = reserve();
    if (!lo) return nullptr;
    for (int i = 0; i < kSlots; ++i) {
        if (g_used[i]) continue;
        char* base = lo + kSlotSize * static_cast<std::size_t>(i);
        if (::mprotect(base, kSlotSize, PROT_READ | PROT_WRITE) != 0) return nullptr;
        g_used[i] = true;
        std::unique_ptr<Region> r(new Region);
        r->slot_ = i;
        r->base_ = r->bump_ = base;
        r->end_ = base + kSlotSize;
        return r;
    }
    return nullptr;
}

Region::~Region() {
    if (t_region == this) {  // a Scope outlived its region: a bug, but do not leave a dangling pointer
        t_region = nullptr;
        t_on = false;
    }
    if (pinned_) return;
    std::lock_guard<std::mutex> lk(g_mu);
    // Give the pages back and make the slot fault on any stale access.
    ::madvise(base_, kSlotSize, MADV_DONTNEED);
    ::mprotect(base_, kSlotSize, PROT_NONE);
    g_used[slot_] = false;
}

void Region::snapshot() {
    snap_size_ = used();
    {
        Pause p;
        snap_.reset(new char[snap_size_ ? snap_size_ : 1]);
    }
    std::memcpy(snap_.get(), base_, snap_size_);
}

void Region::restore() {
    std::memcpy(base_, snap_.get(), snap_size_);
    bump_ = base_ + snap_size_;
}

Scope::Scope(Region& r) : prev_(t_region), prev_on_(t_on) {
    t_region = &r;
    t_on = true;
}

Scope::~Scope() {
    t_region = prev_;
    t_on = prev_on_;
}

Pause::Pause() : prev_on_(t_on) { t_on = false; }
Pause::~Pause() { t_on = prev_on_; }

Resume::Resume() : prev_on_(t_on) { t_on = t_region != nullptr; }
Resume::~Resume() { t_on = prev_on_; }

}  // namespace sim::region

// --- the replacement global allocation functions -----------------------------
// Every form, so that no libstdc++ default ever frees a region pointer.

using sim::region::allocate;
using sim::region::release;

void* operator new(std::size_t n) { return allocate(n, 0, false); }
void* operator new[](std::size_t n) { return allocate(n, 0, false); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0, true); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate(n, 0, true); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a), false); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, static_cast<std::size_t>(a), false); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return allocate(n, static_cast<std::size_t>(a), true);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return allocate(n, static_cast<std::size_t>(a), true);
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
