// Yield points of the generic task code every kernel shares (kernel/fork.c,
// kernel/exit.c, kernel/pid.c in 2.6.20).
#pragma once
#include "core/labels.h"

#define CONTSIM_COMMON_LABELS(X)                                                        \
    X(copy_process, alloc_task, "p = dup_task_struct(current);")                       \
    X(copy_process, set_usage, "atomic_set(&tsk->usage, 2);")                          \
    X(copy_process, write_lock_tasklist, "write_lock_irq(&tasklist_lock);")            \
    X(copy_process, attach_pid, "attach_pid(p, PIDTYPE_PID, p->pid);")                 \
    X(copy_process, write_unlock_tasklist, "write_unlock_irq(&tasklist_lock);")        \
    X(copy_process, free_task, "free_task(p); /* bad_fork_free */")                    \
    X(do_exit, set_pf_exiting, "tsk->flags |= PF_EXITING;")                            \
    X(release_task, write_lock_tasklist, "write_lock_irq(&tasklist_lock);")            \
    X(release_task, detach_pid, "__unhash_process(p); /* detach_pid */")               \
    X(release_task, write_unlock_tasklist, "write_unlock_irq(&tasklist_lock);")        \
    X(release_task, put_task_struct, "put_task_struct(p); /* delayed_put_task_struct */") \
    X(finish_task_switch, put_task_struct, "put_task_struct(prev); /* TASK_DEAD */")

namespace core::lbl {
CONTSIM_COMMON_LABELS(CONTSIM_DEFINE_LABEL)
}
