// get_task_struct()/put_task_struct(): the task_struct's usage count; the last
// put frees it. Works for any task type with an `atomic_t usage`.
#pragma once
#include "sim/kernel/atomic.h"
#include "sim/kernel/slab.h"

namespace sim {

extern const Label put_task_struct_free;  // "__put_task_struct:free_task"

template <class Task>
inline void get_task_struct(Task* t, const Label& l) { atomic_inc(t->usage, l); }

template <class Task>
inline void put_task_struct(Task* t, const Label& l) {
    if (atomic_dec_and_test(t->usage, l)) kfree(t, put_task_struct_free);
}

}  // namespace sim
