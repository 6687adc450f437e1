// struct mutex: a sleeping lock. A CPU blocked on it is not runnable; the
// Machine knows the owner for the deadlock report.
#pragma once
#include "sim/kernel/check.h"

namespace sim {

struct mutex : Cell {
    mutex(Object* owner_obj, const char* field_name, const char* lock_class)
        : Cell(owner_obj, field_name), cls_name(lock_class) {}
    int owner = -1;
    const char* cls_name;
    int cls = -1;
};

inline bool mutex_is_free(const void* p, const Machine&, int) { return static_cast<const mutex*>(p)->owner < 0; }

// A mutex_lock still parked when the run aborts (a deadlock) was still called.
inline void mutex_lock_abandoned(Machine& m, const Label& l) { might_sleep_check(m, l, "mutex_lock"); }

inline void mutex_lock(mutex& mx, const Label& l) {
    Machine& m = Machine::current();
    const Wait w{&mutex_is_free, &mx, &mx, &mutex_lock_abandoned, true};
    m.yield(l, &mx, Access::acquire, &w);
    touch(m, mx, l);
    might_sleep_check(m, l, "mutex_lock");
    mx.owner = m.cpu();
    lock_acquired(m, mx, mx.cls, mx.cls_name, l);
    if (m.tracing()) m.record(&mx, Access::acquire, Value{}, Value{});
}

inline void mutex_unlock(mutex& mx, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &mx, Access::release);
    touch(m, mx, l);
    lock_released(m, mx, l);
    mx.owner = -1;
    if (m.tracing()) m.record(&mx, Access::release, Value{}, Value{});
}

inline bool mutex_is_locked(const mutex& mx) { return mx.owner >= 0; }

}  // namespace sim
