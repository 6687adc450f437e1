// The steps of the path the DPOR race analysis has seen, indexed by what can
// make two steps dependent (Explorer::analyse, docs/explore.md, "Race
// analysis"): the cell a step touches, the object a kfree frees, the cell a
// step's local code also read or arrived at, and the steps that take or
// change what a grace period's snapshot reads. For a step e, the lists
// candidates() names hold every earlier step dependent() can call dependent
// with e (a superset: the caller still asks dependent()), so the race scan
// visits those instead of every earlier step.
//
// Append-only along the path, truncated where the next execution departs
// from it (the steps before stay: the explorer replays them unchanged).
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/machine.h"

namespace sim {

class StepIndex {
public:
    using List = std::vector<std::uint32_t>;  // step indices, ascending

    std::size_t size() const { return keys_.size(); }
    // Forget the steps [n, size()).
    void truncate(std::size_t n);
    // Index step size() of the path.
    void add(const StepInfo& s);
    // The lists that hold every step before e (in the path) that may be
    // dependent with it; false when only a scan of every step will do (e
    // oopsed: it is dependent with everything). At most kMaxLists.
    static constexpr int kMaxLists = 9;
    bool candidates(const StepInfo& e, const List* (&out)[kMaxLists], int& n) const;
    // The steps on `cell`, ascending.
    const List& on_cell(std::uint32_t cell) const { return by_cell_.at(cell); }

    // The indexed steps that may be dependent with e, latest first, each
    // once: the candidates' lists merged, or every step when there are no
    // lists to go by. (The explorer indexes a step after its own scan, so
    // these are the steps before it.)
    class Cursor {
    public:
        Cursor(const StepIndex& x, const StepInfo& e);
        bool next(std::size_t& i);

    private:
        const List* lists_[kMaxLists];
        std::size_t left_[kMaxLists];  // per list: its entries still to visit are [0, left_)
        int n_ = 0;
        bool all_ = false;
        std::size_t all_left_ = 0;
    };

private:
    // What step j was filed under, to take it out again.
    struct Keys {
        std::uint32_t cell, object, also_reads, arrives;
        bool freed, snapshot, qs, fatal;  // freed: a kfree of `object`
    };
    // Lists by cell id or object serial: machines number them from 1, but
    // static cells have fixed ids at the top of the range.
    class Table {
    public:
        const List& at(std::uint32_t k) const;
        void add(std::uint32_t k, std::uint32_t j) { slot(k).push_back(j); }
        void remove(std::uint32_t k, std::uint32_t j);  // j must be the last of k's list

    private:
        List& slot(std::uint32_t k);
        static constexpr std::uint32_t kDense = 1u << 16;
        std::vector<List> dense_;
        std::unordered_map<std::uint32_t, List> sparse_;
    };

    std::vector<Keys> keys_;
    Table by_cell_;        // steps touching a cell
    Table by_freed_;       // kfree steps of an object (by serial)
    Table by_object_;      // steps touching any cell of an object (by serial)
    Table by_also_reads_;  // steps whose local code also read a cell
    Table by_arrives_;     // steps whose local code arrived at a sleeping lock
    List snapshots_;                   // grace-period snapshots (StepInfo::rcu_snapshot)
    List qs_;                          // steps that changed a CPU's quiescence (StepInfo::qs)
    List fatal_;                       // steps after which the CPU oopsed
    static const List empty_;
};

}  // namespace sim
