// A DPOR search shared by several workers over a common top of the tree
// (issue 14, --jobs). A split (Explorer::split()) takes every branch of the
// nodes above its units, because a unit cannot add branches above its root:
// with DPOR most of those branches hold only sleep-blocked or covered runs
// (37,904 runs instead of one search's 27,845 on the four-CPU bench search).
// Here a unit hands the races it finds with its prefix's steps to the tree
// (Explorer::requests()), which applies each to the shared node as
// Explorer::race() applies one to a node of its own path; a branch that adds
// becomes a new unit. And a unit that has made `split_after` runs stops: the
// nodes of its path become shared, and their branches still to take become
// new units (Explorer::split_here()), so that no unit holds most of the work.
//
// Units are numbered in the order they are made. Workers explore them in any
// order, at once; the tree commits what each found (its outcomes through the
// caller, then its nodes, pieces and races, which make new units) in that
// order, once every unit before it is committed. A unit's exploration
// depends only on what it was made with, and each commit on the commits
// before it: what the search explores, and the report, are the same for any
// number of workers and whichever finishes first (docs/explore.md, --jobs).
//
// Soundness: at every node the branches are made in one order, and each
// sleeps on the branches made there before it, as a node's later branches do
// in one search; every unit is explored to its end and every race it found
// is applied. The search ends with each node holding the branches source-set
// DPOR's argument asks for (docs/explore.md, "A tree for --jobs").
//
// Not thread-safe: the caller serialises take() and give_back().
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "sim/explore.h"

namespace sim {

class TreeSearch {
public:
    // A unit to explore: its subtree, and the forecast it starts from (its
    // parent's last; none for the root, which learns one by a probe).
    struct Task {
        std::size_t id = 0;
        Unit unit;
        std::shared_ptr<const StepForecast> forecast;
    };
    // What exploring a task gives back.
    struct Result {
        ExploreStats stats;
        std::vector<Explorer::Request> requests;
        std::vector<Explorer::SplitNode> split_nodes;
        std::vector<std::uint8_t> split_path;
        std::vector<Explorer::Piece> pieces;
        std::shared_ptr<const StepForecast> forecast;
    };
    using StepOf = std::function<StepInfo(const Unit&)>;  // Explorer::branch_step() on some worker's model

    // The search below `fixed_prefix` (replayed by every execution, never varied).
    explicit TreeSearch(const std::vector<std::uint8_t>& fixed_prefix);
    // A unit's explorer options: `o`'s, as a unit of a tree search whose
    // units split after `split_after` runs (ExploreOptions::split_after).
    static ExploreOptions unit_options(ExploreOptions o, std::uint64_t split_after);
    // Explores `t` with `ex` (made with unit_options()).
    static Result explore(Explorer& ex, const Explorer::RunOnce& run_once, const Explorer::OnExecution& on_execution,
                          const Task& t);

    // The next unit made and not taken yet, if any (false: none now; more may
    // come when the units out are given back, unless finished()).
    bool take(Task& t);
    // Unit `id` explored. Then every unit whose result is back and all before
    // it are committed, in order: on_commit(id, result) first (the caller adds
    // its outcomes), then what it makes. A unit that came back incomplete (a
    // limit or an interrupt stopped it) stops the search: nothing is made any
    // more, and what is out is still committed when it comes back.
    void give_back(std::size_t id, Result r, const StepOf& step_of,
                   const std::function<void(std::size_t, const Result&)>& on_commit);
    // Every unit taken is committed, and none will be taken any more.
    bool finished() const { return committed_ == taken_ && (stopped_ || taken_ == made()); }
    std::size_t made() const { return first_ + items_.size(); }
    // Shared nodes some unit not committed yet may still send a race to
    // (the others are freed and their slots reused): the tree's memory is
    // that of the units out, not of the search so far.
    std::size_t live_nodes() const { return nodes_.size() - free_.size(); }
    std::size_t committed() const { return committed_; }
    bool stopped() const { return stopped_; }

private:
    struct Node {
        CpuMask enabled = 0;
        CpuMask sleep = 0;      // inherited from the nodes above (no branch done)
        CpuMask backtrack = 0;  // as Explorer::Node::backtrack
        CpuMask branched = 0;   // the CPUs with a unit below them here
        std::vector<StepInfo> branches;  // their steps, in the order made
        std::uint32_t refs = 0;          // units not committed yet with this node on their path
    };
    struct Item {
        Unit unit;
        // ids[k]: the shared node behind the unit's node k (kFixed for the
        // fixed prefix); the ones its split adds follow.
        std::vector<std::uint32_t> ids;
        std::shared_ptr<const StepForecast> forecast;
    };
    static constexpr std::uint32_t kFixed = ~std::uint32_t{0};
    void commit(std::size_t i, const Result& r, const StepOf& step_of);
    void apply(std::size_t i, const Explorer::Request& q, const Result& r, const StepOf& step_of);
    Item& item(std::size_t i) { return items_[i - first_]; }
    std::uint32_t new_node(Node nd);
    void add(Item it);                  // a new unit: holds the nodes on its path
    void release(const Item& it);       // a committed one: lets them go

    std::vector<Node> nodes_;
    std::vector<std::uint32_t> free_;   // slots of freed nodes
    // The units from first_ on (those before are committed and gone), and
    // the results given back but not committed yet.
    std::deque<Item> items_;
    std::deque<std::unique_ptr<Result>> back_;
    std::size_t first_ = 0;
    std::size_t taken_ = 0, committed_ = 0;
    bool stopped_ = false;
};

}  // namespace sim
