#include "sim/machine.h"
#include "sim/asan.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <boost/fiber/all.hpp>
#include <fmt/format.h>

#include "sim/checkpoint.h"
#include "sim/fiber_algo.h"
#include "sim/kernel/rcu.h"
#include "sim/region.h"
#include "sim/stack_pool.h"

#if CONTSIM_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace sim {

namespace {
thread_local Machine* tls_machine = nullptr;

StackPool& stack_pool() {
    // 256 KiB: the model formats trace text on fiber stacks, and ASan triples frames.
    thread_local StackPool pool(256 * 1024);
    return pool;
}

// A pooled stack whose bounds a Checkpoints keeps (it copies from them).
struct RecordedStack {
    StackPool* pool;
    boost::context::stack_context* out;
    boost::context::stack_context allocate() { return *out = pool->allocate(); }
    void deallocate(boost::context::stack_context& sc) { pool->deallocate(sc); }
};

// This machine is Machine::current() for the scope (a run's main part, a release).
class AsCurrent {
public:
    explicit AsCurrent(Machine* m) : saved_(tls_machine) { tls_machine = m; }
    ~AsCurrent() { tls_machine = saved_; }
    AsCurrent(const AsCurrent&) = delete;
    AsCurrent& operator=(const AsCurrent&) = delete;

private:
    Machine* saved_;
};
}  // namespace

Machine::Machine() {
    outer_ = tls_machine;
    tls_machine = this;
}

Machine::~Machine() {
    if (tls_machine == this) tls_machine = outer_;
}

Machine& Machine::current() { return *tls_machine; }
Machine* Machine::current_or_null() { return tls_machine; }

std::string label_function(const Label* l) {
    if (!l) return "";
    std::string s = l->name;
    auto p = s.find(':');
    return p == std::string::npos ? s : s.substr(0, p);
}

std::string Machine::current_function() const {
    if (cur_ < 0 || cur_ >= ncpus()) return "";
    return label_function(cpus_[cur_].pending);
}

bool Machine::has_finding(const std::string& kind) const {
    return std::any_of(findings_.begin(), findings_.end(),
                       [&](const Finding& f) { return f.kind == kind; });
}

void Machine::report(Finding f) { findings_.push_back(std::move(f)); }

void Machine::fail_schedule(std::string message) {
    // Called from Policy::choose(), where a snapshot region is paused: the
    // Machine's own copy belongs to the region (see sim/region.h).
    sim::region::Resume in_model;
    if (schedule_error_.empty()) schedule_error_.assign(message.data(), message.size());
    abort_ = true;
}

std::string Machine::who(unsigned run, int cpu) const {
    if (run == run_serial_ && cpu >= 0 && cpu < ncpus()) return cpus_[cpu].name;
    if (run >= 1 && run <= phases_.size()) return phases_[run - 1];
    return "?";
}

void Machine::run(std::vector<Thread> threads, Policy& policy, std::string phase, Checkpoints* ck) {
    if (threads.empty()) return;
    ck_ = ck;
    ++run_serial_;
    phases_.push_back(std::move(phase));
    cpus_.clear();
    cpus_.resize(threads.size());
    ncpus_ = static_cast<int>(cpus_.size());
    unfinished_ = ncpus_ >= 32 ? ~CpuMask{0} : (CpuMask{1} << ncpus_) - 1;
    waiting_ = 0;
    for (std::size_t i = 0; i < threads.size(); ++i) {
        cpus_[i].name = std::move(threads[i].cpu);
        cpus_[i].user = threads[i].user;
        cpus_[i].body = std::move(threads[i].body);
    }
    step_ = 0;
    runs_.clear();
    trace_.clear();
    waits_.clear();
    if (ck_) {
        const StepsAllocator<StepInfo> outside = ck_->steps_allocator(max_steps_);
        steps_ = Steps(outside);
        steps_.reserve(outside.capacity());
    } else {
        steps_.clear();
    }
    gp_edges_.clear();
    blocked_at_end_.clear();
    lock_ids_.clear();
    last_label_ = nullptr;
    abort_ = aborted_ = false;
    schedule_error_.clear();
    main_part(policy, true);
}

