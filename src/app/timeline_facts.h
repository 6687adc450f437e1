// What a teaching view points at in a traced run: the accesses that race,
// the waits and hand-offs of locks, and the steps findings name. One
// analysis for the focused timeline, the chrome trace and the play page.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "app/runner.h"

namespace app {

// Two steps of different CPUs touch one cell, at least one writes it, and no
// lock held across both orders them (a lockset race: the order between them
// is the scheduler's). `a` ran first.
struct RacePair {
    std::uint32_t a = 0, b = 0;
    const sim::Cell* cell = nullptr;
};

// A wait whose lock the holder released: the release and the acquisition it
// let happen (the lock's hand-off).
struct HandOff {
    std::uint32_t release = 0, acquire = 0;
    int from = -1, to = -1;
    const sim::Cell* lock = nullptr;
};

struct TimelineFacts {
    std::vector<RacePair> races;
    std::set<std::uint32_t> racing;  // every step of a pair
    std::vector<sim::WaitRow> waits;  // a wait renewed before the waiter ran again: one row
    std::vector<HandOff> handoffs;
    // Where findings happened, the earlier steps they name, and for a finding
    // at the end of the run the last change of each object its message names.
    std::set<std::uint32_t> finding_steps;
    // What --focus shows: the above and the holders' acquisitions the waits name.
    std::set<std::uint32_t> focus;
};

TimelineFacts timeline_facts(const RunResult& r);

// "waits for T1->alloc_lock, held by CPU0 since step 11"
std::string wait_text(const RunResult& r, const sim::Blocked& b);

}  // namespace app
