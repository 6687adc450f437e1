// The progress line `contsim explore` draws on stderr while it searches
// (executions, rate, distinct outcomes, units done, elapsed, an estimate of
// the time left when units or runs give one). On a terminal it redraws one
// line and erases it at the end; with --progress off a terminal it prints a
// line every few seconds and a last one. Never on stdout: the report there
// stays byte-stable.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace app {

class ExploreProgress {
public:
    // `tty`: redraw in place; else a line per period.
    explicit ExploreProgress(bool tty);
    ~ExploreProgress();  // stops the drawing thread, then the last line (or the erase)
    ExploreProgress(const ExploreProgress&) = delete;
    ExploreProgress& operator=(const ExploreProgress&) = delete;

    void splitting(std::uint64_t target);  // the split phase: cutting into `target` units
    void searching(std::uint64_t units);   // units of this process (runs, when sampling)
    void execution() { executions_.fetch_add(1, std::memory_order_relaxed); }
    void unit_done() { units_done_.fetch_add(1, std::memory_order_relaxed); }
    // A tree search made more units (sim/tree_search.h): the count grows, so
    // the units done say nothing of the time left.
    void more_units(std::uint64_t n) {
        units_.fetch_add(n, std::memory_order_relaxed);
        growing_ = true;
    }
    // A worker saw an outcome new to it: counted once across workers (by its text).
    void outcome(const std::string& key);

private:
    std::string line(bool last);
    void draw(const std::string& s, bool last);
    void loop();

    const bool tty_;
    const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t> executions_{0}, units_done_{0}, units_{0}, split_target_{0};
    std::atomic<bool> searching_{false}, growing_{false};
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    std::set<std::string> outcomes_;
    std::thread thread_;
};

}  // namespace app