void Machine::resume(Policy& policy) { main_part(policy, false); }

void Machine::main_part(Policy& policy, bool fresh) {
    policy_ = &policy;
    running_ = true;
    const AsCurrent here(this);
    if (fresh) FiberAlgo::instance().reset();
    if (!ck_) {
        run_fibers();
    } else {
        if (fresh) {
            spawn_parked();
            cur_ = 0;
        }
        drive();
    }
    running_ = false;
    policy_ = nullptr;
    aborted_ = abort_;
}

// With checkpoints: the CPUs' fibers outlive the run (the Checkpoints hold them).
void Machine::spawn_parked() {
    FiberAlgo& algo = FiberAlgo::instance();
    sim::region::Pause outside;  // the fibers' handles outlive the run
    std::vector<boost::fibers::fiber>& fibers = ck_->fibers();
    fibers.reserve(cpus_.size());
    for (int i = 0; i < ncpus(); ++i) {
        algo.spawning = i;
        fibers.emplace_back(std::allocator_arg, RecordedStack{&stack_pool(), &ck_->stack(i)}, [this, i] { cpu_main(i); });
        algo.spawning = -1;
        ck_->spawned();  // each fiber made so far can be released, whatever follows
    }
}

// Without checkpoints: the CPUs' fibers live for the run.
void Machine::run_fibers() {
    FiberAlgo& algo = FiberAlgo::instance();
    std::vector<boost::fibers::fiber> fibers;
    fibers.reserve(cpus_.size());
    for (int i = 0; i < ncpus(); ++i) {
        algo.spawning = i;
        fibers.emplace_back(std::allocator_arg, PooledStack{&stack_pool()}, [this, i] { cpu_main(i); });
        algo.spawning = -1;
    }
    // Start-up: CPUs run in order to their first yield point, then decisions begin.
    cur_ = 0;
    algo.chosen = 0;
    join_fibers(fibers);
}

void Machine::join_fibers(std::vector<boost::fibers::fiber>& fibers) {
    for (auto& f : fibers) f.join();
    // Let Boost's dispatcher release the finished fibers' stacks.
    FiberAlgo& algo = FiberAlgo::instance();
    algo.chosen = -1;
    algo.want_dispatch = true;
    boost::this_fiber::yield();
}

// The CPUs hand the main context the checkpoints they want (yield(),
// cpu_ends()) and, at the end of the run, control.
void Machine::drive() {
    FiberAlgo& algo = FiberAlgo::instance();
    for (;;) {
        algo.chosen = cur_;
        boost::this_fiber::yield();
        if (!ck_->requested()) break;
        ck_->take(*this);
    }
    if (unfinished_) {
        std::fprintf(stderr, "contsim: internal error: a run with checkpoints came back with CPUs unfinished\n");
        std::abort();
    }
}

void Machine::release_fibers() {
    const AsCurrent here(this);
    abort_ = true;  // a CPU resumed inside a step unwinds (unwind())
    FiberAlgo& algo = FiberAlgo::instance();
    std::vector<boost::fibers::fiber>& fibers = ck_->fibers();
    for (int i = 0; i < static_cast<int>(fibers.size()); ++i) {
        cur_ = i;
        algo.chosen = i;
        boost::this_fiber::yield();  // back here when its fiber has ended
    }
    join_fibers(fibers);
}

void Machine::cpu_main(int i) {
    fiber_top_[i] = __builtin_frame_address(0);
    cur_ = i;
    try {
        cpus_[i].body();
        // Its ops are done: the CPU idles (a quiescent state) but for the
        // softirqs that run its call_rcu() callbacks.
        return_to_user();
        cpus_[i].ops_done = true;
        run_rcu_callbacks();
    } catch (const Abort&) {
    } catch (const std::exception& e) {
        report({"internal-error", fmt::format("contsim internal error on {}: {}", cpus_[i].name, e.what()),
                step_, i, {}, {}});
        abort_ = true;
    }
    if (ck_ && ck_->releasing()) return;  // unwound by the release: its run is long over
    const int next = cpu_ends(i);
    if (ck_) return park(i, next);
    if (next >= 0) cur_ = next;
    FiberAlgo::instance().chosen = next;
}

