#include "sim/explore.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <stdexcept>
#include <cstdlib>

namespace sim {

namespace {

constexpr CpuMask bit(int c) { return CpuMask{1} << c; }

bool read_like(Access a) { return a == Access::read || a == Access::rcu_deref; }
bool rcu_reader(Access a) { return a == Access::rcu_lock || a == Access::rcu_unlock; }
bool shared_holder(Access a) { return a == Access::acquire_shared || a == Access::release_shared; }
bool is_acquire(Access a) { return a == Access::acquire || a == Access::acquire_shared; }
bool is_release(Access a) { return a == Access::release || a == Access::release_shared; }

using Clock = HbClock;

// `snap` is a grace period's snapshot and `other` changes what it reads.
bool snapshot_orders(const StepInfo& snap, const StepInfo& other, const Reductions& r) {
    return snap.rcu_snapshot && (r.gp_ends ? other.qs_begin : other.qs);
}

// Where the two steps come from, for the rules whose answer depends on
// values: `same_run`, both ran in this execution (a first or b first);
// `sleeper`, a is a sleeping CPU's step recorded in an earlier branch and b
// the step just run, before which a would run now.
enum class Pair { same_run, sleeper };

// Two decrements of one counter (r.nonzero_decs). In one run, each left it
// non-zero: from v, v-1 then v-2 in either order, so neither finds zero and
// the checks see the same values. A sleeper's recorded value is from another
// state: it runs after b now, from b's `left`, so both must stay non-zero
// from there (from 2, each of two leaves 1 alone, and 0 together).
bool decrements_commute(const StepInfo& a, const StepInfo& b, const Reductions& r, Pair p) {
    if (!r.nonzero_decs || !a.dec || !b.dec) return false;
    return p == Pair::same_run ? a.left != 0 && b.left != 0 : b.left != 0 && b.left != 1;
}

// Every conflict of dependent() but the snapshot's.
bool dependent_but_snapshots(const StepInfo& a, const StepInfo& b, const Reductions& r, Pair p = Pair::same_run) {
    if (a.cpu == b.cpu) return true;
    // An oops after a step ends the run: that step disables every other CPU.
    if (a.fatal || b.fatal) return true;
    // kfree(O) against any step through a cell of O (use-after-free, double free).
    if (a.access == Access::free && a.object != 0 && b.object == a.object) return true;
    if (b.access == Access::free && b.object != 0 && a.object == b.object) return true;
    // Classic RCU: arriving at a sleeping lock sleeps (a quiescent state) iff
    // it is held then: ordered against its releases (against an acquisition
    // the sleep happens either way, and both steps carry the qs mark).
    if (a.arrives && a.arrives == b.cell && is_release(b.access)) return true;
    if (b.arrives && b.arrives == a.cell && is_release(a.access)) return true;
    // A second cell read in a step's local code, against the other's writes.
    if (a.also_reads && a.also_reads == b.cell && !read_like(b.access)) return true;
    if (b.also_reads && b.also_reads == a.cell && !read_like(a.access)) return true;
    if (a.cell != b.cell) return false;
    if (read_like(a.access) && read_like(b.access)) return false;
    // Two blind adds of one sign: the same value after both, and every value
    // in between the same whichever ran first (docs/explore.md, Reductions).
    if (r.blind_adds && a.blind != 0 && a.blind == b.blind) return false;
    if (decrements_commute(a, b, r, p)) return false;
    if (a.access == Access::alloc && b.access == Access::alloc) return false;
    // rcu_cell: read-side sections are per-CPU state; what a grace period
    // reads of them is in the snapshot rule (dependent()).
    if (rcu_reader(a.access) || rcu_reader(b.access)) return false;
    if (shared_holder(a.access) && shared_holder(b.access)) return false;  // readers of an rwlock
    // rcu_cell's remaining accesses: grace-period waits and call_rcu's
    // queueing, per CPU (what they read is in the rules above).
    auto gp_access = [](Access x) { return x == Access::rcu_sync || x == Access::rcu_call; };
    if (gp_access(a.access) || gp_access(b.access)) return false;
    return true;
}

// dependent(), for two steps of one run or (Pair::sleeper) a sleeping CPU's
// recorded step against the step just run.
bool dependent_as(const StepInfo& a, const StepInfo& b, const Reductions& r, Pair p) {
    // A grace period's snapshot (in the local code before synchronize_rcu's
    // yield point, or in call_rcu's step) reads which CPUs are in quiescent
    // states: ordered against steps that change that. Its end (the rcu_sync
    // step) only waits for the CPUs in the snapshot to pass one: it follows
    // those steps (GpEdges) and commutes with everything else.
    // With r.gp_ends, only the steps that may begin a read-side stretch: one
    // that only ends it leaves every later step's enabling and the wait's
    // edge the same on either side of the snapshot (docs/explore.md).
    if (a.cpu != b.cpu && (snapshot_orders(a, b, r) || snapshot_orders(b, a, r))) return true;
    return dependent_but_snapshots(a, b, r, p);
}

}  // namespace

bool dependent(const StepInfo& a, const StepInfo& b, const Reductions& r) {
    return dependent_as(a, b, r, Pair::same_run);
}

// The wait after a snapshot needs each CPU that was in a read-side stretch
// then to pass a quiescent state after it. Taken earlier, before `second`,
// the snapshot finds at most the stretches it finds later, and a quiescent
// state after the later point is one after the earlier: the wait is enabled
// whenever it is in the other order, every other step does the same, so each
// run of second-then-first is a run of first-then-second with the same
// outcome, unless it ends with the wait still blocked (docs/explore.md).
bool snapshot_first_covers(const StepInfo& first, const StepInfo& second, const Reductions& r) {
    return r.snapshot_first && first.cpu != second.cpu && snapshot_orders(first, second, r) &&
           !snapshot_orders(second, first, r) && !dependent_but_snapshots(first, second, r);
}

std::vector<HbClock> happens_before(std::span<const StepInfo> st, const GpEdges& edges, const Reductions& r) {
    const std::size_t n = st.size();
    std::size_t e = 0;
    std::vector<HbClock> clock(n);
    std::array<std::uint32_t, kMaxCpus> count{};
    std::array<std::int64_t, kMaxCpus> last;
    last.fill(-1);
    for (std::size_t j = 0; j < n; ++j) {
        const int c = st[j].cpu;
        HbClock C{};
        if (last[c] >= 0) C = clock[static_cast<std::size_t>(last[c])];
        // Per other CPU only the latest dependent step matters: its clock
        // covers that CPU's earlier steps.
        CpuMask seen = bit(c);
        for (std::size_t i = j; i-- > 0;) {
            if (seen & bit(st[i].cpu) || !dependent(st[i], st[j], r)) continue;
            seen |= bit(st[i].cpu);
            for (int q = 0; q < kMaxCpus; ++q) C[q] = std::max(C[q], clock[i][q]);
        }
        for (; e < edges.size() && edges[e].to <= j; ++e)
            if (edges[e].to == j)
                for (int q = 0; q < kMaxCpus; ++q) C[q] = std::max(C[q], clock[edges[e].from][q]);
        C[c] = ++count[c];
        clock[j] = C;
        last[c] = static_cast<std::int64_t>(j);
    }
    return clock;
}

std::vector<int> fewest_switches(std::span<const StepInfo> st, const GpEdges& edges, const Reductions& r,
                                 std::size_t at_most) {
    return fewest_switches(st, happens_before(st, edges, r), at_most);
}

std::vector<int> fewest_switches(std::span<const StepInfo> st, const std::vector<HbClock>& clock, std::size_t at_most) {
    const std::size_t n = st.size();
    std::array<std::vector<std::size_t>, kMaxCpus> of_cpu;
    int ncpu = 0;
    for (std::size_t j = 0; j < n; ++j) {
        of_cpu[st[j].cpu].push_back(j);
        ncpu = std::max(ncpu, st[j].cpu + 1);
    }
    std::vector<int> best;
    std::size_t best_switches = at_most == ~std::size_t{0} ? at_most : at_most + 1;
    // Every CPU with a step is switched to at least once, but the first.
    std::size_t fewest_possible = 0;
    for (int c = 0; c < ncpu; ++c) fewest_possible += !of_cpu[c].empty();
    fewest_possible = fewest_possible ? fewest_possible - 1 : 0;
    std::vector<int> picks;
    picks.reserve(n);
    for (int start = 0; start < ncpu && best_switches > fewest_possible; ++start) {
        if (of_cpu[start].empty()) continue;
        std::array<std::size_t, kMaxCpus> next{};
        picks.clear();
        // A step is ready when every step that happens before it is done.
        auto ready = [&](int c) {
            if (next[c] >= of_cpu[c].size()) return false;
            const HbClock& k = clock[of_cpu[c][next[c]]];
            for (int q = 0; q < ncpu; ++q)
                if (q != c && next[q] < k[q]) return false;
            return true;
        };
        // How far CPU c runs from next[c] while the others stand still: its
        // steps' clocks only grow, so for each other CPU q the first step
        // needing more of q than is done is found by bisection.
        auto run_end = [&](int c) {
            const std::vector<std::size_t>& mine = of_cpu[c];
            std::size_t end = mine.size();
            for (int q = 0; q < ncpu; ++q) {
                if (q == c) continue;
                const auto done = static_cast<std::uint32_t>(next[q]);
                const auto it = std::upper_bound(mine.begin() + static_cast<std::ptrdiff_t>(next[c]),
                                                 mine.begin() + static_cast<std::ptrdiff_t>(end), done,
                                                 [&](std::uint32_t d, std::size_t j) { return d < clock[j][q]; });
                end = static_cast<std::size_t>(it - mine.begin());
            }
            return end;
        };
        int cur = start;
        std::size_t switches = 0;
        bool stuck = false;
        // The greedy order, a run of one CPU at a time: keep the CPU that ran
        // last while its next step is ready, else the lowest ready one. Only
        // a start with strictly fewer switches replaces the best: give up on
        // this one as soon as it cannot (the result is the same).
        while (picks.size() < n && switches < best_switches) {
            if (!ready(cur)) {
                int c = 0;
                while (c < ncpu && !ready(c)) ++c;
                if (c == ncpu) {
                    stuck = true;
                    break;
                }
                if (!picks.empty() && ++switches >= best_switches) break;
                cur = c;
            }
            // At least the step ready(cur) found ready (clocks that did not
            // grow could not stop the loop then).
            const std::size_t end = std::max(run_end(cur), next[cur] + 1);
            picks.insert(picks.end(), end - next[cur], cur);
            next[cur] = end;
        }
        if (!stuck && picks.size() == n && switches < best_switches) {
            best_switches = switches;
            best = picks;
        }
    }
    return best;
}

// The explorer's policy: replays the current path, then extends it.
class ExplorePolicy : public Policy {
public:
    explicit ExplorePolicy(Explorer& e) : ex_(e) {}
    int choose(const Machine& m, CpuMask runnable, int current) override {
        return ex_.choose(const_cast<Machine&>(m), runnable, current);
    }
    // The path's nodes are replayed as they are (choose(), k < nodes_.size()),
    // but in a probe (split(), hand_off()), which follows its own rules.
    std::size_t planned_picks() const override { return ex_.probing_ ? 0 : ex_.nodes_.size(); }
    int planned_pick(std::size_t k) const override { return ex_.nodes_[k].chosen; }
    // A node of the replayed path with branches still to take (backtrack()
    // comes back to it): the run keeps a checkpoint there, so that the run
    // that takes its next branch replays nothing.
    bool returns_to(std::size_t k) const override {
        const Explorer::Node& nd = ex_.nodes_[k];
        return (nd.left() & ~bit(nd.chosen)) != 0;
    }
    std::size_t planned_prefix(const std::vector<std::uint8_t>& picks) const override {
        const std::size_t n = std::min(planned_picks(), picks.size());
        std::size_t same = 0;
        while (same < n && ex_.nodes_[same].chosen == picks[same]) ++same;
        return same;
    }

private:
    Explorer& ex_;
};

bool Explorer::ordering() const {
    const Reductions& r = opt_.reductions;
    return opt_.strategy == Strategy::dpor && r.snapshot_first && r.snapshot_order;
}

int Explorer::branch_first(std::size_t k, CpuMask among, int usual) const {
    if (opt_.strategy == Strategy::dpor && opt_.shuffle_order) return shuffled(k, among);
    // snapshot_order: a snapshot ahead of the stretches it would cover.
    const CpuMask f = ordering() ? forecast_.first(ord_[k], among) : 0;
    return f && !(f & bit(usual)) ? lowest_cpu(f) : usual;
}

int Explorer::shuffled(std::size_t k, CpuMask among) const {
    // splitmix64 of (seed, node, run): the same draw for the same search.
    std::uint64_t x = opt_.shuffle_order ^ (k * 0x9e3779b97f4a7c15ULL) ^ (stats_.runs * 0xbf58476d1ce4e5b9ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    for (auto n = x % static_cast<std::uint64_t>(__builtin_popcount(among)); n > 0; --n) among &= among - 1;
    return lowest_cpu(among);
}

Explorer::Node Explorer::extend(Machine& m, CpuMask runnable, std::size_t k) {
    Node nd;
    nd.enabled = runnable;
    if (asleep_.size() < (k + 1) * kMaxCpus) asleep_.resize((k + 1) * kMaxCpus);
    if (ordering()) {
        if (ord_.size() < k + 1) ord_.resize(k + 1);
        if (k == 0) {
            ord_[0].fill(0);
        } else {
            ord_[k] = ord_[k - 1];
            ++ord_[k][m.steps()[k - 1].cpu];
        }
    }
    if (k == 0) return nd;
    const Node& parent = nodes_[k - 1];
    nd.current = parent.chosen;
    nd.preempted = parent.preempted + (parent.current >= 0 && (parent.enabled & bit(parent.current)) &&
                                       parent.chosen != parent.current);
    if (opt_.strategy == Strategy::dpor) {
        // Sleep set: a sleeping CPU stays asleep past a step independent of its next one.
        const StepInfo& e = m.steps()[k - 1];
        const Reductions& r = opt_.reductions;
        for (CpuMask s = parent.sleep; s; s &= s - 1) {
            const int q = __builtin_ctz(s);
            const StepInfo& a = asleep(k - 1, q);
            const bool own = parent.own & bit(q);
            // Or (snapshot_sleep) past a step its snapshot covers, if its
            // branch is this unit's: a run taking the snapshot here has one
            // taking it there, with its outcome if it ends cleanly
            // (docs/explore.md, Reductions, snapshot-sleep). Covering asks
            // the other conflicts of two steps of one run; a sleeper's step
            // was recorded in another branch: ask them as of a sleeper (a
            // decrement whose local code takes the snapshot, as
            // put_task_struct(); synchronize_rcu(); in attach_task()).
            const bool independent = !dependent_as(a, e, r, Pair::sleeper);
            if (independent || (own && r.snapshot_sleep && snapshot_first_covers(a, e, r) &&
                                !dependent_but_snapshots(a, e, r, Pair::sleeper))) {
                if (!independent) ++stats_.kept_asleep;
                nd.sleep |= bit(q);
                if (own) nd.own |= bit(q);
                asleep(k, q) = a;
            }
        }
    }
    return nd;
}

CpuMask Explorer::branches(const Node& nd) const {
    CpuMask cand = nd.enabled & ~nd.sleep;
    // Out of preemptions: only the running CPU may go on, while it can.
    if (opt_.strategy == Strategy::bounded && nd.current >= 0 && (cand & bit(nd.current)) &&
        nd.preempted >= budget_)
        cand = bit(nd.current);
    return cand;
}

int Explorer::choose(Machine& m, CpuMask runnable, int current) {
    const std::size_t k = m.step();
    if (probed_ && probing_) {  // split(): past the probe point, run on serially to size the subtree
        const int c = lowest_cpu(runnable);
        ++remaining_[c];
        return c;
    }
    if (blocked_) {
        // Past a sleep-blocked node the search uses no step: run on to the end
        // rather than unwind every CPU, unless the run is still long
        // (ExploreOptions::run_on_after_blocked).
        if (k >= blocked_at_ + run_on(m)) m.stop();
        return current >= 0 && (runnable & bit(current)) ? current : lowest_cpu(runnable);
    }
    if (k < nodes_.size()) {  // replaying the path to the next unexplored choice
        const Node& nd = nodes_[k];
        if (nd.chosen < 0 || nd.enabled != runnable) {
            diverged_ = "explore: replay diverged at step " + std::to_string(k + 1) +
                        " (the runnable CPUs differ from the earlier execution: is the model deterministic?)";
            m.stop();
            return lowest_cpu(runnable);
        }
        return nd.chosen;
    }
    Node nd = extend(m, runnable, k);
    const bool dpor = opt_.strategy == Strategy::dpor;
    CpuMask cand = branches(nd);
    if (k < prefix_.size() || (probing_ && !exact_ && __builtin_popcount(cand) == 1)) {
        // A unit's prefix (or split()'s walk down a forced path): the pick is
        // given; DPOR puts the earlier siblings to sleep, as if explored first.
        if (k >= prefix_.size()) prefix_.push_back(static_cast<std::uint8_t>(lowest_cpu(cand)));
        const int p = prefix_[k];
        // A unit's prefix may preempt more than a bounded round allows: those
        // executions are counted in the round of their own count (revisits here).
        const CpuMask allowed = k < prefix_.size() ? nd.enabled & ~nd.sleep : cand;
        if (!(allowed & bit(p))) {
            diverged_ = "explore: unit prefix not followable at step " + std::to_string(k + 1) +
                        " (CPU " + std::to_string(p) + " cannot run there)";
            m.stop();
            return lowest_cpu(runnable);
        }
        if (dpor)
            for (const Unit::Sleeper& z : sleepers_)
                if (z.node == k) {
                    nd.sleep |= bit(z.step.cpu);
                    // A tree search is vouched for as a whole, not unit by
                    // unit (it is explored again without snapshot-sleep if
                    // a counted run anywhere is unclean): the sleepers the
                    // shared tree gives are as good as the unit's own.
                    if (opt_.tree) nd.own |= bit(z.step.cpu);
                    asleep(k, z.step.cpu) = z.step;
                }
        nd.chosen = p;
        nd.backtrack = bit(p);
        nodes_.push_back(nd);
        return p;
    }
    if (exact_) {  // split(): the prefix's last step has run, local code and all
        probed_ = true;
        m.stop();
        return lowest_cpu(runnable);
    }
    if (probing_) {  // split(): the first node with a choice (or none); then on to the end
        probe_ = nd;
        probed_ = true;
        remaining_.fill(0);
        const int c = lowest_cpu(runnable);
        ++remaining_[c];
        return c;
    }
    if (cand == 0) {  // everything runnable is asleep: explored elsewhere
        blocked_ = true;
        // The CPUs waiting (for a lock, a grace period) never get to take
        // their step in this execution: analyse those steps as at a deadlock,
        // or the orders in which they would have won the lock are lost.
        for (int c = 0; c < m.ncpus(); ++c)
            if (!(runnable & bit(c)) && !m.cpu_state(c).finished) stalled_.push_back(m.pending_info(c));
        nodes_.push_back(nd);
        blocked_at_ = k;
        if (run_on(m) == 0) m.stop();
        return current >= 0 && (runnable & bit(current)) ? current : lowest_cpu(runnable);
    }
    // Keep the current CPU when possible: fewer context switches in a run
    // (its witness is its trace's fewest-switch linearisation, whatever the
    // run; at the first step, "current" is only the last CPU started: take CPU0).
    const int p = branch_first(k, cand, k > 0 && current >= 0 && (cand & bit(current)) ? current : lowest_cpu(cand));
    // Set in place: written into nd just before the copy, they stalled its
    // wide loads (store forwarding, a third of choose() in perf).
    Node& added = nodes_.emplace_back(nd);
    added.chosen = p;
    added.backtrack = dpor ? bit(p) : cand;
    return p;
}

// Whether this execution's analysis may leave a race of a snapshot and a
// later step it covers unreversed (snapshot_first_covers). Not when the run
// ended with CPUs blocked, was stopped asleep or hit the step limit: in the
// reverse order the wait could stay blocked for ever behind a CPU that never
// leaves its read-side stretch, an end this order cannot have. Nor after a
// sleep in atomic context: a CPU spinning in its stretch on a lock held by a
// sleeper is how that happens (docs/explore.md, Reductions).
bool Explorer::may_apply_snapshot_first(const Machine& m) const {
    if (!opt_.reductions.snapshot_first || blocked_ || !stalled_.empty() || !m.blocked_at_end().empty()) return false;
    for (const Finding& f : m.findings())
        if (f.kind == "deadlock" || f.kind == "sleep-in-atomic" || f.kind == "step-limit") return false;
    return true;
}

void Explorer::analyse(const Machine& m) {
    const Steps& st = m.steps();
    // Stopped asleep: the CPUs that were waiting then, whatever the run did after.
    const std::vector<StepInfo>& bl = blocked_ || m.blocked_at_end().empty() ? stalled_ : m.blocked_at_end();
    const std::size_t n = recorded(m);
    const int ncpu = std::min(m.ncpus(), kMaxCpus);
    const Reductions& red = opt_.reductions;
    const bool apply = may_apply_snapshot_first(m);
    clock_.resize(n);
    pos_.resize(n);
    if (red.snapshot_first) {
        full_clock_.resize(n);
        covered_pair_.resize(n);
        inverted_pair_.resize(n);
    }
    std::array<std::uint32_t, kMaxCpus> count{};
    std::array<std::int64_t, kMaxCpus> last;
    last.fill(-1);
    // Steps this path shares with the execution analysed last: their clocks
    // stand and their races were handled then (race() only ever adds to the
    // backtrack sets of nodes still on the path). Unless that analysis
    // applied snapshot_first and this one does not, or the reverse: then from
    // the first step it changes.
    std::size_t from = std::min(analysed_, n);
    fresh_from_ = from;
    if (red.snapshot_first && apply != applied_snapshot_first_)
        for (std::size_t j = 0; j < from; ++j)
            if (covered_pair_[j]) {
                from = j;
                break;
            }
    applied_snapshot_first_ = apply;
    const GpEdges& edges = m.gp_edges();
    std::size_t gp_next = 0;
    while (gp_next < edges.size() && edges[gp_next].to < from) ++gp_next;
    for (std::size_t j = 0; j < from; ++j) {
        ++count[st[j].cpu];
        last[st[j].cpu] = static_cast<std::int64_t>(j);
    }
    if (index_.size() < from) throw std::logic_error("explore: the step index lost shared steps");
    index_.truncate(from);
    auto join = [ncpu](Clock& a, const Clock& b) {
        for (int q = 0; q < ncpu; ++q) a[q] = std::max(a[q], b[q]);
    };
    // Every step, then each blocked CPU's pending step at a deadlock: find the
    // steps it races with (dependent, other CPU, not ordered through a third
    // step). A lock acquisition races with the previous acquisition, not with
    // the release that let it run (reversing that would need the lock free).
    for (std::size_t j = from; j < n + bl.size(); ++j) {
        const StepInfo& e = j < n ? st[j] : bl[j - n];
        const int c = e.cpu;
        // F: the full dependence's clock (snapshot_first only). A recorded
        // step's clocks are built where they are kept: built in a local and
        // copied there, the copy's wide loads waited on the joins' narrow
        // stores (a store-forwarding stall, a sixth of analyse() in perf).
        Clock scratch_c, scratch_f;
        Clock& C = j < n ? clock_[j] : scratch_c;
        Clock& F = j < n && red.snapshot_first ? full_clock_[j] : scratch_f;
        if (last[c] >= 0) {
            C = clock_[static_cast<std::size_t>(last[c])];
            if (red.snapshot_first) F = full_clock_[static_cast<std::size_t>(last[c])];
        } else {
            C = Clock{};
            F = Clock{};
        }
        const bool acquire = is_acquire(e.access);
        bool covered_pair = false, inverted_pair = false;
        if (red.snapshot_first && j < n) {
            // F first takes what orders e after other steps through a third
            // one but is joined into C only after the scan (the release that
            // let an acquisition run, a wait's quiescent states): the scan
            // below asks F whether f precedes e only through others. Every
            // join into C is one into F too, so F covers C.
            for (std::size_t g = gp_next; g < edges.size() && edges[g].to <= j; ++g)
                if (edges[g].to == j) join(F, full_clock_[edges[g].from]);
            if (acquire)
                for (std::uint32_t i : index_.on_cell(e.cell))
                    if (st[i].cpu != c && is_release(st[i].access) && dependent(st[i], e, red))
                        join(F, full_clock_[i]);
        }
        pending_races_.clear();
        // The earlier steps that may be dependent with e (the index's lists,
        // or every step after an oops), latest first. A step C already
        // covers (C[its cpu] > its position) happens before one joined: no
        // race, and its clock adds nothing.
        StepIndex::Cursor earlier(index_, e);  // the index holds [0, min(j, n))
        for (std::size_t i; earlier.next(i);) {
            const StepInfo& f = st[i];
            if (f.cpu == c || C[f.cpu] > pos_[i]) continue;
            if (!dependent(f, e, red)) continue;
            if (acquire && is_release(f.access) && f.cell == e.cell) continue;
            // Never co-enabled: f's CPU held the lock e takes (it must release
            // it first, and e then races with that release's acquisition).
            if (e.lock_bit >= 0 && (f.held >> e.lock_bit & 1)) continue;
            if (red.snapshot_first) {
                // A race under the full dependence too (no later step joined
                // so far orders f before e): if e is a snapshot covering f,
                // the run with e first has every outcome of this one.
                if (F[f.cpu] <= pos_[i] && snapshot_first_covers(e, f, red)) inverted_pair = true;
                join(F, full_clock_[i]);
                if (snapshot_first_covers(f, e, red)) {
                    covered_pair = true;
                    if (apply) continue;  // neither a race nor an order: e may run first, f covers it
                }
            }
            pending_races_.push_back(i);
            join(C, clock_[i]);
        }
        C[c] = count[c] + 1;
        // An acquisition also races with the lock's previous acquisition by
        // another CPU when a chain orders the two (through a sleeper's
        // arrival, say): the reversal of the chain's last race may need the
        // lock free where that CPU holds it, and the all-enabled fallback of
        // race() then branches too late (docs/explore.md, Limits: program
        // 1682 of seed 99 lost seven traces). Two read_locks commute.
        if (acquire) {
            const StepIndex::List& same_cell = index_.on_cell(e.cell);
            for (auto it = same_cell.rbegin(); it != same_cell.rend(); ++it) {
                const StepInfo& f = st[*it];
                if (f.cpu == c || !is_acquire(f.access) || !dependent(f, e, red)) continue;
                if (std::find(pending_races_.begin(), pending_races_.end(), *it) == pending_races_.end())
                    pending_races_.push_back(*it);
                break;
            }
        }
        for (std::size_t i : pending_races_) race(i, j, e, C);
        if (j < n) {
            // A grace-period wait follows the quiescent states that let it run.
            for (; gp_next < edges.size() && edges[gp_next].to <= j; ++gp_next)
                if (edges[gp_next].to == j) join(C, clock_[edges[gp_next].from]);
            if (acquire)
                for (std::uint32_t i : index_.on_cell(e.cell))
                    if (st[i].cpu != c && C[st[i].cpu] <= pos_[i] && is_release(st[i].access) && dependent(st[i], e, red))
                        join(C, clock_[i]);
            if (red.snapshot_first) {
                F[c] = C[c];
                covered_pair_[j] = covered_pair;
                inverted_pair_[j] = inverted_pair;
            }
            pos_[j] = count[c]++;
            last[c] = static_cast<std::int64_t>(j);
            index_.add(e);
        }
    }
    analysed_ = n;
    covered_run_ = apply && std::any_of(inverted_pair_.begin(), inverted_pair_.begin() + static_cast<std::ptrdiff_t>(n),
                                        [](std::uint8_t x) { return x != 0; });
}

void Explorer::race(std::size_t i, std::size_t j, const StepInfo& ej, const Clock& cj) {
    ++stats_.races;
    // Every branch of a split unit's prefix is another unit; a unit of a
    // tree search hands the race to the tree (requests()).
    const bool shared = i < prefix_.size();
    if (shared && !opt_.tree) return;
    Node& nd = nodes_[i];
    const Steps& st = *ev_;
    const int ci = st[i].cpu;
    const std::uint32_t pi = pos_[i];
    // v = the steps after i (and before j) not happening after i, then j. Its
    // initials: CPUs whose first step in v has no predecessor in v.
    Clock firstv{};
    CpuMask seen = 0, initials = 0;
    auto consider = [&](int cpu, std::uint32_t pos, const Clock& ck) {
        if (seen & bit(cpu)) return;
        bool pred = false;
        for (CpuMask s = seen; s; s &= s - 1) {
            int q = __builtin_ctz(s);
            if (ck[q] > firstv[q]) {
                pred = true;
                break;
            }
        }
        seen |= bit(cpu);
        firstv[cpu] = pos;
        if (!pred) initials |= bit(cpu);
    };
    // Bounded by the analysed steps (clock_ holds exactly those), not by the
    // run: a run that went on past a sleep-blocked node has steps after them,
    // and for a stalled CPU's pending step (j >= n) the walk would read clocks
    // left from earlier runs.
    const std::size_t end = std::min(j, clock_.size());
    for (std::size_t k = i + 1; k < end; ++k)
        if (clock_[k][ci] <= pi) consider(st[k].cpu, pos_[k], clock_[k]);
    consider(ej.cpu, cj[ej.cpu] - 1, cj);
    // A sleeping initial's branch is cut short here: when one that is awake
    // can run, only those count (already scheduled, or to schedule). Any
    // initial is a sound choice; with snapshot_first a sleeper's branch may
    // hold only covered runs of v's trace (docs/explore.md, Reductions).
    if (initials & nd.enabled & ~nd.sleep) initials &= ~nd.sleep;
    if (initials & nd.backtrack) return;
    if (shared) {
        const std::uint64_t key = (static_cast<std::uint64_t>(i) << 32) | initials;
        const auto at = std::lower_bound(requested_.begin(), requested_.end(), key);
        if (at == requested_.end() || *at != key) {
            requested_.insert(at, key);
            requests_.push_back({static_cast<std::uint32_t>(i), initials});
        }
        return;
    }
    CpuMask can = initials & nd.enabled;
    if (can == 0) {
        // No initial can run here (blocked on a lock or a grace period): fall
        // back to every enabled CPU (Flanagan and Godefroid's rule), which is
        // always sound.
        nd.backtrack |= nd.enabled;
        return;
    }
    nd.backtrack |= bit(lowest_cpu(can));
}

bool Explorer::backtrack(const Machine& m) {
    const Steps& st = m.steps();
    const bool dpor = opt_.strategy == Strategy::dpor;
    while (nodes_.size() > prefix_.size()) {
        const std::size_t k = nodes_.size() - 1;
        Node& nd = nodes_.back();
        if (nd.chosen >= 0) {
            nd.done |= bit(nd.chosen);
            if (dpor) {
                nd.sleep |= bit(nd.chosen);
                nd.own |= bit(nd.chosen);
                asleep(k, nd.chosen) = k < st.size() ? st[k] : m.pending_info(nd.chosen);
            }
        }
        const CpuMask todo = nd.left();
        if (todo) {
            nd.chosen = branch_first(k, todo, lowest_cpu(todo));
            analysed_ = std::min(analysed_, k);  // step k and after change
            return true;
        }
        nodes_.pop_back();
        analysed_ = std::min(analysed_, nodes_.size());
    }
    return false;
}

void ExploreStats::add(const ExploreStats& o) {
    executions += o.executions;
    sleep_blocked += o.sleep_blocked;
    covered += o.covered;
    unclean += o.unclean;
    kept_asleep += o.kept_asleep;
    discarded += o.discarded;
    probes += o.probes;
    runs += o.runs;
    races += o.races;
    revisits += o.revisits;
    longest = std::max(longest, o.longest);
    complete = complete && o.complete;
    if (bound.empty()) bound = o.bound;
}

ExploreStats Explorer::explore(const RunOnce& run_once, const OnExecution& on_execution) {
    return explore(run_once, on_execution, Unit{}, {});
}

ExploreStats Explorer::explore(const RunOnce& run_once, const OnExecution& on_execution, const Unit& unit,
                               const std::function<void()>& discard) {
    const auto start = std::chrono::steady_clock::now();
    const ExploreStats first = explore(run_once, on_execution, unit);
    // Nothing pruned by the rule (a search without snapshots), nothing it
    // cannot vouch for, or stopped by a limit (what it found was found; the
    // unit is not done and --resume runs it again from its start): it stands.
    if (first.kept_asleep == 0 || first.unclean == 0 || !first.complete) return first;
    // Its pieces (handoffs()) have not run: the caller takes them once this
    // returns, and the second try hands off its own.
    if (discard) discard();
    const ExploreOptions kept = opt_;
    opt_.reductions.snapshot_sleep = false;
    // The unit's limits, not a second set: what is left of them.
    if (opt_.time_limit > 0)
        opt_.time_limit = std::max(1e-3, opt_.time_limit - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (opt_.max_runs) opt_.max_runs -= first.runs;  // first.complete: it stopped short of the cap
    ExploreStats st = explore(run_once, on_execution, unit);
    opt_ = kept;
    st.discarded = first.runs;
    st.probes += first.probes;
    return st;
}

ExploreStats Explorer::explore(const RunOnce& run_once, const OnExecution& on_execution, const Unit& unit) {
    stats_ = {};
    diverged_.clear();
    probing_ = false;
    const unsigned rounds = opt_.strategy == Strategy::bounded ? opt_.preemptions + 1 : 1;
    deadline_start_ = std::chrono::steady_clock::now();
    handoffs_.clear();
    next_handoff_ = opt_.handoff_after;
    requests_.clear();
    requested_.clear();
    split_nodes_.clear();
    split_path_.clear();
    pieces_.clear();
    // snapshot_order: a unit's order is its own, the same whoever explores it
    // after whatever. Its first run would choose blind, at the unit's root
    // first of all, whose first branch holds most of the search: learn the
    // CPUs' steps from one serial run of the unit before (a probe, not
    // counted), unless given a forecast to start from (seed_forecast()). Not
    // when a limit has struck already (the loop below reports it): the probe
    // is a whole run.
    forecast_.clear();
    if (ordering() && seeded_) {
        forecast_ = seed_;
    } else if (ordering() && stop_reason().empty()) {
        forecast_.learn(probe(run_once, unit, false).steps(), opt_.reductions.gp_ends);
        ++stats_.probes;
    }
    for (unsigned b = 0; b < rounds; ++b) {
        budget_ = opt_.strategy == Strategy::bounded ? b : ~0u;
        prefix_ = unit.prefix;
        sleepers_ = unit.sleepers;
        nodes_.clear();
        analysed_ = 0;
        if (!run_unit(run_once, on_execution)) {
            // A later round stopped by a limit: the earlier rounds' "complete"
            // does not cover it (bounded, preemption round b+1 onwards).
            stats_.complete = false;
            break;
        }
    }
    prefix_.clear();
    sleepers_.clear();
    return stats_;
}

bool Explorer::run_unit(const RunOnce& run_once, const OnExecution& on_execution) {
    ExplorePolicy policy(*this);
    const bool bounded = opt_.strategy == Strategy::bounded;
    for (;;) {
        if (opt_.max_runs && stats_.runs >= opt_.max_runs) {
            stats_.bound = "max-runs";
            return false;
        }
        if (std::string b = stop_reason(); !b.empty()) {
            stats_.bound = b;
            return false;
        }
        blocked_ = false;
        stalled_.clear();
        const Machine& m = run_once(policy);
        if (!diverged_.empty()) throw std::runtime_error(diverged_);
        if (!m.exploring() || m.steps().size() != m.step())
            throw std::runtime_error("explore: the run was not recorded (call Machine::set_exploring(true))");
        ++stats_.runs;
        stats_.longest = std::max(stats_.longest, recorded(m));
        // The race analysis first: on_execution may read its clocks.
        if (opt_.strategy == Strategy::dpor) {
            ev_ = &m.steps();  // the machine outlives the analysis
            analyse(m);
            if (ordering())
                forecast_.learn(std::span(m.steps()).first(recorded(m)), pos_, fresh_from_, opt_.reductions.gp_ends);
        }
        if (blocked_) {
            ++stats_.sleep_blocked;
        } else if (covered_run_) {
            ++stats_.covered;
        } else if (bounded && preemptions(m) != budget_) {
            ++stats_.revisits;  // counted in the round of its own preemption count
        } else {
            ++stats_.executions;
            // Counted with the full dependence (analyse() could not apply
            // snapshot_first: it ended blocked, at an oops, asleep in atomic
            // context or at the step limit): snapshot_sleep may have kept a
            // run like it from being explored.
            if (opt_.strategy == Strategy::dpor && opt_.reductions.snapshot_first && !applied_snapshot_first_)
                ++stats_.unclean;
            clocks_ready_ = opt_.strategy == Strategy::dpor && clock_.size() == m.steps().size();
            on_execution(m);
            clocks_ready_ = false;
        }
        if (!backtrack(m)) {
            stats_.complete = true;
            return true;
        }
        if (opt_.tree && opt_.split_after && stats_.runs >= opt_.split_after && opt_.strategy == Strategy::dpor) {
            split_here(run_once, m);
            stats_.complete = true;  // what is left is in pieces()
            return true;
        }
        if (opt_.handoff_after && opt_.strategy == Strategy::dpor && stats_.runs >= next_handoff_) {
            hand_off(run_once, m);
            next_handoff_ = stats_.runs + opt_.handoff_after;
        }
    }
}

// The next run takes nodes_[k].chosen at its last node k. At the shallowest
// node j of the unit's path with branches neither taken, done nor asleep,
// those branches become units of their own (in CPU order, each sleeping on
// the branch this unit takes there and on the ones handed off before it, as
// the search would have explored them after it), and node j joins this
// unit's prefix: from now on it explores only below its branch there. All
// the untaken branches go, not only those in the backtrack set: races found
// later below could add any of them (as split() takes every branch).
void Explorer::hand_off(const RunOnce& run_once, const Machine& m) {
    const std::size_t k = nodes_.size() - 1;
    std::size_t j = prefix_.size();
    CpuMask rest = 0;
    for (; j <= k; ++j) {
        const Node& nd = nodes_[j];
        rest = nd.enabled & ~nd.done & ~nd.sleep & ~bit(nd.chosen);
        if (rest) break;
    }
    if (!rest) return;
    // What each new unit replays up to node j, with the sleepers of every
    // node of the path (asleep on entry, and the branches done there).
    Unit base;
    for (std::size_t i = 0; i < j; ++i) base.prefix.push_back(static_cast<std::uint8_t>(nodes_[i].chosen));
    base.sleepers = sleepers_;
    for (std::size_t i = prefix_.size(); i <= j; ++i)
        for (CpuMask s = nodes_[i].sleep; s; s &= s - 1) {
            const int q = __builtin_ctz(s);
            base.sleepers.push_back({static_cast<std::uint32_t>(i), asleep(i, q)});
        }
    // Probing reuses the path's state: keep it.
    const std::vector<Node> nodes = nodes_;
    const std::vector<StepInfo> asleep = asleep_;
    const std::vector<StepForecast::Ordinals> ord = ord_;
    const std::vector<std::uint8_t> prefix = prefix_;
    auto with = [&](int c) {
        Unit u = base;
        u.prefix.push_back(static_cast<std::uint8_t>(c));
        return u;
    };
    // The branches before each new unit at j, in order. First the one this
    // unit takes: its step in the last run, unless j is the last node, whose
    // branch has not run yet (read before any probe reuses the machine).
    std::vector<StepInfo> taken{j < k ? m.steps()[j] : probe(run_once, with(nodes_[j].chosen), true).steps().at(j)};
    for (CpuMask s = rest; s; s &= s - 1) {
        const int c = __builtin_ctz(s);
        Unit u = with(c);
        for (const StepInfo& step : taken) u.sleepers.push_back({static_cast<std::uint32_t>(j), step});
        if (s & (s - 1)) taken.push_back(probe(run_once, u, true).steps().at(j));
        handoffs_.push_back(std::move(u));
    }
    nodes_ = nodes;
    asleep_ = asleep;
    ord_ = ord;
    sleepers_ = base.sleepers;
    prefix_ = prefix;
    for (std::size_t i = prefix_.size(); i <= j; ++i) prefix_.push_back(static_cast<std::uint8_t>(nodes_[i].chosen));
}

// The unit stops after its run `m` and backtrack(): each node of its path
// below the prefix becomes a shared node, and its branches still to take
// (at the last node, the one backtrack() just chose too) become units, each
// sleeping on the branches taken there before it, as it would have in this
// unit (the done ones, the one the path takes, the pieces before it), and
// on those done at the nodes above it.
void Explorer::split_here(const RunOnce& run_once, const Machine& m) {
    const std::size_t p = prefix_.size(), k = nodes_.size() - 1;
    for (std::size_t i = 0; i < k; ++i) split_path_.push_back(static_cast<std::uint8_t>(nodes_[i].chosen));
    struct Todo {
        std::uint32_t node;
        int cpu;
        std::vector<Unit::Sleeper> above;
    };
    std::vector<Todo> todo;
    std::vector<Unit::Sleeper> above = sleepers_;
    for (std::size_t i = p; i <= k; ++i) {
        const Node& nd = nodes_[i];
        SplitNode sn;
        sn.enabled = nd.enabled;
        sn.sleep = nd.sleep & ~nd.done;
        sn.backtrack = nd.backtrack;
        for (CpuMask d = nd.done; d; d &= d - 1) sn.branches.push_back(asleep(i, __builtin_ctz(d)));
        const CpuMask pending = i < k ? nd.left() & ~bit(nd.chosen) : nd.left();
        if (i < k) sn.branches.push_back(m.steps()[i]);
        sn.branched = nd.done | (i < k ? bit(nd.chosen) : 0) | pending;
        // In the order backtrack() would have taken them.
        for (CpuMask s = pending; s;) {
            const int c = branch_first(i, s, lowest_cpu(s));
            s &= ~bit(c);
            todo.push_back({static_cast<std::uint32_t>(i), c, above});
        }
        if (i < k)
            for (CpuMask d = nd.done; d; d &= d - 1)
                above.push_back({static_cast<std::uint32_t>(i), asleep(i, __builtin_ctz(d))});
        split_nodes_.push_back(std::move(sn));
    }
    // The probes reuse the path's state: it is not needed any more.
    const std::vector<std::uint8_t> path = split_path_;
    for (Todo& t : todo) {
        SplitNode& sn = split_nodes_[t.node - p];
        Unit u;
        u.prefix.assign(path.begin(), path.begin() + t.node);
        u.prefix.push_back(static_cast<std::uint8_t>(t.cpu));
        u.sleepers = std::move(t.above);
        for (const StepInfo& b : sn.branches) u.sleepers.push_back({t.node, b});
        sn.branches.push_back(probe(run_once, u, true).steps().at(t.node));
        pieces_.push_back({t.node, std::move(u)});
    }
    prefix_.clear();
    sleepers_.clear();
    nodes_.clear();
}

StepInfo Explorer::branch_step(const RunOnce& run_once, const Unit& u) {
    const StepInfo s = probe(run_once, u, true).steps().at(u.prefix.size() - 1);
    prefix_.clear();
    sleepers_.clear();
    nodes_.clear();
    return s;
}

// Runs a unit's prefix, then its forced steps; stops right after the prefix
// (exact) or sizes the rest by running on serially (split()).
const Machine& Explorer::probe(const RunOnce& run_once, const Unit& u, bool exact) {
    ExplorePolicy policy(*this);
    prefix_ = u.prefix;
    sleepers_ = u.sleepers;
    nodes_.clear();
    probing_ = true;
    exact_ = exact;
    probed_ = false;
    blocked_ = false;  // a probe never stops asleep, nor runs on after it
    const Machine& m = run_once(policy);
    probing_ = exact_ = false;
    if (!diverged_.empty()) throw std::runtime_error(diverged_);
    return m;
}

unsigned Explorer::preemptions(const Machine& m) const {
    unsigned n = 0;
    for (std::size_t k = 1; k < m.steps().size(); ++k) {
        const Node& nd = nodes_[k];
        if (nd.current >= 0 && (nd.enabled & bit(nd.current)) && nd.chosen != nd.current) ++n;
    }
    return n;
}

namespace {
// log of the number of interleavings of the remaining steps (a multinomial
// coefficient): the size of a DFS subtree if nothing blocked, and a proxy for
// a DPOR one.
double log_interleavings(const std::array<std::uint32_t, kMaxCpus>& r) {
    double total = 0, sum = 0;
    for (std::uint32_t x : r) {
        total += std::lgamma(static_cast<double>(x) + 1);
        sum += x;
    }
    return std::lgamma(sum + 1) - total;
}
}  // namespace

std::string Explorer::stop_reason() const {
    if (opt_.interrupt && opt_.interrupt->load(std::memory_order_relaxed)) return "interrupted";
    if (opt_.time_limit > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - deadline_start_).count() >= opt_.time_limit)
        return "time-limit";
    return "";
}

std::vector<Unit> Explorer::split(const RunOnce& run_once, std::size_t target, const Unit& root,
                                  std::uint64_t& pruned, std::vector<double>* estimates) {
    deadline_start_ = std::chrono::steady_clock::now();
    split_bound_.clear();
    diverged_.clear();
    budget_ = opt_.strategy == Strategy::bounded ? opt_.preemptions : ~0u;
    const bool dpor = opt_.strategy == Strategy::dpor;
    struct Item {
        Unit unit;            // its prefix runs to the branching node (forced steps included)
        bool leaf = false;    // a complete execution, or nothing to split
        CpuMask cand = 0;     // the branches at its node
        double size = 0;      // log of the estimated subtree size
    };
    auto make_item = [&](const Unit& u) {
        probe(run_once, u, false);
        Item it;
        it.unit = Unit{prefix_, u.sleepers};
        if (!probed_) {  // the run ended on the forced path
            it.leaf = true;
            return it;
        }
        it.cand = branches(probe_);  // two or more, or none (all asleep: pruned)
        it.size = log_interleavings(remaining_);
        return it;
    };
    std::vector<Item> items{make_item(root)};
    if (items[0].cand == 0 && !items[0].leaf) {
        items.clear();
        ++pruned;
    }
    std::size_t live = items.size();
    // Split the biggest estimated subtree first (ties: the earlier prefix),
    // until there are `target` units: subtrees of comparable size, so that
    // workers and shards get even shares.
    while (live < target) {
        // Every limit applies to every phase: a split into many units can
        // take long (a probe run per branch).
        if (split_bound_ = stop_reason(); !split_bound_.empty()) break;
        std::size_t best = items.size();
        for (std::size_t i = 0; i < items.size(); ++i)
            if (!items[i].leaf &&
                (best == items.size() || items[i].size > items[best].size ||
                 (items[i].size == items[best].size && items[i].unit.prefix < items[best].unit.prefix)))
                best = i;
        if (best == items.size()) break;
        Item parent = std::move(items[best]);
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(best));
        --live;
        const auto node = static_cast<std::uint32_t>(parent.unit.prefix.size());
        std::vector<Unit::Sleeper> earlier;
        for (CpuMask s = parent.cand; s; s &= s - 1) {
            Unit u = parent.unit;
            u.prefix.push_back(static_cast<std::uint8_t>(__builtin_ctz(s)));
            if (dpor) {
                u.sleepers.insert(u.sleepers.end(), earlier.begin(), earlier.end());
                // Each later sibling sleeps on the step this one takes here,
                // read from a run that takes it (with its RCU snapshot flag).
                if (s & (s - 1)) earlier.push_back({node, probe(run_once, u, true).steps().at(node)});
            }
            Item child = make_item(u);
            if (!child.leaf && child.cand == 0) {  // every runnable CPU asleep
                ++pruned;
                continue;
            }
            items.push_back(std::move(child));
            ++live;
        }
    }
    prefix_.clear();
    sleepers_.clear();
    nodes_.clear();
    if (!split_bound_.empty()) return {};  // stopped: no units (the caller reports the bound)
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.unit.prefix < b.unit.prefix; });
    std::vector<Unit> out;
    if (estimates) estimates->clear();
    for (Item& it : items) {
        out.push_back(std::move(it.unit));
        if (estimates) estimates->push_back(it.size);
    }
    return out;
}

}  // namespace sim
