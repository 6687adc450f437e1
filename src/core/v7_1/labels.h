// Yield points of kernel/container.c after patch 1/7 (V6 1/6 text).
#pragma once
#include "core/labels.h"

#define CONTSIM_V7_1_LABELS(X)                                                                   \
    X(container_common_file_write, kmalloc_buffer, "buffer = kmalloc(nbytes + 1, GFP_KERNEL);")  \
    X(container_common_file_write, lock_manage_mutex, "mutex_lock(&manage_mutex);")              \
    X(container_common_file_write, test_removed, "if (container_is_removed(cont))")              \
    X(container_common_file_write, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")          \
    X(container_common_file_write, kfree_buffer, "kfree(buffer);")                               \
    X(attach_task, read_lock_tasklist, "read_lock(&tasklist_lock);")                             \
    X(attach_task, find_task_by_pid, "tsk = find_task_by_pid(pid);")                             \
    X(attach_task, test_pf_exiting, "if (!tsk || tsk->flags & PF_EXITING)")                      \
    X(attach_task, read_unlock_tasklist_esrch, "read_unlock(&tasklist_lock); return -ESRCH;")    \
    X(attach_task, get_task_struct, "get_task_struct(tsk);")                                     \
    X(attach_task, read_unlock_tasklist, "read_unlock(&tasklist_lock);")                         \
    X(attach_task, put_task_struct_eacces, "put_task_struct(tsk); return -EACCES;")              \
    X(attach_task, get_task_struct_current, "tsk = current; get_task_struct(tsk);")              \
    X(attach_task, lock_callback_mutex, "mutex_lock(&callback_mutex);")                          \
    X(attach_task, task_lock, "task_lock(tsk);")                                                 \
    X(attach_task, read_oldcont, "oldcont = tsk->container;")                                    \
    X(attach_task, recheck_pf_exiting, "if (tsk->flags & PF_EXITING) /* fix attach-recheck-exiting */") \
    X(attach_task, task_unlock_esrch, "task_unlock(tsk);")                                       \
    X(attach_task, unlock_callback_mutex_esrch, "mutex_unlock(&callback_mutex);")                \
    X(attach_task, put_task_struct_esrch, "put_task_struct(tsk); return -ESRCH;")                \
    X(attach_task, inc_count, "atomic_inc(&cont->count);")                                       \
    X(attach_task, assign_container, "rcu_assign_pointer(tsk->container, cont);")                \
    X(attach_task, dec_old_count_locked, "if (atomic_dec_and_test(&oldcont->count)) /* fix release-under-task-lock */") \
    X(attach_task, task_unlock, "task_unlock(tsk);")                                             \
    X(attach_task, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                      \
    X(attach_task, put_task_struct, "put_task_struct(tsk);")                                     \
    X(attach_task, synchronize_rcu, "synchronize_rcu();")                                        \
    X(attach_task, dec_and_test_old_count, "if (atomic_dec_and_test(&oldcont->count))")          \
    X(update_flag, lock_callback_mutex, "mutex_lock(&callback_mutex);")                          \
    X(update_flag, write_flags, "set_bit(bit, &cont->flags); /* or clear_bit */")               \
    X(update_flag, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                      \
    X(check_for_release, test_notify_on_release, "if (notify_on_release(cont) && ...")           \
    X(check_for_release, read_count, "atomic_read(&cont->count) == 0 && list_empty(&cont->children)") \
    X(check_for_release, kmalloc_pathbuf, "buf = kmalloc(PAGE_SIZE, GFP_KERNEL);")               \
    X(container_release_agent, kfree_pathbuf, "call_usermodehelper(...); kfree(pathbuf);")       \
    X(container_fork, task_lock, "task_lock(current);")                                          \
    X(container_fork, read_parent_container, "child->container = current->container; /* read */") \
    X(container_fork, write_child_container, "child->container = current->container; /* write */") \
    X(container_fork, inc_count, "atomic_inc(&child->container->count);")                        \
    X(container_fork, task_unlock, "task_unlock(current);")                                      \
    X(container_exit, task_lock, "task_lock(tsk); /* fix exit-task-lock */")                     \
    X(container_exit, read_container, "cont = tsk->container;")                                  \
    X(container_exit, write_top_container, "tsk->container = &top_container; /* the_top_container_hack */") \
    X(container_exit, task_unlock, "task_unlock(tsk); /* fix exit-task-lock */")                 \
    X(container_exit, test_notify_on_release, "if (notify_on_release(cont))")                    \
    X(container_exit, lock_manage_mutex, "mutex_lock(&manage_mutex);")                           \
    X(container_exit, dec_and_test_count, "if (atomic_dec_and_test(&cont->count))")              \
    X(container_exit, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                       \
    X(container_exit, dec_count, "atomic_dec(&cont->count);")                                    \
    X(container_create, kmalloc_container, "cont = kmalloc(sizeof(*cont), GFP_KERNEL);")         \
    X(container_create, lock_manage_mutex, "mutex_lock(&manage_mutex);")                         \
    X(container_create, test_parent_notify, "if (notify_on_release(parent))")                    \
    X(container_create, lock_callback_mutex, "mutex_lock(&callback_mutex);")                     \
    X(container_create, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                 \
    X(container_create, create_dir, "err = container_create_dir(cont, name, mode); /* d_instantiate() */") \
    X(container_create, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                     \
    X(container_rmdir, lock_manage_mutex, "mutex_lock(&manage_mutex);")                          \
    X(container_rmdir, read_count, "if (atomic_read(&cont->count) > 0)")                         \
    X(container_rmdir, unlock_manage_mutex_ebusy, "mutex_unlock(&manage_mutex); return -EBUSY;") \
    X(container_rmdir, lock_callback_mutex, "mutex_lock(&callback_mutex);")                      \
    X(container_rmdir, set_removed, "set_bit(CONT_REMOVED, &cont->flags);")                      \
    X(container_rmdir, d_remove_dir, "container_d_remove_dir(d); /* d_delete() */")               \
    X(container_diput, kfree_container, "kfree(cont); /* dput(d) drops the last dentry */")     \
    X(container_rmdir, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                  \
    X(container_rmdir, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                      \
    X(container_tasks_open, kmalloc_ctr, "ctr = kmalloc(sizeof(*ctr), GFP_KERNEL);")               \
    X(container_tasks_open, read_count, "npids = atomic_read(&cont->count);")                      \
    X(container_tasks_open, kmalloc_pidarray, "pidarray = kmalloc(npids * sizeof(pid_t), GFP_KERNEL);") \
    X(container_tasks_open, kmalloc_buf, "ctr->buf = kmalloc(ctr->bufsz, GFP_KERNEL);")            \
    X(container_tasks_open, kfree_pidarray, "kfree(pidarray);")                                    \
    X(container_tasks_release, kfree_buf, "kfree(ctr->buf);")                                      \
    X(container_tasks_release, kfree_ctr, "kfree(ctr);")                                           \
    X(pid_array_load, read_lock_tasklist, "read_lock(&tasklist_lock);")                            \
    X(pid_array_load, read_container, "if (p->container == cont)")                                \
    X(pid_array_load, read_unlock_tasklist, "read_unlock(&tasklist_lock);")                        \
    X(container_common_file_read, get_free_page, "page = (char *)__get_free_page(GFP_KERNEL)")     \
    X(container_common_file_read, test_notify_on_release, "*s++ = notify_on_release(cont) ? '1' : '0';") \
    X(container_common_file_read, free_page, "free_page((unsigned long)page);")

namespace core::v7_1::lbl {
CONTSIM_V7_1_LABELS(CONTSIM_DEFINE_LABEL)
}