int Machine::cpu_ends(int i) {
    CpuState& me = cpus_[i];
    me.finished = true;
    unfinished_ &= ~(CpuMask{1} << i);
    waiting_ &= ~(CpuMask{1} << i);
    me.pending = nullptr;
    if (!me.started) {  // finished before its first yield point: continue start-up
        me.started = true;
        if (i + 1 < ncpus()) return i + 1;
    }
    if (ck_ && !abort_ && ck_->wants(step_)) suspend(i, -1);  // a checkpoint before this decision
    return next_cpu();
}

void Machine::park(int i, int next) {
    while (!ck_->releasing()) {
        suspend(i, next);
        next = -1;
    }
}

__attribute__((noinline)) void Machine::suspend(int me, int next) {
    char* low = static_cast<char*>(__builtin_frame_address(0));
    fiber_low_[me] = low;
#ifndef NDEBUG
    if (ck_) ck_->lay_canary(me, low);
#endif
    if (next >= 0) cur_ = next;
    FiberAlgo::instance().chosen = next;
    boost::this_fiber::yield();
}

__attribute__((always_inline)) inline CpuMask Machine::runnable() {
    // Sleepers first: a grace-period wait below may be waiting for them.
    if (!preempt_) note_sleepers();
    CpuMask m = unfinished_;
    for (CpuMask w = waiting_ & unfinished_; w; w &= w - 1) {
        int i = __builtin_ctz(w);
        const Wait* wt = cpus_[i].wait;
        if (!wt->ready(wt->obj, *this, i)) m &= ~(CpuMask{1} << i);
    }
    return m;
}

// A CPU parked at a sleeping wait it cannot pass has called schedule():
// classic RCU's quiescent state (kernel/sched.c schedule(): rcu_qsctr_inc()).
// The step just executed put it to sleep: its arrival there or the holder's
// acquisition, whichever came last. Both kinds of step carry the qs mark
// whatever the lock's state (yield(), pick()), so the marks do not depend
// on the order and a sleeping sibling's mark is the one it will have.
void Machine::note_sleepers() {
    for (CpuMask w = waiting_ & unfinished_; w; w &= w - 1) {
        int i = __builtin_ctz(w);
        CpuState& s = cpus_[i];
        if (s.asleep || !s.wait->sleeps || s.wait->ready(s.wait->obj, *this, i)) continue;
        s.asleep = true;
        count_qs(s);
    }
}

// The grace-period wait of CPU c runs now: record, for each CPU it waited
// for, the step after which that CPU passed its quiescent state.
Blocked Machine::blocked_on(int cpu) const {
    Blocked b;
    b.cpu = cpu;
    b.after_step = step_;
    const CpuState& c = cpus_[cpu];
    b.at = c.pending;
    b.lock = c.wait ? c.wait->lock : nullptr;
    b.gp_waits_for = gp_waits_for(cpu);
    if (b.gp_waits_for) b.holder = __builtin_ctz(b.gp_waits_for);
    for (int j = 0; j < ncpus_ && b.holder < 0 && b.lock; ++j) {
        const CpuState& h = cpus_[j];
        for (int k = 0; k < h.nheld; ++k)
            if (h.held[k].lock == b.lock) {
                b.holder = j;
                b.since = h.held[k].step;
                b.holder_label = h.held[k].label;
                break;
            }
    }
    return b;
}

