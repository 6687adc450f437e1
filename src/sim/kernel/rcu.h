// Classic RCU: read-side sections per CPU; synchronize_rcu() waits until every
// section that had begun when it was called has ended.
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
    if (s.rcu_nesting++ == 0) ++s.rcu_section;
    if (m.tracing()) m.record(&rcu_cell(), Access::rcu_lock, Value{}, Value{});
}

inline void rcu_read_unlock(const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &rcu_cell(), Access::rcu_unlock);
    CpuState& s = m.cpu_state();
    if (s.rcu_nesting == 0)
        rcu_unbalanced_unlock(m, l);
    else
        --s.rcu_nesting;
    if (m.tracing()) m.record(&rcu_cell(), Access::rcu_unlock, Value{}, Value{});
}

// Ready when each reader in the caller's snapshot has left that section.
inline bool rcu_grace_period_done(const void*, const Machine& m, int cpu) {
    const CpuState& me = m.cpu_state(cpu);
    for (int j = 0; j < m.ncpus(); ++j) {
        if (me.gp_wait[j] < 0) continue;
        const CpuState& r = m.cpu_state(j);
        if (r.rcu_nesting > 0 && static_cast<std::int64_t>(r.rcu_section) == me.gp_wait[j]) return false;
    }
    return true;
}

// A synchronize_rcu still parked when the run aborts (a deadlock) was still called.
inline void synchronize_rcu_abandoned(Machine& m, const Label& l) { might_sleep_check(m, l, "synchronize_rcu"); }

// The read-side sections in progress now, per CPU (-1: none), for a grace
// period to wait out (rcu_grace_period_done).
inline void rcu_snapshot_readers(const Machine& m, std::array<std::int64_t, kMaxCpus>& out) {
    for (int j = 0; j < m.ncpus(); ++j) {
        const CpuState& r = m.cpu_state(j);
        out[j] = r.rcu_nesting > 0 ? static_cast<std::int64_t>(r.rcu_section) : -1;
    }
}

inline void synchronize_rcu(const Label& l) {
    Machine& m = Machine::current();
    rcu_snapshot_readers(m, m.cpu_state().gp_wait);
    m.note_rcu_snapshot();
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
