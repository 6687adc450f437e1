// struct mm_struct and the kernel/fork.c + kernel/exit.c paths that hand it
// around (2.6.20): copy_mm/dup_mm at fork, exit_mm at exit, get_task_mm and
// mmput for a CPU that works on another task's memory (cpuset's
// post_attach and update_nodemask). Every kernel gives its tasks an mm (init
// has one from boot), since exit_mm()'s task_lock section orders exit against
// attach; only 3/7's cpuset code reads another task's mm.
//
// Reduced: mm_count (the lazy-TLB reference) is folded into mm_users, so the
// mm is freed by the mmput() that drops the last user, not by a later
// mmdrop(); no page tables, vmas or mempolicies (mpol_rebind_mm and
// do_migrate_pages keep only their mmap_sem steps).
#pragma once
#include <string>

#include "core/labels.h"
#include "core/task.h"
#include "sim/kernel/atomic.h"
#include "sim/kernel/rwsem.h"

#define CONTSIM_MM_LABELS(X)                                                                     \
    X(copy_mm, inc_mm_users, "atomic_inc(&oldmm->mm_users); /* CLONE_VM */")                      \
    X(dup_mm, allocate_mm, "mm = allocate_mm();")                                                 \
    X(unshare_vm, read_mm_users, "if ((unshare_flags & CLONE_VM) && (mm && atomic_read(&mm->mm_users) > 1))") \
    X(exit_mm, down_read_mmap_sem, "down_read(&mm->mmap_sem);")                                   \
    X(exit_mm, task_lock, "task_lock(tsk);")                                                      \
    X(exit_mm, clear_mm, "tsk->mm = NULL;")                                                       \
    X(exit_mm, up_read_mmap_sem, "up_read(&mm->mmap_sem);")                                       \
    X(exit_mm, task_unlock, "task_unlock(tsk);")                                                  \
    X(get_task_mm, task_lock, "task_lock(task);")                                                 \
    X(get_task_mm, read_mm, "mm = task->mm;")                                                     \
    X(get_task_mm, inc_mm_users, "atomic_inc(&mm->mm_users);")                                    \
    X(get_task_mm, task_unlock, "task_unlock(task);")                                             \
    X(mmput, dec_and_test_mm_users, "if (atomic_dec_and_test(&mm->mm_users)) {")                   \
    X(mmput, free_mm, "mmdrop(mm); /* free_mm(): mm_count folded into mm_users */")               \
    X(mpol_rebind_mm, down_write_mmap_sem, "down_write(&mm->mmap_sem);")                          \
    X(mpol_rebind_mm, up_write_mmap_sem, "up_write(&mm->mmap_sem);")                              \
    X(do_migrate_pages, down_read_mmap_sem, "down_read(&mm->mmap_sem);")                          \
    X(do_migrate_pages, migrate_pages, "migrate_to_node(mm, source, dest, flags); /* sleeps */")  \
    X(do_migrate_pages, up_read_mmap_sem, "up_read(&mm->mmap_sem);")

namespace core::lbl {
CONTSIM_MM_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace core {

struct mm_struct : sim::Object {
    explicit mm_struct(const std::string& owner_comm);
    sim::atomic_t mm_users;         // tasks using it + get_task_mm() references
    sim::rw_semaphore mmap_sem;     // LL= the mm's vmas and mempolicies
    sim::Shared<int> pages;         // the pages do_migrate_pages() moves: a token cell
};

// kernel/fork.c copy_mm(): share current's mm (CLONE_VM) or copy it. 0 or -ENOMEM.
int copy_mm(unsigned long clone_flags, task_struct* tsk, task_struct* current);
// kernel/exit.c exit_mm(): the task drops its mm under mmap_sem and task_lock.
void exit_mm(task_struct* tsk);
// kernel/fork.c unshare_vm(): -EINVAL when current shares its mm, else 0
// (2.6.20 never unshares a VM).
int unshare_vm(unsigned long unshare_flags, task_struct* current);
// kernel/fork.c get_task_mm(): a reference to task->mm, or NULL once exit_mm ran.
mm_struct* get_task_mm(task_struct* task);
// kernel/fork.c mmput(): drop a user; the last one frees the mm.
void mmput(mm_struct* mm);
// mm/mempolicy.c mpol_rebind_mm(): rebind every vma's policy under mmap_sem (write).
void mpol_rebind_mm(mm_struct* mm);
// mm/mempolicy.c do_migrate_pages(): moves pages under mmap_sem (read); sleeps.
void do_migrate_pages(mm_struct* mm);

}  // namespace core