// A CPU parked at a wait it cannot pass opens a row; the row closes when the
// CPU could run again (a release, a quiescent state), whoever runs next.
void Machine::note_waits(CpuMask m) {
    for (CpuMask w = waiting_ & unfinished_; w; w &= w - 1) {
        const int i = __builtin_ctz(w);
        CpuState& s = cpus_[i];
        const bool blocked = !(m >> i & 1);
        const bool open = s.wait_row >= 0 && waits_[static_cast<std::size_t>(s.wait_row)].until == 0;
        if (blocked && !open) {
            WaitRow row;
            static_cast<Blocked&>(row) = blocked_on(i);
            s.wait_row = static_cast<int>(waits_.size());
            waits_.push_back(row);
        } else if (!blocked && open) {
            waits_[static_cast<std::size_t>(s.wait_row)].until = step_;
        }
    }
}

void Machine::note_gp_edges(int c) {
    const auto to = static_cast<std::uint32_t>(steps_.size() - 1);
    const CpuState& me = cpus_[c];
    for (int d = 0; d < ncpus_; ++d) {
        const std::int64_t v = me.gp_wait[d];
        if (d == c) continue;
        // Outside a quiescent state at the snapshot: the wait follows the
        // one it passed next. Quiescent then: it follows the last one passed
        // before (the end of its latest read-side stretch), which the
        // snapshot step no longer orders (a step that only ends a stretch
        // commutes with a snapshot), so the edge says it.
        // (v = -1 - qs_seq when quiescent: its last quiescent state is number qs_seq - 1.)
        const std::int64_t idx = v >= 0 ? v : (-1 - v) - 1;
        const auto& b = cpus_[d].bump_at;
        if (idx < 0 || static_cast<std::size_t>(idx) >= b.size()) continue;
        const auto& q = b[static_cast<std::size_t>(idx)];
        if (q.own >= 0 && static_cast<std::uint32_t>(q.own) != q.step)
            gp_edges_.push_back({static_cast<std::uint32_t>(q.own), to});
        if (q.step != CpuState::kNoStep) gp_edges_.push_back({q.step, to});
    }
}

void Machine::count_qs(CpuState& s) {
    ++s.qs_seq;
    // Before the first step (a CPU parked at start-up in synchronize_rcu()
    // sleeps): no step lets it, so no step orders a wait after it (it used
    // to read as "after step 0", an edge from step 0 to itself when step 0
    // was that wait).
    if (exploring_)
        s.bump_at.push_back({steps_.empty() ? CpuState::kNoStep : static_cast<std::uint32_t>(steps_.size() - 1), s.last_step});
}

void Machine::mark_qs(int cpu, bool begin) {
    if (exploring_ && !steps_.empty() && steps_.back().cpu == cpu) {
        steps_.back().qs = true;
        if (begin) steps_.back().qs_begin = true;
    }
}

bool Machine::rcu_nonquiescent(int j) const {
    const CpuState& r = cpus_[j];
    if (r.finished) return false;
    if (r.in_softirq) return true;
    if (preempt_) return r.preempt_count() > 0;
    return r.in_kernel && !r.asleep;
}

CpuMask Machine::gp_not_passed(const std::array<std::int64_t, kMaxCpus>& snapshot) const {
    CpuMask m = 0;
    for (int j = 0; j < ncpus_; ++j)
        if (snapshot[j] >= 0 && !cpus_[j].finished && static_cast<std::int64_t>(cpus_[j].qs_seq) == snapshot[j])
            m |= CpuMask{1} << j;
    return m;
}

CpuMask Machine::gp_waits_for(int cpu) const {
    const CpuState& me = cpus_[cpu];
    if (!me.wait || me.wait->ready != &rcu_grace_period_done) return 0;
    return gp_not_passed(me.gp_wait);
}

void Machine::rcu_qsctr_inc(bool resumes) {
    if (preempt_) return;
    count_qs(cpus_[cur_]);
    mark_qs(cur_, resumes);
}

void Machine::return_to_user() {
    if (!cpus_[cur_].in_kernel) return;  // an op with no step never entered
    rcu_qsctr_inc(false);
    cpus_[cur_].in_kernel = false;
}

