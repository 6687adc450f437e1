// 2.6.20 classic RCU (kernel/rcupdate.c). A grace period ends once every CPU
// has passed a quiescent state: without CONFIG_PREEMPT (the default) user
// mode, schedule() and idle, so all kernel code between sleeps is a read-side
// section; with it, also any point outside a preempt-disabled region
// (rcu_read_lock(), a spinlock held, softirq). docs/fidelity.md, Semantics.
#pragma once
#include "sim/kernel/check.h"
#include "sim/kernel/shared.h"

namespace sim {

Cell& rcu_cell();
void rcu_unbalanced_unlock(Machine& m, const Label& l);

inline void rcu_read_lock(const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &rcu_cell(), Access::rcu_lock);
    CpuState& s = m.cpu_state();
    const int was = s.preempt_count();
    ++s.rcu_nesting;
    m.preempt_count_changed(was);  // 2.6.20: rcu_read_lock() is preempt_disable()
    if (m.tracing()) m.record(&rcu_cell(), Access::rcu_lock, Value{}, Value{});
}

inline void rcu_read_unlock(const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &rcu_cell(), Access::rcu_unlock);
    CpuState& s = m.cpu_state();
    const int was = s.preempt_count();
    if (s.rcu_nesting == 0)
        rcu_unbalanced_unlock(m, l);
    else
        --s.rcu_nesting;
    m.preempt_count_changed(was);
    if (m.tracing()) m.record(&rcu_cell(), Access::rcu_unlock, Value{}, Value{});
}

// Ready when each CPU in the caller's snapshot has passed a quiescent state
// since (kernel/rcupdate.c: the batch completes when every CPU in its
// cpumask has reported one).
inline bool rcu_grace_period_done(const void*, const Machine& m, int cpu) {
    return m.gp_not_passed(m.cpu_state(cpu).gp_wait) == 0;
}

// A synchronize_rcu still parked when the run aborts (a deadlock) was still called.
inline void synchronize_rcu_abandoned(Machine& m, const Label& l) { might_sleep_check(m, l, "synchronize_rcu"); }

// The CPUs outside a quiescent state now, with their count of quiescent
// states (-1: quiescent now), for a grace period to wait out
// (rcu_grace_period_done). `skip`: the caller, when it is about to sleep.
inline void rcu_snapshot_readers(const Machine& m, std::array<std::int64_t, kMaxCpus>& out, int skip = -1) {
    for (int j = 0; j < m.ncpus(); ++j)
        out[j] = j != skip && m.rcu_nonquiescent(j) ? static_cast<std::int64_t>(m.cpu_state(j).qs_seq)
                                                    : -1 - static_cast<std::int64_t>(m.cpu_state(j).qs_seq);
}

// synchronize_rcu() (2.6.20: call_rcu(&rcu.head, wakeme_after_rcu) then
// wait_for_completion()): the caller sleeps, which is its own quiescent
// state, so the grace period waits for the other CPUs only.
inline void synchronize_rcu(const Label& l) {
    Machine& m = Machine::current();
    rcu_snapshot_readers(m, m.cpu_state().gp_wait, m.cpu());
    m.note_rcu_snapshot();
    if (!m.preempt()) {
        m.rcu_qsctr_inc(false);  // it sleeps: the rcu_sync step that wakes it begins the next stretch
        m.cpu_state().asleep = true;  // in wait_for_completion(), until it runs again
    }
    const Wait w{&rcu_grace_period_done, nullptr, nullptr, &synchronize_rcu_abandoned};
    m.yield(l, &rcu_cell(), Access::rcu_sync, &w);
    might_sleep_check(m, l, "synchronize_rcu");
    if (m.tracing()) m.record(&rcu_cell(), Access::rcu_sync, Value{}, Value{});
}

extern const Label rcu_process_callbacks_invoke;  // "rcu_process_callbacks:invoke"

// call_rcu(head, func) (classic RCU, kernel/rcupdate.c): queue fn(arg) on
// this CPU; it runs there, in softirq context, after every read-side section
// in progress now has ended (Machine::run_rcu_callbacks). The call is a step:
// its snapshot of the readers is ordered against their rcu_read_lock/unlock.
inline void call_rcu(void (*fn)(void*), void* arg, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &rcu_cell(), Access::rcu_call);
    RcuCallback cb{fn, arg, {}};
    rcu_snapshot_readers(m, cb.gp_wait);
    m.note_rcu_snapshot();  // flags this step: it read the readers
    m.queue_rcu_callback(cb);
    if (m.tracing()) m.record(&rcu_cell(), Access::rcu_call, Value{}, Value{});
}

template <class T, class V>
inline void rcu_assign_pointer(Shared<T>& p, V v, const Label& l) {
    p.write(v, l, Access::rcu_assign);
}

template <class T>
inline T rcu_dereference(Shared<T>& p, const Label& l) {
    return p.read(l, Access::rcu_deref);
}

}  // namespace sim
