// Yield points of the generic task code every kernel shares (kernel/fork.c,
// kernel/exit.c, kernel/pid.c in 2.6.20) and the VFS's path walks and mounts
// (fs/namei.c, fs/namespace.c).
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
    X(__exit_files, task_lock, "task_lock(tsk);")                                      \
    X(__exit_files, clear_files, "tsk->files = NULL;")                                 \
    X(__exit_files, task_unlock, "task_unlock(tsk);")                                  \
    X(__exit_fs, task_lock, "task_lock(tsk);")                                         \
    X(__exit_fs, clear_fs, "tsk->fs = NULL;")                                          \
    X(__exit_fs, task_unlock, "task_unlock(tsk);")                                     \
    X(release_task, write_lock_tasklist, "write_lock_irq(&tasklist_lock);")            \
    X(release_task, detach_pid, "__unhash_process(p); /* detach_pid */")               \
    X(release_task, write_unlock_tasklist, "write_unlock_irq(&tasklist_lock);")        \
    X(release_task, call_rcu, "call_rcu(&p->rcu, delayed_put_task_struct);")          \
    X(delayed_put_task_struct, put_task_struct, "put_task_struct(container_of(rhp, struct task_struct, rcu));") \
    X(finish_task_switch, put_task_struct, "put_task_struct(prev); /* TASK_DEAD */")     \
    X(path_lookup, walk, "error = path_lookup(name, LOOKUP_FOLLOW, &nd); /* dcache and mounts */") \
    X(lookup_hash, read_dcache, "dentry = lookup_hash(&nd); /* the parent's i_mutex held */") \
    X(sys_mkdirat, lock_parent_i_mutex, "mutex_lock_nested(&nd->dentry->d_inode->i_mutex, I_MUTEX_PARENT); /* lookup_create() */") \
    X(sys_mkdirat, unlock_parent_i_mutex, "mutex_unlock(&nd.dentry->d_inode->i_mutex);")    \
    X(do_rmdir, lock_parent_i_mutex, "mutex_lock_nested(&nd.dentry->d_inode->i_mutex, I_MUTEX_PARENT);") \
    X(vfs_rmdir, lock_i_mutex, "mutex_lock(&dentry->d_inode->i_mutex);")                   \
    X(vfs_rmdir, unlock_i_mutex, "mutex_unlock(&dentry->d_inode->i_mutex);")               \
    X(do_rmdir, unlock_parent_i_mutex, "mutex_unlock(&nd.dentry->d_inode->i_mutex);")       \
    X(do_add_mount, graft_tree, "err = graft_tree(newmnt, nd); /* the mount is visible */") \
    X(dput, dec_d_count, "dput(dentry); /* atomic_dec_and_lock(&dentry->d_count, &dcache_lock) */") \
    X(do_umount, umount_tree, "if (flags & MNT_DETACH || !propagate_mount_busy(mnt, 2)) umount_tree(mnt, 1, &umount_list);") \
    X(release_mounts, mntput, "mntput(mnt); /* release_mounts(): the namespace's reference */") \
    X(path_release, mntput, "mntput(nd->mnt); /* path_release() */")                      \
    X(__mntput, free_vfsmnt, "free_vfsmnt(mnt); /* __mntput() */")                        \
    X(__mntput, deactivate_super, "deactivate_super(sb); /* atomic_dec_and_lock(&s->s_active, &sb_lock) */")

// CPU and memory hotplug (kernel/cpu.c, mm/memory_hotplug.c): listed only by
// the kernels that have the ops (containers-v7).
#define CONTSIM_HOTPLUG_LABELS(X)                                                                        \
    X(cpu_down, lock, "mutex_lock(&cpu_add_remove_lock);")                                          \
    X(cpu_down, unlock, "mutex_unlock(&cpu_add_remove_lock);")                                      \
    X(cpu_up, lock, "mutex_lock(&cpu_add_remove_lock);")                                            \
    X(cpu_up, unlock, "mutex_unlock(&cpu_add_remove_lock);")                                        \
    X(cpu_down, read_online, "if (!cpu_online(cpu)) return -EINVAL; /* and num_online_cpus() == 1: -EBUSY */") \
    X(cpu_down, cpu_clear, "cpu_clear(smp_processor_id(), cpu_online_map); /* take_cpu_down() */")   \
    X(cpu_up, read_online, "if (cpu_online(cpu) || !cpu_present(cpu)) return -EINVAL;")               \
    X(cpu_up, cpu_set, "cpu_set(cpu, cpu_online_map); /* __cpu_up() */")                               \
    X(add_memory, read_online, "if (!node_online(nid)) { ... } /* add_memory() */")                   \
    X(add_memory, node_set_online, "node_set_online(nid); /* then cpuset_track_online_nodes() */")

namespace core::lbl {
CONTSIM_COMMON_LABELS(CONTSIM_DEFINE_LABEL)
CONTSIM_HOTPLUG_LABELS(CONTSIM_DEFINE_LABEL)
}