void Machine::preempt_count_changed(int was) {
    if (!preempt_) return;
    CpuState& me = cpus_[cur_];
    const int now = me.preempt_count();
    if ((was == 0) == (now == 0)) return;
    if (now == 0) count_qs(me);
    mark_qs(cur_, was == 0);
}

__attribute__((always_inline)) inline void Machine::pick(int c) {
    ++step_;
    if (!runs_.empty() && runs_.back().cpu == c)
        ++runs_.back().count;
    else
        runs_.push_back({c, 1});
    last_label_ = cpus_[c].pending;
    if (exploring_) {
        fill_pending_info(c, steps_.emplace_back());
        cpus_[c].last_step = static_cast<std::int64_t>(steps_.size() - 1);
        const CpuState& s = cpus_[c];
        if (s.pending_access == Access::rcu_sync) note_gp_edges(c);
        // Classic RCU: a sleeping lock's acquisition may put a waiter to
        // sleep, or wake this CPU from one; a grace-period wait's step wakes
        // its sleeper. Either changes a CPU's quiescence.
        // Only a sleeper's own step begins a stretch (it wakes); whether it
        // slept is fixed by the trace (its arrival is ordered against the
        // lock's releases, its acquisition against the other acquisitions).
        if (!preempt_ && s.wait && (s.wait->sleeps || s.pending_access == Access::rcu_sync)) {
            steps_.back().qs = true;
            steps_.back().qs_begin = s.asleep;
        }
    }
    // The first step of an op: the CPU enters the kernel (classic RCU: from
    // here until it returns to user mode or sleeps it is outside a quiescent state).
    if (!cpus_[c].in_kernel && !cpus_[c].ops_done) {
        cpus_[c].in_kernel = true;
        if (!preempt_) mark_qs(c, true);
    }
}

StepInfo Machine::pending_info(int c) const {
    StepInfo i;
    fill_pending_info(c, i);
    return i;
}

void Machine::fill_pending_info(int c, StepInfo& i) const {
    const CpuState& s = cpus_[c];
    if (s.pending_cell) {
        i.cell = s.pending_cell->id;
        i.object = s.pending_cell->owner ? s.pending_cell->owner->serial : 0;
    }
    i.cpu = static_cast<std::uint8_t>(c);
    i.access = s.pending_access;
    for (int k = 0; k < s.nheld; ++k) {
        const HeldLock& h = s.held[k];
        if (h.bit == -2) h.bit = static_cast<std::int8_t>(lock_bit(h.lock));
        if (h.bit >= 0) i.held |= std::uint64_t{1} << h.bit;
    }
    if (s.pending_access == Access::acquire && s.wait && s.wait->lock == s.pending_cell && s.pending_cell)
        i.lock_bit = static_cast<std::int8_t>(lock_bit(s.pending_cell));
}

int Machine::lock_bit(const Cell* lock) const {
    for (std::size_t b = 0; b < lock_ids_.size(); ++b)
        if (lock_ids_[b] == lock->id) return static_cast<int>(b);
    if (lock_ids_.size() == 64) return -1;
    lock_ids_.push_back(lock->id);
    return static_cast<int>(lock_ids_.size() - 1);
}

int Machine::next_cpu() {
    if (!abort_) {
        CpuMask m = runnable();
        if (tracing_) note_waits(m);
        if (m == 0) {
            if (unfinished_) deadlock();
        } else if (step_ >= max_steps_) {
            report({"step-limit",
                    fmt::format("BUG: step limit: the run did not finish within {} steps (livelock?)", max_steps_),
                    step_, cur_, {}, {}});
            abort_ = true;
        } else {
            int c;
            {
                // The policy is the explorer's, not the model's: what it
                // allocates must survive the restore of a snapshot region.
                sim::region::Pause outside;
                c = policy_->choose(*this, m, cur_);
            }
            if (!abort_) {
                pick(c);
                return c;
            }
        }
    }
    // Aborting: hand control to each unfinished CPU in turn so it unwinds.
    for (int i = 0; i < ncpus(); ++i)
        if (!cpus_[i].finished && i != cur_) return i;
    return -1;
}

