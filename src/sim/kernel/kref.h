// struct kref (2.6.20 lib/kref.c). kref_put's "atomic_read() == 1 ||
// atomic_dec_and_test()" is one read-modify-write here: on a live kref both
// reach release() under the same conditions, and on a freed one both underflow.
#pragma once
#include "sim/kernel/atomic.h"

namespace sim {

struct kref {
    kref(Object* owner_obj, const char* field_name) : refcount(owner_obj, field_name, true) {}
    atomic_t refcount;
};

inline void kref_init(kref& k, const Label& l) { atomic_set(k.refcount, 1, l); }
// lib/kref.c: WARN_ON(!atomic_read(&kref->refcount)) before the increment:
// a get on a kref already put to 0 resurrects an object its release freed.
// Its result feeds that check alone: of gets racing from zero exactly one
// warns whatever their order, so gets commute with each other (StepInfo::blind).
inline void kref_get(kref& k, const Label& l) {
    const int now = detail::atomic_add(k.refcount, 1, l, Access::rmw, true);
    if (now == 1) kref_get_on_zero(Machine::current(), k.refcount, l);
}

template <class Release>
inline int kref_put(kref& k, Release release, const Label& l) {
    if (atomic_dec_and_test(k.refcount, l)) {
        release(&k);
        return 1;
    }
    return 0;
}

}  // namespace sim
