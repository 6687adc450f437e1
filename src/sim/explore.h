// Exhaustive exploration of the interleavings of a run's CPUs. Stateless: every
// execution is re-run from scratch by a caller-supplied callback (a fresh
// Machine each time), driven by the explorer's policy, which replays a prefix
// of choices and then extends it. Two strategies:
//
//   dfs   every sequence of choices among the runnable CPUs (plain DFS; the
//         number of executions is the number of interleavings)
//   dpor  source-set DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas,
//         "Optimal Dynamic Partial Order Reduction", POPL 2014, Algorithm 1):
//         at least one execution per Mazurkiewicz trace, where two steps of
//         different CPUs are dependent when they touch the same cell and one
//         of them writes (see `dependent`)
//
//   bounded  CHESS-style preemption bounding (Musuvathi, Qadeer, PLDI 2007):
//         every interleaving with at most N preemptions (a switch away from a
//         CPU that could have gone on), explored with 0 preemptions first,
//         then exactly 1, ...; each execution is counted once
//   pct, random  sampling (see sim/sampling.h): not handled by Explorer
//
// Work units. The search tree is cut at a fixed frontier (split(): the
// shallowest depth with at least `target` prefixes, every branch taken at
// the nodes above, in CPU order, DPOR's sleep sets carried across siblings)
// and each prefix is explored on its own. The frontier does not depend on how
// many workers or shards share the units, and with sleep sets no complete
// execution is explored twice, so the outcome counts are the same for any
// --jobs and --shard. Or (ExploreOptions::tree) the units are made as the
// search goes: a unit hands the races with its prefix's steps to a shared
// tree, and splits into its branches left after so many runs
// (sim/tree_search.h).
//
// Generic: it sees only StepInfo (CPU, cell id, owner serial, access kind).
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <span>
#include <vector>

#include "sim/forecast.h"
#include "sim/machine.h"
#include "sim/policy.h"
#include "sim/step_index.h"

