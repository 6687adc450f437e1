// rwlock_t (tasklist_lock): many readers or one writer; spinning, so atomic.
#pragma once
#include "sim/kernel/check.h"

namespace sim {

struct rwlock_t : Cell {
    rwlock_t(Object* owner_obj, const char* field_name, const char* lock_class)
        : Cell(owner_obj, field_name), cls_name(lock_class) {}
    int readers = 0;
    int writer = -1;
    const char* cls_name;
    int cls = -1;
};

inline bool rw_can_read(const void* p, const Machine&, int) { return static_cast<const rwlock_t*>(p)->writer < 0; }
inline bool rw_can_write(const void* p, const Machine&, int) {
    auto* r = static_cast<const rwlock_t*>(p);
    return r->writer < 0 && r->readers == 0;
}

inline void read_lock(rwlock_t& rw, const Label& l) {
    Machine& m = Machine::current();
    const Wait w{&rw_can_read, &rw, &rw};
    m.yield(l, &rw, Access::acquire_shared, &w);
    ++rw.readers;
    atomic_depth_add(m, +1);
    lock_acquired(m, rw, rw.cls, rw.cls_name, l);
    if (m.tracing()) m.record(&rw, Access::acquire_shared, Value{}, Value{});
}
inline void read_unlock(rwlock_t& rw, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &rw, Access::release_shared);
    lock_released(m, rw, l);
    --rw.readers;
    atomic_depth_add(m, -1);
    if (m.tracing()) m.record(&rw, Access::release_shared, Value{}, Value{});
}
inline void write_lock(rwlock_t& rw, const Label& l) {
    Machine& m = Machine::current();
    const Wait w{&rw_can_write, &rw, &rw};
    m.yield(l, &rw, Access::acquire, &w);
    rw.writer = m.cpu();
    atomic_depth_add(m, +1);
    lock_acquired(m, rw, rw.cls, rw.cls_name, l);
    if (m.tracing()) m.record(&rw, Access::acquire, Value{}, Value{});
}
inline void write_unlock(rwlock_t& rw, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &rw, Access::release);
    lock_released(m, rw, l);
    rw.writer = -1;
    atomic_depth_add(m, -1);
    if (m.tracing()) m.record(&rw, Access::release, Value{}, Value{});
}

}  // namespace sim
