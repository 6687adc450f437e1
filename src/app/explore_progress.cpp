#include "app/explore_progress.h"

#include <unistd.h>

#include <fmt/format.h>

namespace app {

namespace {
// A tty redraws often enough to look alive; a log gets a line per few seconds.
constexpr auto kTtyPeriod = std::chrono::milliseconds(250);
constexpr auto kLogPeriod = std::chrono::seconds(5);

std::string count(std::uint64_t n) {  // 1234567 -> "1,234,567"
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
}
}  // namespace

ExploreProgress::ExploreProgress(bool tty) : tty_(tty), thread_([this] { loop(); }) {}

ExploreProgress::~ExploreProgress() {
    {
        std::lock_guard<std::mutex> lk(mu_);
        done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    draw(line(true), true);
}

void ExploreProgress::splitting(std::uint64_t target) { split_target_ = target; }

void ExploreProgress::searching(std::uint64_t units) {
    units_ = units;
    searching_ = true;
}

void ExploreProgress::outcome(const std::string& key) {
    std::lock_guard<std::mutex> lk(mu_);
    outcomes_.insert(key);
}

std::string ExploreProgress::line(bool last) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (!searching_)
        return fmt::format("explore: cutting the search into {} units, {:.1f} s", count(split_target_), secs);
    const std::uint64_t ex = executions_, done = units_done_, units = units_;
    std::size_t outcomes;
    {
        std::lock_guard<std::mutex> lk(mu_);
        outcomes = outcomes_.size();
    }
    std::string s = fmt::format("explore: {}{} executions", last ? "done: " : "", count(ex));
    if (!last && secs > 0) s += fmt::format(" ({}/s)", count(static_cast<std::uint64_t>(ex / secs)));
    s += fmt::format(", {} outcome{}, units {}/{}, {:.1f} s", count(outcomes), outcomes == 1 ? "" : "s", count(done),
                     count(units), secs);
    // Units are of comparable size (split() cuts the biggest first): the
    // done fraction is an estimate of the time left once a few are done.
    if (!last && !growing_ && done >= 2 && done < units)
        s += fmt::format(", about {:.0f} s left", secs * static_cast<double>(units - done) / static_cast<double>(done));
    return s;
}

void ExploreProgress::draw(const std::string& s, bool last) {
    // A failed write to stderr loses only the progress line: ignored.
    std::string out = tty_ ? (last ? "\r\033[K" : "\r" + s + "\033[K") : s + "\n";
    ssize_t ignored = ::write(2, out.data(), out.size());
    (void)ignored;
}

void ExploreProgress::loop() {
    std::unique_lock<std::mutex> lk(mu_);
    while (!cv_.wait_for(lk, tty_ ? std::chrono::duration_cast<std::chrono::milliseconds>(kTtyPeriod)
                                  : std::chrono::duration_cast<std::chrono::milliseconds>(kLogPeriod),
                         [this] { return done_; })) {
        lk.unlock();
        draw(line(false), false);
        lk.lock();
    }
}

}  // namespace app
