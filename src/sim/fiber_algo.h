// The Boost.Fiber scheduling algorithm behind the Machine. Boost asks it who
// runs next; it answers with whichever simulated CPU the Machine picked, or the
// main context when no CPU is picked. Installed once per OS thread.
#pragma once
#include <array>
#include <chrono>

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>

namespace sim {

class FiberAlgo : public boost::fibers::algo::algorithm {
public:
    using context = boost::fibers::context;
    static constexpr int kSlots = 16;

    // The algorithm for this OS thread, installing it on first use.
    static FiberAlgo& instance();

    void awakened(context* ctx) noexcept override;
    context* pick_next() noexcept override;
    bool has_ready_fibers() const noexcept override;
    void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override;
    void notify() noexcept override {}

    FiberAlgo();  // only boost::fibers::use_scheduling_algorithm constructs it
    void reset();
    // The simulated CPUs' fibers and which of them are ready: what a
    // checkpoint (sim/checkpoint.h) saves and restores of the scheduler.
    struct Slots {
        std::array<context*, kSlots> ctx_of{};
        std::array<context*, kSlots> ready{};
    };
    Slots slots() const { return {ctx_of_, ready_}; }
    void set_slots(const Slots& s) {
        ctx_of_ = s.ctx_of;
        ready_ = s.ready;
        spawning = -1;
    }
    int chosen = -1;          // CPU to resume next; -1 = the main context
    int spawning = -1;        // index of the fiber being constructed
    bool want_dispatch = false;

private:
    std::array<context*, kSlots> ctx_of_{};
    std::array<context*, kSlots> ready_{};
    context* main_ = nullptr;
    context* dispatcher_ = nullptr;
};

}  // namespace sim
