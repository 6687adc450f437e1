// atomic_t with the kernel's operations, one yield point each. An atomic_t made
// with `counts` set is a reference count: going below zero is a finding.
#pragma once
#include <string>

#include "sim/kernel/check.h"
#include "sim/value.h"

namespace sim {

struct atomic_t : Cell {
    atomic_t(Object* owner_obj, const char* field_name, bool counts, int initial = 0)
        : Cell(owner_obj, field_name), counter(initial), is_count(counts) {}
    int counter;
    bool is_count;
    // The model also adds to it in local code, with no step of its own
    // (atomic_inc_folded(): a path walk's dget() and mntget()). Fixed when
    // the counter is made: the value a decrement leaves then depends on
    // steps the explorer does not order against it, so its decrements never
    // commute by value (StepInfo::dec, docs/explore.md, nonzero-decs).
    bool folded = false;
    // Last decrement, for the underflow report.
    std::uint32_t last_dec_step = 0;
    int last_dec_cpu = -1;
    const Label* last_dec_label = nullptr;
    unsigned last_dec_run = 0;
};

namespace detail {
inline int atomic_add(atomic_t& a, int delta, const Label& l, Access acc, bool blind = false) {
    Machine& m = Machine::current();
    m.yield(l, &a, acc);
    if (blind) m.note_blind_add(delta);
    touch(m, a, l);
    int before = a.counter;
    a.counter += delta;
    if (delta == -1 && !blind && !a.folded) m.note_decrement(a.counter);
    if (m.tracing()) m.record(&a, acc, Value::of(before), Value::of(a.counter));
    if (delta < 0 && a.is_count) {
        if (a.counter < 0 && before >= 0) refcount_underflow(m, a, before, a.counter, l);
        note_decrement(m, a, l);
    }
    return a.counter;
}
}  // namespace detail

inline int atomic_read(atomic_t& a, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &a, Access::read);
    touch(m, a, l);
    if (m.tracing()) m.record(&a, Access::read, Value::of(a.counter), Value::of(a.counter));
    return a.counter;
}
inline void atomic_set(atomic_t& a, int v, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &a, Access::write);
    touch(m, a, l);
    if (m.tracing()) m.record(&a, Access::write, Value::of(a.counter), Value::of(v));
    a.counter = v;
}
// Void: nothing but the checks sees the result, so two increments (or two
// decrements) of one counter commute (StepInfo::blind).
inline void atomic_inc(atomic_t& a, const Label& l) { detail::atomic_add(a, 1, l, Access::rmw, true); }
inline void atomic_dec(atomic_t& a, const Label& l) { detail::atomic_add(a, -1, l, Access::rmw, true); }
inline bool atomic_dec_and_test(atomic_t& a, const Label& l) {
    return detail::atomic_add(a, -1, l, Access::rmw) == 0;
}
inline int atomic_inc_return(atomic_t& a, const Label& l) { return detail::atomic_add(a, 1, l, Access::rmw); }
// An increment the model folds into the running CPU's step (no yield point
// of its own). Only on a counter made with `folded` set: anything else is a
// model bug, reported as an internal error that stops the run (an oops, not a
// C++ throw: Machine::unwind() is what unwinds a fiber stack ASan-clean).
inline void atomic_inc_folded(atomic_t& a) {
    if (!a.folded) {
        Machine& m = Machine::current();
        m.oops({"internal-error",
                "contsim internal error on " + m.cpu_state(m.cpu()).name + ": atomic_inc_folded() on " + a.display() +
                    ", not made folded",
                m.step(), m.cpu(), {}, {}});
    }
    ++a.counter;
}

}  // namespace sim