namespace sim {

enum class Strategy { dpor, dfs, bounded, pct, random };

// Independence rules that go beyond "same cell, one writes" (docs/explore.md,
// "Reductions"), each with its soundness argument there and its own switch
// (--reductions) so that a search can be compared with and without it.
struct Reductions {
    // A step that only ends a CPU's read-side stretch (returns to user mode,
    // sleeps, leaves softirq) commutes with a grace period's snapshot; the
    // snapshot stays ordered against the steps that begin one (qs_begin).
    bool gp_ends = true;
    // Two increments (or two decrements) of one counter whose results the
    // model does not use (StepInfo::blind) commute.
    bool blind_adds = true;
    // A grace period's snapshot taken before a step it conflicts with only
    // through the snapshot gives every behaviour of the other order (a wait
    // for quiescent states after an earlier snapshot is never stricter): the
    // race is reversed only when the snapshot came second. Not applied in an
    // execution that ends blocked or sleeps in atomic context, where the
    // other order could leave a CPU in a read-side stretch for ever
    // (snapshot_first_covers(), docs/explore.md).
    bool snapshot_first = true;
    // Two decrements of one counter that both leave it non-zero commute
    // (StepInfo::dec): whichever runs first, the values are v-1 then v-2 and
    // neither finds zero. Whether they do depends on the value they start
    // from, so the sleep sets, which set a step recorded in one branch
    // against a step of another, ask it of the value there.
    bool nonzero_decs = true;
    // With snapshot_first: a CPU whose next step is a grace period's snapshot,
    // asleep because this unit explored its branch, stays asleep past a step
    // that snapshot covers, as it does past an independent one: a run taking
    // the snapshot later has the outcome of the run that takes it where the
    // branch was, if it ends cleanly. A unit that counts a run that does not
    // (ExploreStats::unclean) is explored again without the rule
    // (Explorer::explore(), docs/explore.md, Reductions, snapshot-sleep).
    bool snapshot_sleep = true;
    // With snapshot_first: DPOR takes a node's branches in an order that
    // runs grace periods' snapshots before the steps that begin read-side
    // stretches (StepForecast::first(), guessed from the runs so far), so
    // that fewer runs hold a stretch's beginning before a snapshot that
    // covers it. Only the order: the counted runs are the same.
    bool snapshot_order = true;
    bool operator==(const Reductions& o) const {
        return gp_ends == o.gp_ends && blind_adds == o.blind_adds && snapshot_first == o.snapshot_first &&
               nonzero_decs == o.nonzero_decs && snapshot_sleep == o.snapshot_sleep &&
               snapshot_order == o.snapshot_order;
    }
};

struct ExploreOptions {
    Strategy strategy = Strategy::dpor;
    Reductions reductions;
    std::uint64_t max_runs = 0;  // 0: unbounded
    double time_limit = 0;       // seconds of wall time; 0: unbounded
    unsigned preemptions = 2;    // bounded: the preemption bound
    // Set from outside (SIGINT, SIGTERM): stop after the current execution.
    const std::atomic<bool>* interrupt = nullptr;
    // DPOR: a run in which every runnable CPU sleeps is of no more use to the
    // search, but stopping it makes each unfinished CPU unwind its stack (a
    // C++ exception each, about 8 us: Boost.Fiber cannot drop a suspended
    // fiber). It goes on instead, its steps unused, for up to this many steps,
    // and most such runs end sooner. 0: stop at once. No report depends on it.
    // A machine with checkpoints stops in place (Machine::stops_in_place()):
    // its runs stop at once whatever this says (2.7% less time, four-CPU).
    std::uint32_t run_on_after_blocked = 64;
    // DPOR, a unit of a split search: every this many runs, the unit hands the
    // untaken branches of the shallowest node of its path that has any to the
    // caller as new units (Explorer::handoffs()) and goes on below that node
    // alone. The units of a split are sized by estimate, and DPOR's work piles
    // up in a few of them; this lets idle workers share a big one. Each
    // handed-off branch sleeps on the branches taken before it there, so
    // each trace is still explored once. 0: never.
    std::uint64_t handoff_after = 0;
    // Tests: nonzero, DPOR takes a pseudo-random one (from this seed) of the
    // CPUs it may run first at a new node, and of a node's pending branches,
    // instead of the order above: every order must count the same runs.
    std::uint64_t shuffle_order = 0;
    // DPOR, a unit of a tree search (sim/tree_search.h): a race whose first
    // step is in the unit's prefix goes to the caller (Explorer::requests())
    // instead of being dropped, the unit's sleepers count as its own
    // (snapshot-sleep is then vouched for by the whole search, not the
    // unit), and after `split_after` runs (0: never) the unit stops and
    // hands the caller the nodes of its path and their branches still to
    // take, as new units (Explorer::split_nodes(), pieces()).
    bool tree = false;
    std::uint64_t split_after = 0;
};

// A subtree of the search: the CPU picks that lead to its root, and (DPOR)
// the steps of the siblings explored before it at each branching node of the
// prefix, which sleep in it. Recomputed by split() in every process, never sent.
struct Unit {
    struct Sleeper {
        std::uint32_t node;  // the prefix position it sleeps from
        StepInfo step;       // the step it took there (with its RCU snapshot flag)
    };
    std::vector<std::uint8_t> prefix;
    std::vector<Sleeper> sleepers;
};

struct ExploreStats {
    std::uint64_t executions = 0;     // complete executions (handed to on_execution)
    std::uint64_t sleep_blocked = 0;  // DPOR runs cut short: every runnable CPU was asleep
    // DPOR with snapshot_first: runs whose every outcome a run with a grace
    // period's snapshot taken earlier has (they hold a race of a step and a
    // later snapshot that covers it, and end cleanly). Explored for their
    // races, not counted: the executions are then one per trace left.
    std::uint64_t covered = 0;
    // Counted runs snapshot_first could not cover (ended blocked, at an oops,
    // asleep in atomic context or at the step limit): with snapshot_sleep, a
    // unit that has any is explored again without it (a tree search: the
    // whole search, sim/tree_search.h).
    std::uint64_t unclean = 0;
    // Times snapshot_sleep kept a CPU asleep that the step just run would
    // have woken (0: the rule pruned nothing, the search is the one without it).
    std::uint64_t kept_asleep = 0;
    // Runs of a first try snapshot_sleep could not vouch for, discarded
    // (not in `runs`): the unit was explored again without the rule.
    std::uint64_t discarded = 0;
    // snapshot_order: serial runs of a unit that taught its forecast, one
    // before each try (not in `runs`).
    std::uint64_t probes = 0;
    std::uint64_t runs = 0;           // executions + sleep_blocked + covered
    std::uint64_t races = 0;          // races analysed (DPOR)
    std::size_t longest = 0;          // most steps in one execution
    bool complete = false;            // the search space was exhausted
    std::string bound;                // "max-runs", "time-limit" or "interrupted" when one stopped the search
    std::uint64_t revisits = 0;       // bounded: executions with fewer preemptions than the round's bound
    void add(const ExploreStats& o);  // combine two units' figures
};

// May steps a and b (of different CPUs) not commute? Same cell and not both
// reads; a kfree conflicts with every access to its object; two allocations
// commute; a grace period's snapshot conflicts with steps that begin a CPU's
// read-side stretch (StepInfo::qs_begin; with r.gp_ends off, with every step
// that changes a CPU's quiescence, StepInfo::qs), its wait with nothing
// (GpEdges order it); acquire and release of one lock conflict.
bool dependent(const StepInfo& a, const StepInfo& b, const Reductions& r = {});
// r.snapshot_first, and `first` is a grace period's snapshot that `second`
// conflicts with only through it: the order first-then-second covers every
// behaviour of the reverse one (but for runs that end blocked).
bool snapshot_first_covers(const StepInfo& first, const StepInfo& second, const Reductions& r);

// Happens-before vector clocks of an execution: clock[j][q] is how many steps
// of CPU q precede step j through chains of dependent steps (its own CPU's
// entry counts j itself).
using HbClock = std::array<std::uint32_t, kMaxCpus>;
// `edges`: the grace-period waits' quiescent states (Machine::gp_edges()).
std::vector<HbClock> happens_before(std::span<const StepInfo> steps, const GpEdges& edges, const Reductions& r = {});

// A linearisation of the same trace as `steps` (same happens-before order of
// dependent steps) with few context switches: greedy, keep the CPU that ran
// last while its next step is ready, tried from each starting CPU. Returns the
// CPU of each step; empty when no CPU can start (never for a real execution).
// `clocks` are happens_before(steps), e.g. the explorer's (Explorer::clocks()).
// `at_most`: give up (return empty) unless some start needs no more switches
// than that; what it returns otherwise is what it would return without it.
std::vector<int> fewest_switches(std::span<const StepInfo> steps, const std::vector<HbClock>& clocks,
                                 std::size_t at_most = ~std::size_t{0});
std::vector<int> fewest_switches(std::span<const StepInfo> steps, const GpEdges& edges, const Reductions& r = {},
                                 std::size_t at_most = ~std::size_t{0});

class Explorer {
public:
    explicit Explorer(ExploreOptions o) : opt_(o) {}

