// struct rw_semaphore (mm->mmap_sem): many readers or one writer, sleeping.
// A CPU blocked on it is not runnable; unlike rwlock_t it does not raise the
// atomic depth, and taking it is a might-sleep point.
#pragma once
#include "sim/kernel/check.h"

namespace sim {

struct rw_semaphore : Cell {
    rw_semaphore(Object* owner_obj, const char* field_name, const char* lock_class)
        : Cell(owner_obj, field_name), cls_name(lock_class) {}
    int readers = 0;
    int writer = -1;
    const char* cls_name;
    int cls = -1;
};

inline bool rwsem_can_read(const void* p, const Machine&, int) {
    return static_cast<const rw_semaphore*>(p)->writer < 0;
}
inline bool rwsem_can_write(const void* p, const Machine&, int) {
    auto* s = static_cast<const rw_semaphore*>(p);
    return s->writer < 0 && s->readers == 0;
}
inline void down_read_abandoned(Machine& m, const Label& l) { might_sleep_check(m, l, "down_read"); }
inline void down_write_abandoned(Machine& m, const Label& l) { might_sleep_check(m, l, "down_write"); }

inline void down_read(rw_semaphore& s, const Label& l) {
    Machine& m = Machine::current();
    const Wait w{&rwsem_can_read, &s, &s, &down_read_abandoned, true};
    m.yield(l, &s, Access::acquire_shared, &w);
    touch(m, s, l);
    might_sleep_check(m, l, "down_read");
    ++s.readers;
    lock_acquired(m, s, s.cls, s.cls_name, l);
    if (m.tracing()) m.record(&s, Access::acquire_shared, Value{}, Value{});
}
inline void up_read(rw_semaphore& s, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &s, Access::release_shared);
    touch(m, s, l);
    lock_released(m, s, l);
    --s.readers;
    if (m.tracing()) m.record(&s, Access::release_shared, Value{}, Value{});
}
inline void down_write(rw_semaphore& s, const Label& l) {
    Machine& m = Machine::current();
    const Wait w{&rwsem_can_write, &s, &s, &down_write_abandoned, true};
    m.yield(l, &s, Access::acquire, &w);
    touch(m, s, l);
    might_sleep_check(m, l, "down_write");
    s.writer = m.cpu();
    lock_acquired(m, s, s.cls, s.cls_name, l);
    if (m.tracing()) m.record(&s, Access::acquire, Value{}, Value{});
}
inline void up_write(rw_semaphore& s, const Label& l) {
    Machine& m = Machine::current();
    m.yield(l, &s, Access::release);
    touch(m, s, l);
    lock_released(m, s, l);
    s.writer = -1;
    if (m.tracing()) m.record(&s, Access::release, Value{}, Value{});
}

}  // namespace sim