void Machine::switch_to(int next) { suspend(cur_, next); }

void Machine::queue_rcu_callback(const RcuCallback& cb) {
    CpuState& me = cpus_[cur_];
    if (me.ncallbacks == kMaxRcuCallbacks)
        throw std::runtime_error(fmt::format("more than {} call_rcu() callbacks queued on one CPU", kMaxRcuCallbacks));
    me.callbacks[me.ncallbacks++] = cb;
}

// rcu_process_callbacks() on this CPU once its ops are done: each callback
// waits (a step, like synchronize_rcu's) for its grace period, then runs.
// Softirqs run on the CPU that queued them; running them when its ops are
// done rather than between two of its later ops only delays a free.
void Machine::run_rcu_callbacks() {
    CpuState& me = cpus_[cur_];
    while (me.ncallbacks > 0) {
        RcuCallback cb = me.callbacks[0];
        for (int k = 1; k < me.ncallbacks; ++k) me.callbacks[k - 1] = me.callbacks[k];
        --me.ncallbacks;
        me.gp_wait = cb.gp_wait;
        const Wait w{&rcu_grace_period_done, nullptr, nullptr, nullptr};
        yield(rcu_process_callbacks_invoke, &rcu_cell(), Access::rcu_sync, &w);
        if (tracing_) record(&rcu_cell(), Access::rcu_sync, Value{}, Value{});
        // In softirq (preempt count raised) until the callback returns; then
        // idle again, a quiescent state (rcu_check_callbacks(): idle_cpu()).
        me.in_softirq = true;
        mark_qs(cur_, true);
        cb.fn(cb.arg);
        me.in_softirq = false;
        count_qs(me);
        mark_qs(cur_, false);
    }
}

void Machine::note_also_reads(const Cell& c) {
    if (exploring_ && !steps_.empty() && steps_.back().cpu == cur_) steps_.back().also_reads = c.id;
}

void Machine::note_blind_add(int delta) {
    if (exploring_ && !steps_.empty() && steps_.back().cpu == cur_) steps_.back().blind = delta > 0 ? 1 : -1;
}

void Machine::note_decrement(int after) {
    if (exploring_ && !steps_.empty() && steps_.back().cpu == cur_) {
        steps_.back().dec = true;
        steps_.back().left = after;
    }
}

void Machine::note_rcu_snapshot() {
    // The snapshot is read in the code before the rcu_sync yield point, i.e.
    // during this CPU's previous step: exploration must treat that step as
    // conflicting with other CPUs' rcu_read_lock/unlock.
    if (exploring_ && !steps_.empty() && steps_.back().cpu == cur_) steps_.back().rcu_snapshot = true;
}

void Machine::yield(const Label& l, const Cell* c, Access a, const Wait* w) {
    // A field of a NULL struct pointer (&p->field with p == NULL) that no
    // sim::deref() caught: an oops, never a crash of the simulator.
    if (c && reinterpret_cast<std::uintptr_t>(c) < 4096) null_field(l);
    CpuState& me = cpus_[cur_];
    me.pending = &l;
    me.pending_cell = c;
    me.pending_access = a;
    me.wait = w;
    if (w && w->ready)
        waiting_ |= CpuMask{1} << cur_;
    else
        waiting_ &= ~(CpuMask{1} << cur_);
    // Classic RCU: whether it sleeps at this lock depends on who holds it.
    if (w && w->sleeps && w->lock && !preempt_ && exploring_ && !steps_.empty() && steps_.back().cpu == cur_) {
        steps_.back().arrives = w->lock->id;
        steps_.back().qs = true;
    }
    if (abort_) unwind(nullptr);
    const bool starting = !me.started;
    me.started = true;
    if (starting && cur_ + 1 < ncpus()) {
        switch_to(cur_ + 1);  // start-up: every CPU runs to its first yield point before the first step
    } else {
        if (ck_ && ck_->wants(step_)) {  // a checkpoint before this decision: the main context copies every CPU
            suspend(cur_, -1);
            if (abort_) unwind(&l);  // released meanwhile
        }
        int next = next_cpu();
        if (abort_) unwind(&l);
        if (next != cur_) switch_to(next);
    }
    if (abort_) unwind(&l);
    // Running again, from start-up as from any other yield point. A CPU put
    // to sleep at its first one (another CPU took its mutex first) is awake
    // and in the kernel now: it used to stay "asleep" until its next step, so
    // a grace period starting in between did not wait for it.
    me.wait = nullptr;
    me.asleep = false;  // running again (its step carries the qs mark: pick())
    me.wait_row = -1;
    waiting_ &= ~(CpuMask{1} << cur_);
}

