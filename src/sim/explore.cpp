#include "sim/explore.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace sim {

namespace {

constexpr CpuMask bit(int c) { return CpuMask{1} << c; }

bool read_like(Access a) { return a == Access::read || a == Access::rcu_deref; }
bool rcu_reader(Access a) { return a == Access::rcu_lock || a == Access::rcu_unlock; }
bool shared_holder(Access a) { return a == Access::acquire_shared || a == Access::release_shared; }
bool is_acquire(Access a) { return a == Access::acquire || a == Access::acquire_shared; }
bool is_release(Access a) { return a == Access::release || a == Access::release_shared; }

using Clock = std::array<std::uint32_t, kMaxCpus>;

}  // namespace

bool dependent(const StepInfo& a, const StepInfo& b) {
    if (a.cpu == b.cpu) return true;
    // kfree(O) against any step through a cell of O (use-after-free, double free).
    if (a.access == Access::free && a.object != 0 && b.object == a.object) return true;
    if (b.access == Access::free && b.object != 0 && a.object == b.object) return true;
    // synchronize_rcu snapshots the readers in the local code before its yield point.
    if (a.rcu_snapshot && rcu_reader(b.access)) return true;
    if (b.rcu_snapshot && rcu_reader(a.access)) return true;
    if (a.cell != b.cell) return false;
    if (read_like(a.access) && read_like(b.access)) return false;
    if (a.access == Access::alloc && b.access == Access::alloc) return false;
    if (rcu_reader(a.access) && rcu_reader(b.access)) return false;  // per-CPU state
    if (shared_holder(a.access) && shared_holder(b.access)) return false;  // readers of an rwlock
    if (a.access == Access::rcu_sync && b.access == Access::rcu_sync) return false;
    return true;
}

