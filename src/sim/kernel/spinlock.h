// spinlock_t. Contended spinning changes nothing, so a spinning CPU is modelled
// as blocked until the lock is released. Holding one makes the CPU atomic.
#pragma once
#include "sim/kernel/check.h"

namespace sim {

struct spinlock_t : Cell {
    spinlock_t(Object* owner_obj, const char* field_name, const char* lock_class)
        : Cell(owner_obj, field_name), cls_name(lock_class) {}
    int owner = -1;
    const char* cls_name;
    int cls = -1;
};

inline bool spin_is_free(const void* p, const Machine&, int) { return static_cast<const spinlock_t*>(p)->owner < 0; }

inline void spin_lock(spinlock_t& s, const Label& l) {
    Machine& m = Machine::current();
    const Wait w{&spin_is_free, &s, &s};
    m.yield(l, &s, Access::acquire, &w);
    touch(m, s, l);
    s.owner = m.cpu();
    atomic_depth_add(m, +1);
    lock_acquired(m, s, s.cls, s.cls_name, l);
    if (m.tracing()) m.record(&s, Access::acquire, Value{}, Value{});
}

inline void spin_unlock(spinlock_t& s, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &s, Access::release);
    touch(m, s, l);
    lock_released(m, s, l);
    s.owner = -1;
    atomic_depth_add(m, -1);
    if (m.tracing()) m.record(&s, Access::release, Value{}, Value{});
}

// task_lock(): the task's alloc_lock, for any task type that has one.
template <class Task>
inline void task_lock(Task* t, const Label& l) { spin_lock(t->alloc_lock, l); }
template <class Task>
inline void task_unlock(Task* t, const Label& l) { spin_unlock(t->alloc_lock, l); }

}  // namespace sim
