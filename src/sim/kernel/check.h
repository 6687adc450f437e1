// The checks the primitives run at each step. Out of line: they only do real
// work when something is wrong.
#pragma once
#include "sim/machine.h"

namespace sim {

struct atomic_t;

// A step touching a cell of freed memory.
inline void touch(Machine& m, const Cell& c, const Label& l) {
    if (c.owner && c.owner->freed) m.use_after_free(c, l);
}

// mutex_lock, synchronize_rcu and GFP_KERNEL allocations may sleep: not with
// a spinlock held or inside an RCU read-side section.
void might_sleep(Machine& m, const Label& l, const char* what);
inline void might_sleep_check(Machine& m, const Label& l, const char* what) {
    const CpuState& s = m.cpu_state();
    if (s.atomic_depth > 0 || s.rcu_nesting > 0) might_sleep(m, l, what);
}

// A spinning lock taken (+1) or dropped (-1): the CPU's atomic depth, which
// is part of its preempt count (spin_lock() is preempt_disable() + the lock).
inline void atomic_depth_add(Machine& m, int delta) {
    CpuState& s = m.cpu_state();
    const int was = s.preempt_count();
    s.atomic_depth += delta;
    m.preempt_count_changed(was);
}

// Lock bookkeeping shared by mutexes, spinlocks and rwlocks.
void lock_acquired(Machine& m, const Cell& lock, int& cls_cache, const char* cls_name, const Label& l);
void lock_released(Machine& m, const Cell& lock, const Label& l);

// An atomic_t used as a count went below zero.
void refcount_underflow(Machine& m, atomic_t& a, int before, int after, const Label& l);
void note_decrement(Machine& m, atomic_t& a, const Label& l);
// kref_get() found the count at 0 (lib/kref.c's WARN_ON).
void kref_get_on_zero(Machine& m, atomic_t& a, const Label& l);

void double_free(Machine& m, Object& o, const Label& l);

}  // namespace sim

namespace sim {
// A pointer the code goes on to dereference: NULL is a kernel oops (reported,
// the run aborted), never a crash of the simulator. `what` names the
// expression ("parent->root->sb"); the label's function names the caller.
template <class T>
T* deref(T* p, const Label& l, const char* what) {
    if (!p) Machine::current().null_deref(l, std::string(what) + " is NULL");
    return p;
}
}  // namespace sim
