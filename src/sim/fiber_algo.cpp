#include "sim/fiber_algo.h"

#include <cstdio>
#include <cstdlib>

#include <boost/fiber/operations.hpp>

namespace sim {

namespace {
thread_local FiberAlgo* tls_algo = nullptr;
}

FiberAlgo::FiberAlgo() { tls_algo = this; }

FiberAlgo& FiberAlgo::instance() {
    if (!tls_algo) boost::fibers::use_scheduling_algorithm<FiberAlgo>();
    return *tls_algo;
}

void FiberAlgo::reset() {
    ctx_of_.fill(nullptr);
    ready_.fill(nullptr);
    chosen = -1;
    spawning = -1;
}

void FiberAlgo::awakened(context* ctx) noexcept {
    if (ctx->is_context(boost::fibers::type::main_context)) {
        main_ = ctx;
        return;
    }
    if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
        dispatcher_ = ctx;
        return;
    }
    if (spawning >= 0) {  // a new fiber announces itself from its constructor
        ctx_of_[spawning] = ctx;
        ready_[spawning] = ctx;
        return;
    }
    for (int i = 0; i < kSlots; ++i)
        if (ctx_of_[i] == ctx) {
            ready_[i] = ctx;
            return;
        }
    std::fprintf(stderr, "contsim: internal error: unknown fiber became ready\n");
    std::abort();
}

FiberAlgo::context* FiberAlgo::pick_next() noexcept {
    context* c = nullptr;
    if (chosen >= 0 && ready_[chosen]) {
        c = ready_[chosen];
        ready_[chosen] = nullptr;
    } else if (want_dispatch && dispatcher_) {
        want_dispatch = false;
        std::swap(c, dispatcher_);
    } else if (main_) {
        std::swap(c, main_);
    } else if (dispatcher_) {
        std::swap(c, dispatcher_);
    }
    return c;
}

bool FiberAlgo::has_ready_fibers() const noexcept {
    if (main_ || dispatcher_) return true;
    for (auto* c : ready_)
        if (c) return true;
    return false;
}

void FiberAlgo::suspend_until(std::chrono::steady_clock::time_point const&) noexcept {
    // On one OS thread with the Machine deciding every switch, nothing can wake
    // us from outside: reaching here means the Machine lost track of a fiber.
    std::fprintf(stderr, "contsim: internal error: scheduler has nothing to run\n");
    std::abort();
}

}  // namespace sim