    // run_once builds a fresh machine, calls set_exploring(true) before the run
    // to explore, runs it under the given policy and returns the machine (which
    // must stay alive until the next call). on_execution is called after each
    // complete execution (not for DPOR's sleep-blocked or covered runs, nor a
    // bounded round's revisits), with that machine.
    // Throws std::runtime_error when a replay diverges (a nondeterministic model).
    using RunOnce = std::function<const Machine&(Policy&)>;
    using OnExecution = std::function<void(const Machine&)>;
    // The whole search, vouched for (below): on_execution may see the runs of
    // a first try that snapshot-sleep could not vouch for before those of the second.
    ExploreStats explore(const RunOnce& run_once, const OnExecution& on_execution);
    // DPOR: the happens-before clocks of the execution on_execution is handed
    // (computed by the race analysis before the call); nullptr for the other
    // strategies.
    const std::vector<HbClock>* clocks() const {
        return !clocks_ready_ ? nullptr : opt_.reductions.snapshot_first ? &full_clock_ : &clock_;
    }
    // Explores only the subtree below `unit` (its prefix is replayed, never
    // varied), as it is: not vouched for.
    ExploreStats explore(const RunOnce& run_once, const OnExecution& on_execution, const Unit& unit);
    // With Reductions::snapshot_sleep, explore() vouches for a unit only if
    // none of its counted runs ended in a way covering cannot speak for
    // (ExploreStats::unclean). Otherwise it calls `discard` (the caller drops
    // what on_execution collected) and explores the unit again without the
    // rule, within what is left of the limits; handoffs() are then the
    // second try's (the first try's pieces have not run: the caller takes
    // them after this returns). A second try a limit stops leaves the unit
    // incomplete, with what that try found.
    ExploreStats explore(const RunOnce& run_once, const OnExecution& on_execution, const Unit& unit,
                         const std::function<void()>& discard);

    // The work units below `root`, in prefix order: the subtree with the
    // largest estimated size (the interleavings of the steps left in a serial
    // run from its branching node) is split first, until there are `target`
    // units or nothing left to split. Prefixes whose every runnable CPU is
    // asleep are dropped and counted in `pruned`. `estimates`, if given,
    // receives each unit's log size estimate. Costs about two runs per unit.
    // Stopped by a limit or an interrupt (split_bound() says which), it returns no units.
    std::vector<Unit> split(const RunOnce& run_once, std::size_t target, const Unit& root, std::uint64_t& pruned,
                            std::vector<double>* estimates = nullptr);
    const std::string& split_bound() const { return split_bound_; }
    // The units the last explore() handed off (ExploreOptions::handoff_after),
    // in the order their subtrees come in the search; exploring them too
    // covers the unit it was given.
    const std::vector<Unit>& handoffs() const { return handoffs_; }

