// Yield points of mainline kernel/cpuset.c in 2.6.20, before the containers
// series (the '-' lines of V6 2/6, containers-v6/02-cpusets.txt).
#pragma once
#include "core/labels.h"

#define CONTSIM_CPUSET_2620_LABELS(X)                                                                  \
    X(cpuset_common_file_write, kmalloc_buffer, "if ((buffer = kmalloc(nbytes + 1, GFP_KERNEL)) == 0)") \
    X(cpuset_common_file_write, lock_manage_mutex, "mutex_lock(&manage_mutex);")                      \
    X(cpuset_common_file_write, test_removed, "if (is_removed(cs))")                                  \
    X(cpuset_common_file_write, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                  \
    X(cpuset_common_file_write, kfree_buffer, "kfree(buffer);")                                       \
    X(attach_task, test_cpus_empty, "if (cpus_empty(cs->cpus_allowed) || ...")                        \
    X(attach_task, test_nodes_empty, "... || nodes_empty(cs->mems_allowed)) return -ENOSPC;")         \
    X(attach_task, read_lock_tasklist, "read_lock(&tasklist_lock);")                                  \
    X(attach_task, find_task_by_pid, "tsk = find_task_by_pid(pid);")                                  \
    X(attach_task, test_pf_exiting, "if (!tsk || tsk->flags & PF_EXITING)")                           \
    X(attach_task, read_unlock_tasklist_esrch, "read_unlock(&tasklist_lock); return -ESRCH;")         \
    X(attach_task, get_task_struct, "get_task_struct(tsk);")                                          \
    X(attach_task, read_unlock_tasklist, "read_unlock(&tasklist_lock);")                              \
    X(attach_task, put_task_struct_eacces, "put_task_struct(tsk); return -EACCES;")                   \
    X(attach_task, get_task_struct_current, "tsk = current; get_task_struct(tsk);")                   \
    X(attach_task, lock_callback_mutex, "mutex_lock(&callback_mutex);")                               \
    X(attach_task, task_lock, "task_lock(tsk);")                                                      \
    X(attach_task, read_oldcs, "oldcs = tsk->cpuset;")                                                \
    X(attach_task, recheck_pf_exiting, "if (tsk->flags & PF_EXITING)")                                \
    X(attach_task, task_unlock_esrch, "task_unlock(tsk);")                                            \
    X(attach_task, unlock_callback_mutex_esrch, "mutex_unlock(&callback_mutex);")                     \
    X(attach_task, put_task_struct_esrch, "put_task_struct(tsk); return -ESRCH;")                     \
    X(attach_task, inc_count, "atomic_inc(&cs->count);")                                              \
    X(attach_task, assign_cpuset, "rcu_assign_pointer(tsk->cpuset, cs);")                             \
    X(attach_task, dec_old_count_locked,                                                              \
      "if (atomic_dec_and_test(&oldcs->count)) oldcs_tobe_released = oldcs; /* fix release-under-task-lock */") \
    X(attach_task, task_unlock, "task_unlock(tsk);")                                                  \
    X(attach_task, guarantee_online_cpus, "guarantee_online_cpus(cs, &cpus); /* reads cs->cpus_allowed */") \
    X(attach_task, read_from_mems, "from = oldcs->mems_allowed;")                                     \
    X(attach_task, read_to_mems, "to = cs->mems_allowed;")                                            \
    X(attach_task, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                           \
    X(attach_task, put_task_struct, "put_task_struct(tsk);")                                          \
    X(attach_task, synchronize_rcu, "synchronize_rcu();")                                             \
    X(attach_task, dec_and_test_old_count, "if (atomic_dec_and_test(&oldcs->count))")                 \
    X(update_cpumask, lock_callback_mutex, "mutex_lock(&callback_mutex);")                            \
    X(update_cpumask, write_cpus_allowed, "cs->cpus_allowed = trialcs.cpus_allowed;")                 \
    X(update_cpumask, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                        \
    X(update_nodemask, lock_callback_mutex, "mutex_lock(&callback_mutex);")                           \
    X(update_nodemask, write_mems_allowed, "cs->mems_allowed = trialcs.mems_allowed;")                \
    X(update_nodemask, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                       \
    X(update_nodemask, read_count_guess, "ntasks = atomic_read(&cs->count); /* guess */")            \
    X(update_nodemask, kmalloc_mmarray, "mmarray = kmalloc(ntasks * sizeof(*mmarray), GFP_KERNEL);")  \
    X(update_nodemask, write_lock_tasklist, "write_lock_irq(&tasklist_lock); /* block fork */")    \
    X(update_nodemask, read_count, "if (atomic_read(&cs->count) <= ntasks)")                          \
    X(update_nodemask, write_unlock_tasklist_retry, "write_unlock_irq(&tasklist_lock); /* try again */") \
    X(update_nodemask, kfree_mmarray_retry, "kfree(mmarray); /* try again */")                        \
    X(update_nodemask, read_task_cpuset, "if (p->cpuset != cs) /* do_each_thread(g, p) */")          \
    X(update_nodemask, write_unlock_tasklist, "write_unlock_irq(&tasklist_lock);")                    \
    X(update_nodemask, kfree_mmarray, "kfree(mmarray);")                                              \
    X(update_flag, lock_callback_mutex, "mutex_lock(&callback_mutex);")                               \
    X(update_flag, write_flags, "cs->flags = trialcs.flags;")                                         \
    X(update_flag, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                           \
    X(check_for_release, test_notify_on_release, "if (notify_on_release(cs) && ...")                  \
    X(check_for_release, read_count, "atomic_read(&cs->count) == 0 && list_empty(&cs->children)")     \
    X(check_for_release, kmalloc_pathbuf, "buf = kmalloc(PAGE_SIZE, GFP_KERNEL);")                    \
    X(cpuset_release_agent, kfree_pathbuf, "call_usermodehelper(argv[0], argv, envp, 0); kfree(pathbuf);") \
    X(cpuset_fork, task_lock, "task_lock(current);")                                                  \
    X(cpuset_fork, read_parent_cpuset, "child->cpuset = current->cpuset; /* read */")                 \
    X(cpuset_fork, write_child_cpuset, "child->cpuset = current->cpuset; /* write */")                \
    X(cpuset_fork, inc_count, "atomic_inc(&child->cpuset->count);")                                   \
    X(cpuset_fork, task_unlock, "task_unlock(current);")                                              \
    X(cpuset_exit, task_lock, "task_lock(tsk); /* fix exit-task-lock */")                             \
    X(cpuset_exit, read_cpuset, "cs = tsk->cpuset;")                                                  \
    X(cpuset_exit, write_top_cpuset, "tsk->cpuset = &top_cpuset; /* the_top_cpuset_hack - see above */") \
    X(cpuset_exit, task_unlock, "task_unlock(tsk); /* fix exit-task-lock */")                         \
    X(cpuset_exit, test_notify_on_release, "if (notify_on_release(cs))")                              \
    X(cpuset_exit, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                   \
    X(cpuset_exit, dec_and_test_count, "if (atomic_dec_and_test(&cs->count))")                        \
    X(cpuset_exit, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                               \
    X(cpuset_exit, dec_count, "atomic_dec(&cs->count);")                                              \
    X(cpuset_create, kmalloc_cpuset, "cs = kmalloc(sizeof(*cs), GFP_KERNEL);")                        \
    X(cpuset_create, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                 \
    X(cpuset_create, test_parent_notify, "if (notify_on_release(parent)) /* and is_spread_page/slab(parent) */") \
    X(cpuset_create, lock_callback_mutex, "mutex_lock(&callback_mutex);")                             \
    X(cpuset_create, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                         \
    X(cpuset_create, create_dir, "err = cpuset_create_dir(cs, name, mode); /* d_instantiate() */")   \
    X(cpuset_create, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                             \
    X(cpuset_rmdir, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                  \
    X(cpuset_rmdir, read_count, "if (atomic_read(&cs->count) > 0)")                                   \
    X(cpuset_rmdir, unlock_manage_mutex_ebusy, "mutex_unlock(&manage_mutex); return -EBUSY;")         \
    X(cpuset_rmdir, unlock_manage_mutex_ebusy_children,                                               \
      "if (!list_empty(&cs->children)) { mutex_unlock(&manage_mutex); return -EBUSY; }")              \
    X(cpuset_rmdir, test_cpu_exclusive, "if (is_cpu_exclusive(cs))")                                  \
    X(cpuset_rmdir, unlock_manage_mutex_err, "mutex_unlock(&manage_mutex); return retval;")           \
    X(cpuset_rmdir, lock_callback_mutex, "mutex_lock(&callback_mutex);")                              \
    X(cpuset_rmdir, set_removed, "set_bit(CS_REMOVED, &cs->flags);")                                  \
    X(cpuset_rmdir, d_remove_dir, "cpuset_d_remove_dir(d); /* d_delete() */")                         \
    X(cpuset_diput, kfree_cpuset, "kfree(cs); /* cpuset_d_remove_dir(d); dput(d) drops the last dentry */") \
    X(cpuset_rmdir, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                          \
    X(cpuset_rmdir, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                          \
    X(cpuset_tasks_open, kmalloc_ctr, "ctr = kmalloc(sizeof(*ctr), GFP_KERNEL);")                   \
    X(cpuset_tasks_open, read_count, "npids = atomic_read(&cs->count);")                            \
    X(cpuset_tasks_open, kmalloc_pidarray, "pidarray = kmalloc(npids * sizeof(pid_t), GFP_KERNEL);") \
    X(cpuset_tasks_open, kmalloc_buf, "ctr->buf = kmalloc(ctr->bufsz, GFP_KERNEL);")                \
    X(cpuset_tasks_open, kfree_pidarray, "kfree(pidarray);")                                        \
    X(cpuset_tasks_release, kfree_buf, "kfree(ctr->buf);")                                          \
    X(cpuset_tasks_release, kfree_ctr, "kfree(ctr);")                                               \
    X(pid_array_load, read_lock_tasklist, "read_lock(&tasklist_lock);")                             \
    X(pid_array_load, read_cpuset, "if (p->cpuset == cs)")                                          \
    X(pid_array_load, read_unlock_tasklist, "read_unlock(&tasklist_lock);")                         \
    X(cpuset_common_file_read, get_free_page, "page = (char *)__get_free_page(GFP_KERNEL)")         \
    X(cpuset_common_file_read, test_notify_on_release, "*s++ = notify_on_release(cs) ? '1' : '0';") \
    X(cpuset_common_file_read, free_page, "free_page((unsigned long)page);")

namespace core::cpuset_2620::lbl {
CONTSIM_CPUSET_2620_LABELS(CONTSIM_DEFINE_LABEL)
}