void Machine::null_deref(const Label& l, const std::string& what) {
    oops({"kernel-bug",
          fmt::format("BUG: unable to handle kernel NULL pointer dereference: {}(): {} at step {}", label_function(&l),
                      what, step_),
          step_, cur_, {}, {}});
}

void Machine::null_field(const Label& l) {
    null_deref(l, std::string(l.c_line) + " touches a field of a NULL pointer");
}

void Machine::oops(Finding f) {
    report(std::move(f));
    if (exploring_) {
        // The oops stops every CPU: exploration must see the step before it
        // as disabling the others, whose pending steps never ran.
        if (!steps_.empty() && steps_.back().cpu == cur_) steps_.back().fatal = true;
        for (int i = 0; i < ncpus(); ++i)
            if (i != cur_ && !cpus_[i].finished && cpus_[i].started) blocked_at_end_.push_back(pending_info(i));
    }
    abort_ = true;
    unwind(nullptr);
}

__attribute__((noinline)) void Machine::unwind(const Label* parked_at) {
    const bool releasing = ck_ && ck_->releasing();
    // The parked call's last word comes before the throw (see below).
    if (parked_at && !releasing && cpus_[cur_].wait && cpus_[cur_].wait->abandoned)
        cpus_[cur_].wait->abandoned(*this, *parked_at);
    // With checkpoints the CPU stops here instead: what its unwinding and
    // cpu_main's end would do (no model frame has a destructor that changes
    // the model; their memory is the region's), then it parks, its stack as
    // it is, until a restore copies a checkpoint over it or the release
    // unwinds it for good.
    if (ck_ && !releasing) {
        const int me = cur_;
        park(me, cpu_ends(me));
    }
#if CONTSIM_ASAN
    // ASan ignores __asan_handle_no_return on a fiber stack it does not know, so
    // the frames this throw unwinds would keep their redzones poisoned, and the
    // next landing pad's _Unwind_Resume (or any code run there) trips over them.
    char* lo = static_cast<char*>(__builtin_frame_address(0));
    char* hi = static_cast<char*>(fiber_top_[cur_]);
    if (hi > lo) ASAN_UNPOISON_MEMORY_REGION(lo, static_cast<std::size_t>(hi - lo));
#endif
    throw Abort{};
}

void Machine::record(const Cell* c, Access a, Value before, Value after) {
    trace_.push_back({step_, cur_, cpus_[cur_].pending, c, a, before, after, !(before == after)});
}

void Machine::use_after_free(const Cell& c, const Label& l) {
    const Object* o = c.owner;
    for (const Finding& f : findings_)
        if (f.kind == "use-after-free" && f.message.find(std::string(" ") + o->name() + "->") != std::string::npos)
            return;  // one report per freed object: the first touch is the story
    const char* verb = "touches";
    switch (cpus_[cur_].pending_access) {
    case Access::read:
    case Access::rcu_deref: verb = "reads"; break;
    case Access::write:
    case Access::rcu_assign: verb = "writes"; break;
    case Access::rmw: verb = "modifies"; break;
    default: break;
    }
    std::string freer = o->freed_run == run_serial_
                            ? fmt::format("step {} by {} ({})", o->freed_step, who(o->freed_run, o->freed_cpu),
                                          o->freed_at ? o->freed_at->name : "?")
                            : fmt::format("{} ({})", who(o->freed_run, o->freed_cpu),
                                          o->freed_at ? o->freed_at->name : "?");
    Finding f{"use-after-free",
              fmt::format("BUG: use-after-free: {} {} {} {} at step {} ({}); {} was freed at {}", cpus_[cur_].name,
                          label_function(&l), verb, c.display(), step_, l.name, o->name(), freer),
              step_,
              cur_,
              {},
              {}};
    if (o->freed_run == run_serial_) f.related_steps.push_back(o->freed_step);
    report(std::move(f));
}

