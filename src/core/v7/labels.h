// Yield points of kernel/container.c after V7 patch 3/7 (the multi-subsystem
// API: container groups, hierarchies, subsystem registration). The cpuset
// subsystem's own yield points are in src/subsys/cpuset.h.
#pragma once
#include "core/labels.h"

#define CONTSIM_V7_LABELS(X)                                                                                   \
    X(container_common_file_write, kmalloc_buffer, "buffer = kmalloc(nbytes + 1, GFP_KERNEL);")                \
    X(container_common_file_write, lock_manage_mutex, "mutex_lock(&manage_mutex);")                            \
    X(container_common_file_write, test_removed, "if (container_is_removed(cont))")                            \
    X(container_common_file_write, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                        \
    X(container_common_file_write, kfree_buffer, "kfree(buffer);")                                             \
    X(attach_task_by_pid, read_lock_tasklist, "read_lock(&tasklist_lock);")                                    \
    X(attach_task_by_pid, find_task_by_pid, "tsk = find_task_by_pid(pid);")                                    \
    X(attach_task_by_pid, test_pf_exiting, "if (!tsk || tsk->flags & PF_EXITING)")                             \
    X(attach_task_by_pid, read_unlock_tasklist_esrch, "read_unlock(&tasklist_lock); return -ESRCH;")           \
    X(attach_task_by_pid, get_task_struct, "get_task_struct(tsk);")                                            \
    X(attach_task_by_pid, read_unlock_tasklist, "read_unlock(&tasklist_lock);")                                \
    X(attach_task_by_pid, put_task_struct_eacces, "put_task_struct(tsk); return -EACCES;")                     \
    X(attach_task_by_pid, get_task_struct_current, "tsk = current; get_task_struct(tsk);")                     \
    X(attach_task_by_pid, put_task_struct, "ret = attach_task(cont, tsk); put_task_struct(tsk);")              \
    X(attach_task, pin_task_lock, "task_lock(tsk); /* fix attach-pin-oldcg */")                                \
    X(attach_task, pin_read_oldcg, "oldcg = tsk->containers; /* fix attach-pin-oldcg */")                      \
    X(attach_task, pin_get_oldcg, "get_container_group(oldcg); /* fix attach-pin-oldcg */")                    \
    X(attach_task, pin_task_unlock, "task_unlock(tsk); /* fix attach-pin-oldcg */")                            \
    X(attach_task, pin_read_cg_container, "if (oldcg->container[h] == cont) /* fix attach-pin-oldcg */")       \
    X(attach_task, unpin_oldcg_early, "put_container_group(oldcg); /* fix attach-pin-oldcg: early return */")  \
    X(attach_task, unpin_oldcg_esrch, "put_container_group(oldcg); /* fix attach-pin-oldcg: -ESRCH */")        \
    X(attach_task, unpin_oldcg, "put_container_group(oldcg); /* fix attach-pin-oldcg: our reference */")       \
    X(attach_task, read_containers, "if (tsk->containers->container[h] == cont) /* tsk->containers */")        \
    X(attach_task, read_cg_container, "if (tsk->containers->container[h] == cont) /* ->container[h] */")       \
    X(attach_task, put_task_struct_can_attach, "put_task_struct(tsk); return retval; /* can_attach failed */") \
    X(attach_task, read_oldcg, "oldcg = tsk->containers;")                                                     \
    X(attach_task, put_task_struct_enomem, "put_task_struct(tsk); return -ENOMEM;")                            \
    X(attach_task, lock_callback_mutex, "mutex_lock(&callback_mutex);")                                        \
    X(attach_task, task_lock, "task_lock(tsk);")                                                               \
    X(attach_task, recheck_pf_exiting, "if (tsk->flags & PF_EXITING) /* fix attach-recheck-exiting */")        \
    X(attach_task, task_unlock_esrch, "task_unlock(tsk); /* fix attach-recheck-exiting */")                    \
    X(attach_task, unlock_callback_mutex_esrch, "mutex_unlock(&callback_mutex); /* fix attach-recheck-exiting */") \
    X(attach_task, put_newcg_esrch, "put_container_group(newcg); return -ESRCH; /* fix attach-recheck-exiting */") \
    X(attach_task, reread_oldcg, "oldcg = tsk->containers; /* fix release-under-task-lock */")                 \
    X(attach_task, assign_containers, "rcu_assign_pointer(tsk->containers, newcg);")                           \
    X(attach_task, task_unlock, "task_unlock(tsk);")                                                           \
    X(attach_task, read_oldcont, "oldcont = oldcg->container[h];")                                             \
    X(attach_task, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                                    \
    X(attach_task, synchronize_rcu, "synchronize_rcu();")                                                      \
    X(attach_task, put_oldcg, "put_container_group(oldcg);")                                                   \
    X(find_container_group, bug_on_read_container, "BUG_ON(oldcg->container[h] == cont);")                    \
    X(find_container_group, spin_lock, "spin_lock(&container_group_lock);")                                    \
    X(find_container_group, get_container_group, "if (res) get_container_group(res);")                         \
    X(find_container_group, spin_unlock, "spin_unlock(&container_group_lock);")                                \
    X(find_container_group, kmalloc, "res = kmalloc(sizeof(*res), GFP_KERNEL);")                               \
    X(find_container_group, copy_oldcg, "*res = *oldcg;")                                                      \
    X(find_container_group, read_cont_subsys, "res->subsys[ss->subsys_id] = cont->subsys[ss->subsys_id];")     \
    X(find_container_group, inc_count, "atomic_inc(&res->container[i]->count);")                               \
    X(find_container_group, spin_lock_list_add, "spin_lock(&container_group_lock); /* list_add */")            \
    X(find_container_group, spin_unlock_list_add, "spin_unlock(&container_group_lock); /* list_add */")        \
    X(find_existing_container_group, read_cg_container, "if (cg->container[i] != cont) /* or != oldcg's */")   \
    X(find_existing_container_group, read_oldcg_container, "if (cg->container[i] != oldcg->container[i])")     \
    X(release_container_group, spin_lock, "spin_lock(&container_group_lock);")                                 \
    X(release_container_group, read_container, "struct container *cont = cg->container[i];")                   \
    X(release_container_group, dec_count, "atomic_dec(&cont->count);")                                         \
    X(release_container_group, spin_unlock, "spin_unlock(&container_group_lock);")                             \
    X(release_container_group, kfree, "kfree(cg);")                                                            \
    X(container_fork, rcu_read_lock, "rcu_read_lock();")                                                       \
    X(container_fork, read_need_forkexit_callback, "need_callback = rcu_dereference(need_forkexit_callback);") \
    X(container_fork, rcu_read_unlock_need_callback, "rcu_read_unlock(); /* if (need_callback) */")            \
    X(container_fork, lock_callback_mutex, "mutex_lock(&callback_mutex);")                                     \
    X(container_fork, task_lock, "task_lock(current);")                                                        \
    X(container_fork, read_containers_get, "get_container_group(current->containers); /* read */")             \
    X(container_fork, get_container_group, "get_container_group(current->containers); /* kref_get */")         \
    X(container_fork, read_containers, "child->containers = current->containers; /* read */")                  \
    X(container_fork, write_child_containers, "child->containers = current->containers; /* write */")          \
    X(container_fork, task_unlock, "task_unlock(current);")                                                    \
    X(container_fork, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                                 \
    X(container_fork, rcu_read_unlock, "rcu_read_unlock();")                                                   \
    X(container_exit, rcu_read_lock, "rcu_read_lock();")                                                       \
    X(container_exit, read_need_forkexit_callback, "if (rcu_dereference(need_forkexit_callback))")             \
    X(container_exit, rcu_read_unlock_need_callback, "rcu_read_unlock(); /* need_forkexit_callback */")        \
    X(container_exit, lock_callback_mutex, "mutex_lock(&callback_mutex);")                                     \
    X(container_exit, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                                 \
    X(container_exit, rcu_read_unlock, "rcu_read_unlock();")                                                   \
    X(container_exit, task_lock, "task_lock(tsk); /* fix exit-task-lock */")                                   \
    X(container_exit, read_containers, "cg = tsk->containers;")                                                \
    X(container_exit, write_init_container_group, "tsk->containers = &init_container_group;")                  \
    X(container_exit, task_unlock, "task_unlock(tsk); /* fix exit-task-lock */")                               \
    X(container_exit, put_container_group, "put_container_group(cg);")                                        \
    X(container_task_count, spin_lock, "spin_lock(&container_group_lock);")                                    \
    X(container_task_count, read_cg_container, "if (cg->container[hierarchy] == cont)")                        \
    X(container_task_count, read_refcount, "count += atomic_read(&cg->ref.refcount);")                         \
    X(container_task_count, spin_unlock, "spin_unlock(&container_group_lock);")                                \
    X(task_container, read_containers, "rcu_dereference(task->containers->...) /* task->containers */")        \
    X(task_container, read_hierarchy, "task->containers->container[ss->hierarchy] /* ss->hierarchy */")        \
    X(task_container, read_container, "rcu_dereference(task->containers->container[ss->hierarchy]);")          \
    X(init_container_css, read_css, "struct container_subsys_state *css = cont->subsys[ss->subsys_id];")       \
    X(init_container_css, write_container, "css->container = cont;")                                           \
    X(init_container_css, set_refcnt, "atomic_set(&css->refcnt, 0);")                                          \
    X(container_create, read_sb, "struct super_block *sb = root->sb;")                                        \
    X(container_create, kzalloc_container, "cont = kzalloc(sizeof(*cont), GFP_KERNEL);")                       \
    X(container_create, inc_s_active, "atomic_inc(&sb->s_active);")                                            \
    X(container_create, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                       \
    X(container_create, lock_callback_mutex, "mutex_lock(&callback_mutex);")                                   \
    X(container_create, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                               \
    X(container_create, create_dir, "err = container_create_dir(cont, dentry, mode); /* d_instantiate() */")  \
    X(container_create, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                                   \
    X(container_create, read_css_destroy, "if (cont->subsys[ss->subsys_id]) ss->destroy(ss, cont); /* err_destroy */") \
    X(container_create, unlock_manage_mutex_err, "mutex_unlock(&manage_mutex); /* err_destroy */")             \
    X(container_create, deactivate_super_err, "deactivate_super(sb); /* err_destroy */")                       \
    X(container_create, kfree_container_err, "kfree(cont); /* err_destroy */")                                 \
    X(container_rmdir, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                        \
    X(container_rmdir, read_count, "if (atomic_read(&cont->count) > 0)")                                       \
    X(container_rmdir, unlock_manage_mutex_ebusy, "mutex_unlock(&manage_mutex); return -EBUSY;")               \
    X(container_rmdir, read_css, "css = cont->subsys[ss->subsys_id];")                                         \
    X(container_rmdir, lock_refcnt, "spin_lock(&css->refcnt_lock);")                                           \
    X(container_rmdir, read_refcnt, "css_busy += atomic_read(&css->refcnt);")                                  \
    X(container_rmdir, dec_refcnt, "if (!css_busy) atomic_dec(&css->refcnt);")                                 \
    X(container_rmdir, unlock_refcnt, "spin_unlock(&css->refcnt_lock);")                                       \
    X(container_rmdir, unlock_manage_mutex_css_busy, "if (css_busy) { mutex_unlock(&manage_mutex); return -EBUSY; }") \
    X(container_rmdir, read_css_destroy, "if (cont->subsys[ss->subsys_id]) ss->destroy(ss, cont);")            \
    X(container_rmdir, lock_callback_mutex, "mutex_lock(&callback_mutex);")                                    \
    X(container_rmdir, set_removed, "set_bit(CONT_REMOVED, &cont->flags);")                                    \
    X(container_rmdir, d_remove_dir, "container_d_remove_dir(d); /* d_delete() */")                            \
    X(container_diput, kfree_container, "kfree(cont); /* the last dput() of the directory */")                    \
    X(container_rmdir, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                                \
    X(container_rmdir, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                                    \
    X(container_rmdir, deactivate_super, "deactivate_super(sb);")                                              \
    X(container_get_sb, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                       \
    X(container_get_sb, read_root_sb, "if (!root->sb && !root->subsys_bits) / if (!root->sb)")                 \
    X(container_get_sb, get_sb_nodev, "ret = get_sb_nodev(fs_type, flags, root, container_fill_super, mnt);")   \
    X(container_fill_super, write_root_sb, "hroot->sb = sb;")                                                  \
    X(container_get_sb, inc_s_active, "atomic_inc(&root->sb->s_active); /* reuse the superblock */")           \
    X(container_get_sb, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                                   \
    X(rebind_subsystems, read_ss_hierarchy, "if (ss->hierarchy != 0) return -EBUSY;")                          \
    X(rebind_subsystems, lock_callback_mutex, "mutex_lock(&callback_mutex);")                                  \
    X(rebind_subsystems, read_dummytop_subsys, "cont->subsys[i] = dummytop->subsys[i]; /* read */")            \
    X(rebind_subsystems, write_cont_subsys, "cont->subsys[i] = dummytop->subsys[i]; /* write */")              \
    X(rebind_subsystems, write_css_container, "cont->subsys[i]->container = cont;")                            \
    X(rebind_subsystems, assign_ss_hierarchy, "rcu_assign_pointer(ss->hierarchy, hierarchy);")                 \
    X(rebind_subsystems, write_dummytop_css_container, "dummytop->subsys[i]->container = dummytop;")          \
    X(rebind_subsystems, clear_cont_subsys, "cont->subsys[i] = NULL;")                                         \
    X(rebind_subsystems, assign_ss_hierarchy_0, "rcu_assign_pointer(subsys[i]->hierarchy, 0);")                \
    X(rebind_subsystems, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                              \
    X(container_remount, read_s_fs_info, "struct containerfs_root *root = sb->s_fs_info;")                    \
    X(container_remount, lock_i_mutex, "mutex_lock(&cont->dentry->d_inode->i_mutex);")                         \
    X(container_remount, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                      \
    X(container_remount, populate_dir, "container_populate_dir(cont); /* the files change */")                \
    X(container_remount, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                                  \
    X(container_remount, unlock_i_mutex, "mutex_unlock(&cont->dentry->d_inode->i_mutex);")                     \
    X(deactivate_super, down_write_s_umount, "down_write(&s->s_umount); /* then fs->kill_sb(s) */")           \
    X(deactivate_super, up_write_s_umount, "up_write(&sb->s_umount); /* end of generic_shutdown_super() */") \
    X(deactivate_super, destroy_super, "destroy_super(s); /* kfree */")                                        \
    X(do_remount, down_write_s_umount, "down_write(&sb->s_umount);")                                           \
    X(do_remount, up_write_s_umount, "up_write(&sb->s_umount);")                                               \
    X(container_put_super, read_s_fs_info, "struct containerfs_root *root = sb->s_fs_info;")                  \
    X(container_put_super, clear_root_sb, "root->sb = NULL;")                                                  \
    X(container_put_super, clear_s_fs_info, "sb->s_fs_info = NULL;")                                          \
    X(container_put_super, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                    \
    X(container_put_super, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                                \
    X(container_clone, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                        \
    X(container_clone, read_hierarchy, "again: h = subsys->hierarchy;")                                        \
    X(container_clone, unlock_manage_mutex_unused, "if (h == 0) { ... mutex_unlock(&manage_mutex); return 0; }") \
    X(container_clone, read_containers, "parent = tsk->containers->container[h]; /* tsk->containers */")       \
    X(container_clone, read_parent, "parent = tsk->containers->container[h];")                                 \
    X(container_clone, read_sb, "atomic_inc(&parent->root->sb->s_active); /* parent->root->sb */")             \
    X(container_clone, inc_s_active, "atomic_inc(&parent->root->sb->s_active); /* Pin the hierarchy */")       \
    X(container_clone, inc_parent_count, "atomic_inc(&parent->count); /* Keep the container alive */")         \
    X(container_clone, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                                    \
    X(container_clone, inc_namecnt, "sprintf(buf, \"node%d\", atomic_inc_return(&namecnt));")                  \
    X(container_clone, lock_i_mutex, "mutex_lock(&inode->i_mutex);")                                           \
    X(container_clone, relock_manage_mutex, "mutex_lock(&manage_mutex); /* Retake manage_mutex */")            \
    X(container_clone, reread_hierarchy, "if ((h != subsys->hierarchy) || ...")                                \
    X(container_clone, reread_containers, "... (parent != tsk->containers->container[h])) /* tsk->containers */") \
    X(container_clone, reread_parent, "... (parent != tsk->containers->container[h]))")                        \
    X(container_clone, unlock_i_mutex_race, "mutex_unlock(&inode->i_mutex); /* Aargh, we raced ... */")        \
    X(container_clone, dec_parent_count_race, "atomic_dec(&parent->count); /* raced */")                       \
    X(container_clone, read_sb_race, "deactivate_super(parent->root->sb); /* raced: parent->root->sb */")      \
    X(container_clone, deactivate_super_race, "deactivate_super(parent->root->sb); /* raced */")               \
    X(container_clone, unlock_manage_mutex_attach, "mutex_unlock(&manage_mutex); /* after attach_task */")     \
    X(container_clone, unlock_i_mutex, "out_release: mutex_unlock(&inode->i_mutex);")                          \
    X(container_clone, dec_parent_count, "atomic_dec(&parent->count);")                                        \
    X(container_clone, read_sb_release, "deactivate_super(parent->root->sb); /* parent->root->sb */")          \
    X(container_clone, deactivate_super, "deactivate_super(parent->root->sb);")                                \
    X(container_is_descendant, lock_callback_mutex, "container_lock();")                                       \
    X(container_is_descendant, read_containers, "target = current->containers->container[...]; /* ->containers */") \
    X(container_is_descendant, read_target, "target = current->containers->container[cont->hierarchy];")       \
    X(container_is_descendant, unlock_callback_mutex, "container_unlock();")                                   \
    X(container_tasks_open, kmalloc_ctr, "ctr = kmalloc(sizeof(*ctr), GFP_KERNEL);")                           \
    X(container_tasks_open, kmalloc_pidarray, "pidarray = kmalloc(npids * sizeof(pid_t), GFP_KERNEL);")        \
    X(container_tasks_open, kmalloc_buf, "ctr->buf = kmalloc(ctr->bufsz, GFP_KERNEL);")                        \
    X(container_tasks_open, kfree_pidarray, "kfree(pidarray);")                                                \
    X(container_tasks_release, kfree_buf, "kfree(ctr->buf);")                                                  \
    X(container_tasks_release, kfree_ctr, "kfree(ctr);")                                                       \
    X(pid_array_load, rcu_read_lock, "rcu_read_lock();")                                                       \
    X(pid_array_load, read_lock_tasklist, "read_lock(&tasklist_lock);")                                        \
    X(pid_array_load, read_containers, "if (p->containers->container[h] == cont) /* p->containers */")         \
    X(pid_array_load, read_container, "if (p->containers->container[h] == cont)")                              \
    X(pid_array_load, read_unlock_tasklist, "read_unlock(&tasklist_lock);")                                    \
    X(pid_array_load, rcu_read_unlock, "rcu_read_unlock();")                                                   \
    X(container_file_read, read, "return cft->read(cont, cft, file, buf, nbytes, ppos);")                      \
    X(__fput, mntput, "mntput(mnt); /* __fput(): the open file's vfsmount */")                                 \
    X(container_tasks_read, copy_to_user, "if (copy_to_user(buf, ctr->buf + *ppos, nbytes)) /* ctr = file->private_data */") \
    X(proc_container_show, kmalloc_buf, "buf = kmalloc(PAGE_SIZE, GFP_KERNEL);")                               \
    X(proc_container_show, rcu_read_lock, "rcu_read_lock(); /* get_pid_task() */")                            \
    X(proc_container_show, get_pid_task, "result = pid_task(pid, type); /* get_pid_task() */")                 \
    X(proc_container_show, get_task_struct, "if (result) get_task_struct(result); /* get_pid_task() */")      \
    X(proc_container_show, rcu_read_unlock, "rcu_read_unlock(); /* get_pid_task() */")                        \
    X(proc_container_show, lock_manage_mutex, "mutex_lock(&manage_mutex);")                                    \
    X(proc_container_show, read_containers, "container_path(tsk->containers->container[i], ...) /* ->containers */") \
    X(proc_container_show, read_container, "container_path(tsk->containers->container[i], buf, PAGE_SIZE);")   \
    X(proc_container_show, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                                \
    X(proc_container_show, put_task_struct, "put_task_struct(tsk);")                                           \
    X(proc_container_show, kfree_buf, "kfree(buf);")                                                           \
    X(proc_containerstats_show, lock_manage_mutex, "mutex_lock(&manage_mutex);")                               \
    X(proc_containerstats_show, read_top_count, "atomic_read(&root->top_container.count)")                     \
    X(proc_containerstats_show, read_sb, "if (root->sb)")                                                      \
    X(proc_containerstats_show, read_s_active, "atomic_read(&root->sb->s_active)")                             \
    X(proc_containerstats_show, read_ss_hierarchy, "seq_printf(m, \"%d: name=%s hierarchy=%d\\n\", ...)")        \
    X(proc_containerstats_show, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                           \
    X(get_empty_filp, kmem_cache_alloc, "f = kmem_cache_alloc(filp_cachep, GFP_KERNEL);")                      \
    X(get_empty_filp, kmem_cache_free, "kmem_cache_free(filp_cachep, f); /* fail_charge */")                   \
    X(fd_install, write_fdt, "rcu_assign_pointer(fdt->fd[fd], file); /* the fd table */")                     \
    X(sys_close, write_fdt, "filp = fdt->fd[fd]; rcu_assign_pointer(fdt->fd[fd], NULL);")                  \
    X(close_files, xchg_fd, "struct file * file = xchg(&fdt->fd[i], NULL); /* exit: put_files_struct() */") \
    X(file_free, call_rcu, "call_rcu(&f->f_u.fu_rcuhead, file_free_rcu); /* kmem_cache_free */")              \
    X(css_op, read_css, "css = cont->subsys[ss->subsys_id]; /* the scenario's css_get/css_put */")            \
    X(rebind_subsystems, synchronize_rcu, "synchronize_rcu();")                                                \
    X(container_register_subsys, lock_manage_mutex, "mutex_lock(&manage_mutex);")                              \
    X(container_register_subsys, spin_lock, "spin_lock(&container_group_lock);")                               \
    X(container_register_subsys, read_dummytop_subsys, "cg->subsys[ss_id] = dummytop->subsys[ss_id]; /* read */") \
    X(container_register_subsys, write_cg_subsys, "cg->subsys[ss_id] = dummytop->subsys[ss_id]; /* write */")  \
    X(container_register_subsys, spin_unlock, "spin_unlock(&container_group_lock);")                           \
    X(container_register_subsys, lock_callback_mutex, "mutex_lock(&callback_mutex);")                          \
    X(container_register_subsys, read_need_forkexit_callback, "if (!need_forkexit_callback && (new_subsys->fork || new_subsys->exit))") \
    X(container_register_subsys, write_need_forkexit_callback, "need_forkexit_callback = 1;")                  \
    X(container_register_subsys, synchronize_rcu, "if (system_state == SYSTEM_RUNNING) synchronize_rcu();")    \
    X(container_register_subsys, read_lock_tasklist, "read_lock(&tasklist_lock); /* replay fork */")           \
    X(container_register_subsys, read_unlock_tasklist, "read_unlock(&tasklist_lock); /* replay fork */")       \
    X(container_register_subsys, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                      \
    X(container_register_subsys, unlock_manage_mutex, "mutex_unlock(&manage_mutex);")                        \
    X(css_get, spin_lock_refcnt, "spin_lock_irqsave(&css->refcnt_lock, flags);")                               \
    X(css_get, read_refcnt, "if (atomic_read(&css->refcnt) >= 0)")                                            \
    X(css_get, inc_refcnt, "atomic_inc(&css->refcnt); /* Container is still alive */")                          \
    X(css_get, spin_unlock_refcnt, "spin_unlock_irqrestore(&css->refcnt_lock, flags);")                        \
    X(css_get_current, inc_refcnt, "atomic_inc(&css->refcnt); /* caller holds current->alloc_lock */")         \
    X(css_put, dec_refcnt, "atomic_dec(&css->refcnt);")

namespace core::v7::lbl {
CONTSIM_V7_LABELS(CONTSIM_DEFINE_LABEL)
}