    // ExploreOptions::tree: a race of the last explore() with a step of the
    // unit's prefix at `node`, reversed by running one of `initials` there
    // (narrowed as race() narrows them: to the CPUs awake there in this
    // unit's view if any is; none of them the unit's own pick), in the order
    // found, each once.
    struct Request {
        std::uint32_t node;
        CpuMask initials;
    };
    const std::vector<Request>& requests() const { return requests_; }
    // snapshot_order: explore() starts from this forecast instead of learning
    // one from a serial probe of the unit (a unit of a tree search gets the
    // one its parent ended with).
    // nullptr: learn it from a probe again.
    void seed_forecast(const StepForecast* f) {
        seeded_ = f != nullptr;
        if (f) seed_ = *f;
    }
    const StepForecast& forecast() const { return forecast_; }
    // The step `u`'s last pick runs (a probe up to it).
    StepInfo branch_step(const RunOnce& run_once, const Unit& u);
    // ExploreOptions::split_after: the nodes of the path below the unit's
    // prefix when it stopped (node prefix.size() + i is split_nodes()[i],
    // reached by split_path()'s picks; empty if it did not stop), and the
    // units their pending branches became.
    struct SplitNode {
        CpuMask enabled = 0;
        CpuMask sleep = 0;      // inherited (the branches done there left out)
        CpuMask backtrack = 0;
        CpuMask branched = 0;   // done, taken, or a piece
        std::vector<StepInfo> branches;  // their steps: new branches sleep on them
    };
    struct Piece {
        std::uint32_t node;
        Unit unit;
    };
    const std::vector<SplitNode>& split_nodes() const { return split_nodes_; }
    const std::vector<std::uint8_t>& split_path() const { return split_path_; }
    const std::vector<Piece>& pieces() const { return pieces_; }

private:
    friend class ExplorePolicy;
    struct Node {
        CpuMask enabled = 0;
        CpuMask backtrack = 0;  // CPUs to explore from here
        CpuMask done = 0;       // CPUs explored from here
        CpuMask sleep = 0;      // DPOR: asleep on entry, plus done
        // Of `sleep`, the CPUs whose branch this unit explored (done here or
        // above, not a unit's sleepers, but in a tree search): the ones
        // Reductions::snapshot_sleep may keep asleep past a step their
        // snapshot covers, since the run that covers it is then explored by
        // what vouches for it (this unit, or the whole tree search).
        CpuMask own = 0;
        int chosen = -1;        // the CPU taken in the current execution
        int current = -1;       // the CPU that ran the step before this node
        unsigned preempted = 0; // bounded: preemptions on the path before this node
        // The branches backtrack() will still take here (`chosen`'s too
        // until backtrack() marks it done).
        CpuMask left() const { return backtrack & enabled & ~done & ~sleep; }
    };
    // The next step of each CPU asleep at node k (read only under its `sleep`
    // bit). Kept beside the nodes, not in them: a new node is then a few words
    // to build and copy, not kMaxCpus steps (zeroing and copying those was
    // most of extend() and a third of choose() in perf).
    StepInfo& asleep(std::size_t k, int cpu) { return asleep_[k * kMaxCpus + static_cast<std::size_t>(cpu)]; }

    int choose(Machine& m, CpuMask runnable, int current);
    Node extend(Machine& m, CpuMask runnable, std::size_t k);
    CpuMask branches(const Node& nd) const;
    bool run_unit(const RunOnce& run_once, const OnExecution& on_execution);  // false: a bound stopped it
    unsigned preemptions(const Machine& m) const;
    void analyse(const Machine& m);
    bool may_apply_snapshot_first(const Machine& m) const;
    // How far a sleep-blocked run goes on (ExploreOptions::run_on_after_blocked).
    std::uint32_t run_on(const Machine& m) const { return m.stops_in_place() ? 0 : opt_.run_on_after_blocked; }
    void race(std::size_t i, std::size_t j, const StepInfo& ej, const std::array<std::uint32_t, kMaxCpus>& cj);
    bool backtrack(const Machine& m);
    void hand_off(const RunOnce& run_once, const Machine& m);
    // Runs u's prefix and forced steps under probing (split(), hand_off(), and
    // snapshot_order's serial run before a unit's first): stops right after
    // the prefix (exact) or at the next choice, then on serially.
    const Machine& probe(const RunOnce& run_once, const Unit& u, bool exact);