void Machine::deadlock() {
    abort_ = true;
    if (exploring_)
        for (int i = 0; i < ncpus(); ++i)
            if (!cpus_[i].finished) blocked_at_end_.push_back(pending_info(i));
    // Wait-for edges: each blocked CPU waits for a lock some CPU holds (or a grace period).
    auto holder = [&](const Cell* lock) -> int {
        if (!lock) return -1;
        for (int j = 0; j < ncpus(); ++j)
            for (int k = 0; k < cpus_[j].nheld; ++k)
                if (cpus_[j].held[k].lock == lock) return j;
        return -1;
    };
    Finding f{"deadlock", fmt::format("BUG: deadlock: every unfinished CPU is blocked after step {}", step_), step_,
              -1, {}, {}};
    std::vector<int> waiter;  // CPUs in the order of the wait-for chain
    for (int i = 0; i < ncpus(); ++i) {
        const CpuState& c = cpus_[i];
        if (c.finished) continue;
        const Cell* waited = c.wait ? c.wait->lock : nullptr;
        int h = holder(waited);
        std::string what = waited ? waited->display() : std::string("an RCU grace period");
        if (!waited) {
            std::string who;
            for (CpuMask g = gp_waits_for(i); g; g &= g - 1) who += (who.empty() ? "" : ", ") + cpus_[__builtin_ctz(g)].name;
            if (!who.empty()) what += " (not yet passed by " + who + ")";
        }
        if (h >= 0) {
            std::uint32_t since = 0;
            for (int k = 0; k < cpus_[h].nheld; ++k)
                if (cpus_[h].held[k].lock == waited) since = cpus_[h].held[k].step;
            f.details.push_back(fmt::format("{} ({}) waits for {}, held by {} since step {}", c.name,
                                            label_function(c.pending), what, cpus_[h].name, since));
            f.related_steps.push_back(since);
        } else {
            f.details.push_back(fmt::format("{} ({}) waits for {}", c.name, label_function(c.pending), what));
        }
        waiter.push_back(i);
    }
    // lockdep's "possible unsafe locking scenario" table for the blocked CPUs.
    if (waiter.size() >= 1) {
        f.details.push_back("");
        f.details.push_back(" Possible unsafe locking scenario:");
        f.details.push_back("");
        std::string head = "      ", rule = "      ";
        for (int i : waiter) {
            head += fmt::format("{:<28}", cpus_[i].name);
            rule += fmt::format("{:<28}", std::string(cpus_[i].name.size(), '-'));
        }
        f.details.push_back(head);
        f.details.push_back(rule);
        auto row = [&](std::size_t col, const std::string& text) {
            f.details.push_back("      " + std::string(col * 28, ' ') + text);
        };
        for (std::size_t col = 0; col < waiter.size(); ++col) {
            const CpuState& c = cpus_[waiter[col]];
            for (int k = 0; k < c.nheld; ++k) row(col, "lock(" + c.held[k].lock->display() + ");");
            if (c.rcu_nesting > 0) row(col, "rcu_read_lock();");
        }
        for (std::size_t col = 0; col < waiter.size(); ++col) {
            const CpuState& c = cpus_[waiter[col]];
            const Cell* waited = c.wait ? c.wait->lock : nullptr;
            row(col, waited ? "lock(" + waited->display() + ");" : std::string("synchronize_rcu();"));
        }
        f.details.push_back("");
        f.details.push_back(" *** DEADLOCK ***");
    }
    report(std::move(f));
}

}  // namespace sim
