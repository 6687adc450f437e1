// kmalloc/kzalloc/kfree over the Machine's arena. Freed objects keep their
// memory (never reused), so later touches are reported, not crashed on.
#pragma once
#include <utility>

#include "sim/kernel/check.h"
#include "sim/value.h"

namespace sim {

enum gfp_t { GFP_KERNEL, GFP_ATOMIC };

Cell& slab_cell();

template <class T, class... A>
T* kmalloc(const Label& l, gfp_t gfp, A&&... args) {
    Machine& m = Machine::current();
    m.yield(l, &slab_cell(), Access::alloc);
    if (gfp == GFP_KERNEL) {
        might_sleep_check(m, l, "kmalloc(GFP_KERNEL)");
        // It may sleep (2.6.20 __alloc_pages(): cond_resched(), direct
        // reclaim) under memory pressure: a quiescent state a grace period
        // may end on, without CONFIG_PREEMPT too. docs/fidelity.md, Semantics.
        m.rcu_qsctr_inc();
    }
    // An injected failure: the allocator returns NULL, as under memory pressure.
    if (m.alloc_fail().should_fail(l)) {
        if (m.tracing()) m.record(&slab_cell(), Access::alloc, Value{}, Value{});
        return nullptr;
    }
    T* o = m.arena().create<T>(std::forward<A>(args)...);
    if (m.tracing()) m.record(o->self_cell(), Access::alloc, Value{}, Value::ptr(o));
    return o;
}

// The model's objects are value-initialised, so kzalloc is kmalloc.
template <class T, class... A>
T* kzalloc(const Label& l, gfp_t gfp, A&&... args) {
    return kmalloc<T>(l, gfp, std::forward<A>(args)...);
}

inline void kfree(Object* o, const Label& l) {
    if (!o) return;
    Machine& m = Machine::current();
    m.yield(l, o->self_cell(), Access::free);
    if (o->freed) {
        double_free(m, *o, l);
        // The step is in the timeline too: the finding names it.
        if (m.tracing()) m.record(o->self_cell(), Access::free, Value::ptr(o), Value{});
        return;
    }
    o->freed = true;
    o->freed_step = m.step();
    o->freed_cpu = m.cpu();
    o->freed_run = m.run_serial();
    o->freed_at = &l;
    if (m.tracing()) m.record(o->self_cell(), Access::free, Value::ptr(o), Value{});
}

}  // namespace sim