std::vector<int> fewest_switches(const std::vector<StepInfo>& st) {
    const std::size_t n = st.size();
    // Each step's predecessors: dependent earlier steps of other CPUs.
    std::vector<std::vector<std::size_t>> preds(n);
    std::array<std::vector<std::size_t>, kMaxCpus> of_cpu;
    for (std::size_t j = 0; j < n; ++j) {
        of_cpu[st[j].cpu].push_back(j);
        for (std::size_t i = 0; i < j; ++i)
            if (st[i].cpu != st[j].cpu && dependent(st[i], st[j])) preds[j].push_back(i);
    }
    std::vector<int> best;
    std::size_t best_switches = ~std::size_t{0};
    for (int start = 0; start < kMaxCpus; ++start) {
        if (of_cpu[start].empty()) continue;
        std::array<std::size_t, kMaxCpus> next{};
        std::vector<bool> done(n, false);
        std::vector<int> picks;
        auto ready = [&](int c) {
            if (next[c] >= of_cpu[c].size()) return false;
            for (std::size_t i : preds[of_cpu[c][next[c]]])
                if (!done[i]) return false;
            return true;
        };
        int cur = start;
        std::size_t switches = 0;
        bool stuck = false;
        while (picks.size() < n) {
            if (!ready(cur)) {
                int c = 0;
                while (c < kMaxCpus && !ready(c)) ++c;
                if (c == kMaxCpus) {
                    stuck = true;
                    break;
                }
                if (!picks.empty()) ++switches;
                cur = c;
            }
            done[of_cpu[cur][next[cur]++]] = true;
            picks.push_back(cur);
        }
        if (!stuck && switches < best_switches) {
            best_switches = switches;
            best = std::move(picks);
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

private:
    Explorer& ex_;
};

int Explorer::choose(Machine& m, CpuMask runnable, int current) {
    const std::size_t k = m.step();
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
    Node nd;
    nd.enabled = runnable;
    const bool dpor = opt_.strategy == Strategy::dpor;
    if (dpor && k > 0) {
        // Sleep set: a sleeping CPU stays asleep past a step independent of its next one.
        const Node& parent = nodes_[k - 1];
        const StepInfo& e = m.steps()[k - 1];
        for (CpuMask s = parent.sleep; s; s &= s - 1) {
            int q = __builtin_ctz(s);
            if (!dependent(parent.asleep[q], e)) {
                nd.sleep |= bit(q);
                nd.asleep[q] = parent.asleep[q];
            }
        }
    }
    CpuMask cand = runnable & ~nd.sleep;
    if (cand == 0) {  // everything runnable is asleep: explored elsewhere
        blocked_ = true;
        nodes_.push_back(nd);
        m.stop();
        return lowest_cpu(runnable);
    }
    // Keep the current CPU when possible: fewer context switches in witnesses
    // (at the first step, "current" is only the last CPU started: take CPU0).
    int p = k > 0 && current >= 0 && (cand & bit(current)) ? current : lowest_cpu(cand);
    nd.chosen = p;
    nd.backtrack = dpor ? bit(p) : runnable;
    nodes_.push_back(nd);
    return p;
}

void Explorer::analyse(const Machine& m) {
    const std::vector<StepInfo>& st = m.steps();
    const std::vector<StepInfo>& bl = m.blocked_at_end();
    const std::size_t n = st.size();
    const int ncpu = std::min(m.ncpus(), kMaxCpus);
    clock_.resize(n);
    pos_.resize(n);
    std::array<std::uint32_t, kMaxCpus> count{};
    std::array<std::int64_t, kMaxCpus> last;
    last.fill(-1);
    auto join = [ncpu](Clock& a, const Clock& b) {
        for (int q = 0; q < ncpu; ++q) a[q] = std::max(a[q], b[q]);
    };
    // Every step, then each blocked CPU's pending step at a deadlock: find the
    // steps it races with (dependent, other CPU, not ordered through a third
    // step). A lock acquisition races with the previous acquisition, not with
    // the release that let it run (reversing that would need the lock free).
    for (std::size_t j = 0; j < n + bl.size(); ++j) {
        const StepInfo& e = j < n ? st[j] : bl[j - n];
        const int c = e.cpu;
        Clock C{};
        if (last[c] >= 0) C = clock_[static_cast<std::size_t>(last[c])];
        const bool acquire = is_acquire(e.access);
        pending_races_.clear();
        for (std::size_t i = std::min(j, n); i-- > 0;) {
            const StepInfo& f = st[i];
            if (f.cpu == c || !dependent(f, e)) continue;
            if (acquire && is_release(f.access) && f.cell == e.cell) continue;
            if (C[f.cpu] <= pos_[i]) pending_races_.push_back(i);
            join(C, clock_[i]);
        }
        C[c] = count[c] + 1;
        for (std::size_t i : pending_races_) race(i, j, e, C);
        if (j < n) {
            if (acquire)
                for (std::size_t i = 0; i < j; ++i)
                    if (st[i].cpu != c && is_release(st[i].access) && st[i].cell == e.cell &&
                        dependent(st[i], e))
                        join(C, clock_[i]);
            clock_[j] = C;
            pos_[j] = count[c]++;
            last[c] = static_cast<std::int64_t>(j);
        }
    }
}

void Explorer::race(std::size_t i, std::size_t j, const StepInfo& ej, const Clock& cj) {
    ++stats_.races;
    Node& nd = nodes_[i];
    const std::vector<StepInfo>& st = ev_;
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
    const std::size_t end = std::min(j, st.size());
    for (std::size_t k = i + 1; k < end; ++k)
        if (clock_[k][ci] <= pi) consider(st[k].cpu, pos_[k], clock_[k]);
    consider(ej.cpu, cj[ej.cpu] - 1, cj);
    if (initials & nd.backtrack) return;
    CpuMask can = initials & nd.enabled;
    if (can == 0) return;  // cannot start here (blocked): not a reversible race
    nd.backtrack |= bit(lowest_cpu(can));
}

bool Explorer::backtrack(const Machine& m) {
    const std::vector<StepInfo>& st = m.steps();
    const bool dpor = opt_.strategy == Strategy::dpor;
    while (!nodes_.empty()) {
        const std::size_t k = nodes_.size() - 1;
        Node& nd = nodes_.back();
        if (nd.chosen >= 0) {
            nd.done |= bit(nd.chosen);
            if (dpor) {
                nd.sleep |= bit(nd.chosen);
                nd.asleep[nd.chosen] = k < st.size() ? st[k] : m.pending_info(nd.chosen);
            }
        }
        CpuMask todo = nd.backtrack & nd.enabled & ~nd.done & ~nd.sleep;
        if (todo) {
            nd.chosen = lowest_cpu(todo);
            return true;
        }
        nodes_.pop_back();
    }
    return false;
}

ExploreStats Explorer::explore(const RunOnce& run_once, const OnExecution& on_execution) {
    stats_ = {};
    nodes_.clear();
    diverged_.clear();
    ExplorePolicy policy(*this);
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        if (opt_.max_runs && stats_.runs >= opt_.max_runs) {
            stats_.bound = "max-runs";
            break;
        }
        if (opt_.time_limit > 0 &&
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= opt_.time_limit) {
            stats_.bound = "time-limit";
            break;
        }
        blocked_ = false;
        const Machine& m = run_once(policy);
        if (!diverged_.empty()) throw std::runtime_error(diverged_);
        if (!m.exploring() || m.steps().size() != m.step())
            throw std::runtime_error("explore: the run was not recorded (call Machine::set_exploring(true))");
        ++stats_.runs;
        stats_.longest = std::max(stats_.longest, m.steps().size());
        if (blocked_) {
            ++stats_.sleep_blocked;
        } else {
            ++stats_.executions;
            on_execution(m);
        }
        if (opt_.strategy == Strategy::dpor) {
            ev_ = m.steps();
            analyse(m);
        }
        if (!backtrack(m)) {
            stats_.complete = true;
            break;
        }
    }
    return stats_;
}

}  // namespace sim
