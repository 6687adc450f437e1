#include "sim/stack_pool.h"
#include "sim/asan.h"
#include "sim/region.h"

#include <cstdlib>
#include <new>

#if CONTSIM_ASAN
#include <sanitizer/asan_interface.h>
#define CONTSIM_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define CONTSIM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace sim {

StackPool::StackPool(std::size_t size) : size_(size) {}

StackPool::~StackPool() {
    for (void* p : free_) std::free(p);
}

// The pool is per OS thread and outlives every run: its list of free stacks
// must never be allocated from a snapshot region (sim/region.h).

boost::context::stack_context StackPool::allocate() {
    sim::region::Pause outside;
    void* base;
    if (!free_.empty()) {
        base = free_.back();
        free_.pop_back();
    } else {
        base = std::malloc(size_);
        if (!base) throw std::bad_alloc();
    }
    // A recycled stack still carries the previous fiber's scope poison.
    CONTSIM_UNPOISON(base, size_);
    boost::context::stack_context sc;
    sc.size = size_;
    sc.sp = static_cast<char*>(base) + size_;
    return sc;
}

void StackPool::deallocate(boost::context::stack_context& sc) {
    sim::region::Pause outside;
    free_.push_back(static_cast<char*>(sc.sp) - sc.size);
}

}  // namespace sim
