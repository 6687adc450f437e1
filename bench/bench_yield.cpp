// What a yield point costs, layer by layer, so a slow exploration can be blamed
// on the right layer: the bare stack switch (a), Boost.Fiber's scheduler on top
// of it (b), the Machine's per-step bookkeeping with a switch every step (c) and
// without switching at all (d), and a whole small execution (e).
//
// Every benchmark reports items_per_second on wall-clock time; the summary at
// the end turns that into ns per switch/step and executions per second.
#include <benchmark/benchmark.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/fiber/all.hpp>

#include "sim/kernel/atomic.h"
#include "sim/machine.h"
#include "sim/policy.h"

namespace {

// --- a. raw boost::context::fiber -------------------------------------------

// The main context and one fiber resume each other: two stack switches per
// iteration and nothing else, the floor every layer above pays.
void BM_ContextFiberPingPong(benchmark::State& state) {
    namespace ctx = boost::context;
    bool stop = false;
    ctx::fiber peer{[&stop](ctx::fiber&& caller) {
        while (!stop) caller = std::move(caller).resume();
        return std::move(caller);
    }};
    for (auto _ : state) peer = std::move(peer).resume();
    stop = true;
    peer = std::move(peer).resume();  // let the body return so its stack is released
    state.SetItemsProcessed(state.iterations() * 2);
    state.SetLabel("item=switch");
}

// --- b. Boost.Fiber yield under a minimal FIFO algorithm ---------------------

// The least a boost::fibers algorithm can do (round_robin without its extras),
// so (b) minus (a) is Boost.Fiber's own scheduler overhead. Being FIFO, it also
// queues Boost's dispatcher fiber, which re-queues itself and reads the clock on
// every lap: one lap per two yields here. sim::FiberAlgo resumes the dispatcher
// only at the end of a run, so (c) can come out cheaper than (b).
class MinimalFifo : public boost::fibers::algo::algorithm {
public:
    using context = boost::fibers::context;
    void awakened(context* ctx) noexcept override { ctx->ready_link(ready_); }
    context* pick_next() noexcept override {
        if (ready_.empty()) return nullptr;
        context* c = &ready_.front();
        ready_.pop_front();
        return c;
    }
    bool has_ready_fibers() const noexcept override { return !ready_.empty(); }
    // Only reached when nothing is ready, which this benchmark never causes;
    // still correct (as round_robin) so a surprise shows up as slowness, not a hang.
    void suspend_until(std::chrono::steady_clock::time_point const& t) noexcept override {
        std::unique_lock<std::mutex> lk(mtx_);
        if (t == (std::chrono::steady_clock::time_point::max)())
            cv_.wait(lk, [this] { return flag_; });
        else
            cv_.wait_until(lk, t, [this] { return flag_; });
        flag_ = false;
    }
    void notify() noexcept override {
        std::lock_guard<std::mutex> lk(mtx_);
        flag_ = true;
        cv_.notify_all();
    }

private:
    boost::fibers::scheduler::ready_queue_type ready_;
    std::mutex mtx_;
    std::condition_variable cv_;
    bool flag_ = false;
};

// A thread keeps the first algorithm installed on it, and this (main) thread
// gets sim::FiberAlgo as soon as a Machine runs; so each measurement runs on a
// fresh thread of its own, timed there by hand.
double fifo_yield_seconds(long yields_per_fiber) {
    double seconds = 0;
    std::thread t([&] {
        boost::fibers::use_scheduling_algorithm<MinimalFifo>();
        auto body = [yields_per_fiber] {
            for (long i = 0; i < yields_per_fiber; ++i) boost::this_fiber::yield();
        };
        boost::fibers::fiber a(body), b(body);  // stack allocation stays untimed
        auto t0 = std::chrono::steady_clock::now();
        a.join();
        b.join();
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
    t.join();
    return seconds;
}

void BM_FiberYieldMinimalFifo(benchmark::State& state) {
    const long n = state.range(0);
    for (auto _ : state) state.SetIterationTime(fifo_yield_seconds(n));
    state.SetItemsProcessed(state.iterations() * 2 * n);
    state.SetLabel("item=yield");
}

// --- c/d. contsim yield points -----------------------------------------------

const sim::Label kInc{"bench:inc", "atomic_inc(&v->count);"};

// Hands every step to the other CPU, so every yield point is a fiber switch.
class AlternatePolicy : public sim::Policy {
public:
    int choose(const sim::Machine&, sim::CpuMask runnable, int current) override {
        sim::CpuMask others = current >= 0 ? runnable & ~(sim::CpuMask{1} << current) : runnable;
        return sim::lowest_cpu(others ? others : runnable);
    }
};

struct Counter : sim::Object {
    Counter() : sim::Object("bench_counter") {}
    // Not a reference count: counts=false keeps the underflow check out of it.
    sim::atomic_t count{this, "count", false};
};

std::vector<sim::Machine::Thread> incrementers(Counter& v, int per_cpu) {
    auto body = [&v, per_cpu] {
        for (int i = 0; i < per_cpu; ++i) sim::atomic_inc(v.count, kInc);
    };
    return {{"CPU1", nullptr, body}, {"CPU2", nullptr, body}};
}

// One Machine for all iterations: this measures steps, not machine set-up ((e) does).
template <class P>
void BM_MachineSteps(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    sim::Machine m;
    m.set_tracing(false);
    m.set_max_steps(std::numeric_limits<std::uint32_t>::max());
    Counter v;
    P policy;
    for (auto _ : state) {
        v.count.counter = 0;  // keep the int far from overflow across iterations
        m.run(incrementers(v, n), policy);
    }
    if (v.count.counter != 2 * n || m.aborted()) state.SkipWithError("run did not complete");
    state.SetItemsProcessed(state.iterations() * 2 * n);
    state.SetLabel("item=step");
}

// --- e. whole executions -----------------------------------------------------

// What an exploration repeats per schedule: a fresh Machine (fresh model
// state), its objects, and one short run.
void BM_Execution(benchmark::State& state) {
    for (auto _ : state) {
        sim::Machine m;
        Counter v;
        AlternatePolicy policy;
        m.run(incrementers(v, 10), policy);
        benchmark::DoNotOptimize(v.count.counter);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel("item=execution");
}

// Prints the usual table, then one line per benchmark in the unit that matters.
class SummaryReporter : public benchmark::ConsoleReporter {
public:
    // The library's own colour choice (--benchmark_color) is not exposed to a
    // custom reporter: colour for a terminal, plain text for logs.
    SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Color : OO_None) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) {
            auto it = r.counters.find("items_per_second");
            if (r.error_occurred || r.run_type != Run::RT_Iteration || it == r.counters.end()) continue;
            double rate = it->second.value;
            char line[200];
            if (r.report_label == "item=execution")
                std::snprintf(line, sizeof line, "%-52s %8.2f us/execution  (%.0f executions/s)",
                              r.benchmark_name().c_str(), 1e6 / rate, rate);
            else
                std::snprintf(line, sizeof line, "%-52s %8.2f ns/%s", r.benchmark_name().c_str(), 1e9 / rate,
                              r.report_label.substr(5).c_str());
            summary_.push_back(line);
        }
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        std::printf("\nsummary:\n");
        for (const auto& s : summary_) std::printf("  %s\n", s.c_str());
    }

private:
    std::vector<std::string> summary_;
};

}  // namespace

BENCHMARK(BM_ContextFiberPingPong)->UseRealTime();
BENCHMARK(BM_FiberYieldMinimalFifo)->Arg(10000)->UseManualTime();
BENCHMARK_TEMPLATE(BM_MachineSteps, AlternatePolicy)->Arg(10000)->UseRealTime();
BENCHMARK_TEMPLATE(BM_MachineSteps, sim::SerialPolicy)->Arg(10000)->UseRealTime();
BENCHMARK(BM_Execution)->UseRealTime();

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    SummaryReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