    ExploreOptions opt_;
    std::vector<Node> nodes_;   // the current path: nodes_[k] is the state before step k
    std::vector<StepInfo> asleep_;  // asleep(k, cpu); grows to the deepest node, never shrinks
    // With ordering(), ord_[k][c]: how many steps CPU c ran before node k (its
    // next step there is its ord_[k][c]-th); grows to the deepest node, never shrinks.
    std::vector<StepForecast::Ordinals> ord_;
    StepForecast forecast_;  // Reductions::snapshot_order: learnt afresh in each explore()
    bool ordering() const;   // DPOR with snapshot_first and snapshot_order
    // The branch of `among` to take first at node k where `usual` is the one
    // taken without snapshot_order (and without ExploreOptions::shuffle_order).
    int branch_first(std::size_t k, CpuMask among, int usual) const;
    // ExploreOptions::shuffle_order: one of `among`, drawn from the seed, the node and the run.
    int shuffled(std::size_t k, CpuMask among) const;
    std::size_t replay_ = 0;    // nodes_[0..replay_) are replayed in the next execution
    bool blocked_ = false;      // this execution was stopped asleep
    std::size_t blocked_at_ = 0;  // then: at this step (the search uses the steps before it)
    // The steps of the last run the search uses: all, or those before it was stopped asleep.
    std::size_t recorded(const Machine& m) const { return blocked_ ? blocked_at_ : m.steps().size(); }
    std::vector<StepInfo> stalled_;  // then: the pending steps of the CPUs that were waiting
    std::vector<std::uint8_t> prefix_;  // the unit's prefix: replayed, never backtracked
    std::vector<Unit::Sleeper> sleepers_;  // the unit's sleeping siblings
    std::vector<Unit> handoffs_;           // handed off by this explore() (hand_off())
    std::vector<Request> requests_;        // tree: races with the prefix's steps
    std::vector<std::uint64_t> requested_; // requests_ as keys, sorted: each once
    void split_here(const RunOnce& run_once, const Machine& m);  // split_after
    std::vector<SplitNode> split_nodes_;
    std::vector<std::uint8_t> split_path_;
    std::vector<Piece> pieces_;
    StepForecast seed_;
    bool seeded_ = false;
    std::uint64_t next_handoff_ = 0;       // hand off when stats_.runs reaches it
    bool exact_ = false;        // probe(): stop right after the prefix (to read its last step)
    bool probing_ = false;      // probe(): follow the prefix and forced steps, stop at the next choice
    bool probed_ = false;       // split(): the run reached stop_at_
    Node probe_;                // split(): the branching node the probe reached
    std::array<std::uint32_t, kMaxCpus> remaining_{};  // split(): each CPU's steps after it, run serially
    unsigned budget_ = 0;       // bounded: this round's preemption bound
    std::string diverged_;
    ExploreStats stats_;
    std::chrono::steady_clock::time_point deadline_start_;
    std::string split_bound_;
    std::string stop_reason() const;  // "interrupted", "time-limit" or "" (go on)
    // DPOR analysis scratch (kept to avoid reallocating per execution).
    const Steps* ev_ = nullptr;  // the analysed execution's steps (the machine's)
    std::vector<std::uint32_t> pos_;                          // index of the event within its CPU
    StepIndex index_;             // the steps [0, analysed_), for the race scan
    // clock_/pos_ are valid for the path's steps [0, analysed_): the next
    // execution replays them unchanged, so their races were already handled.
    std::size_t analysed_ = 0;
    std::size_t fresh_from_ = 0;  // the last analyse() saw steps [fresh_from_, n) anew
    std::vector<HbClock> clock_;  // happens-before vector clocks of the race analysis
    // With snapshot_first: the clocks of the full dependence (a covered pair
    // ordered too), which the witness needs to replay; else unused.
    std::vector<HbClock> full_clock_;
    // Step j followed a covered pair's snapshot (snapshot_first_covers): its
    // analysis depends on whether the execution applied the rule.
    std::vector<std::uint8_t> covered_pair_;
    // Step j is the snapshot of a race whose first step it covers (a race
    // snapshot_first leaves to the other order): with the rule applied, the
    // execution is covered, not counted.
    std::vector<std::uint8_t> inverted_pair_;
    bool covered_run_ = false;  // this execution is covered (analyse())
    bool applied_snapshot_first_ = false;  // the analysis of [0, analysed_) applied it
    bool clocks_ready_ = false;   // clock_ holds the current execution's, all of it
    std::vector<std::size_t> pending_races_;
};

}  // namespace sim
