#include "core/mm.h"

#include <sched.h>  // CLONE_VM, with the kernel's value

#include <cerrno>

#include "sim/kernel/slab.h"
#include "sim/kernel/spinlock.h"

namespace core {

using namespace sim;

mm_struct::mm_struct(const std::string& owner_comm)
    : Object("mm_struct"), mm_users(this, "mm_users", true, 1), mmap_sem(this, "mmap_sem", "&mm->mmap_sem"),
      pages(this, "pages", 0) {
    set_name("mm(" + owner_comm + ")");
}

int copy_mm(unsigned long clone_flags, task_struct* tsk, task_struct* current) {
    // dup_task_struct() copied current's fields: tsk->mm = current->mm.
    // Only current writes current->mm (exit_mm), so the copy is no step.
    mm_struct* oldmm = current->mm.peek();
    tsk->mm.init(nullptr);
    if (!oldmm) return 0;  // a kernel thread
    if (clone_flags & CLONE_VM) {
        atomic_inc(oldmm->mm_users, lbl::copy_mm::inc_mm_users);
        tsk->mm.init(oldmm);
        return 0;
    }
    // dup_mm(): the new mm is the child's alone until copy_process() links it.
    mm_struct* mm = kmalloc<mm_struct>(lbl::dup_mm::allocate_mm, GFP_KERNEL, tsk->comm);
    if (!mm) return -ENOMEM;
    tsk->mm.init(mm);
    return 0;
}

int unshare_vm(unsigned long unshare_flags, task_struct* current) {
    mm_struct* mm = current->mm.peek();
    if ((unshare_flags & CLONE_VM) && mm && atomic_read(mm->mm_users, lbl::unshare_vm::read_mm_users) > 1)
        return -EINVAL;
    return 0;
}

void exit_mm(task_struct* tsk) {
    namespace yp = lbl::exit_mm;
    mm_struct* mm = tsk->mm.peek();  // tsk is current: nobody else writes tsk->mm
    if (!mm) return;
    down_read(mm->mmap_sem, yp::down_read_mmap_sem);
    // mm->core_waiters (a core dump in progress) is not modelled.
    task_lock(tsk, yp::task_lock);
    tsk->mm.write(nullptr, yp::clear_mm);
    up_read(mm->mmap_sem, yp::up_read_mmap_sem);
    task_unlock(tsk, yp::task_unlock);
    mmput(mm);
}

mm_struct* get_task_mm(task_struct* task) {
    namespace yp = lbl::get_task_mm;
    task_lock(task, yp::task_lock);
    mm_struct* mm = task->mm.read(yp::read_mm);
    // PF_BORROWED_MM (a kernel thread using a user mm) is never set in the model.
    if (mm) atomic_inc(mm->mm_users, yp::inc_mm_users);
    task_unlock(task, yp::task_unlock);
    return mm;
}

void mmput(mm_struct* mm) {
    might_sleep_check(Machine::current(), lbl::mmput::dec_and_test_mm_users, "mmput");
    if (atomic_dec_and_test(mm->mm_users, lbl::mmput::dec_and_test_mm_users)) {
        // exit_aio(), exit_mmap(), the mmlist removal: no state in the model.
        kfree(mm, lbl::mmput::free_mm);
    }
}

void mpol_rebind_mm(mm_struct* mm) {
    down_write(mm->mmap_sem, lbl::mpol_rebind_mm::down_write_mmap_sem);
    // for each vma: mpol_rebind_policy(vma->vm_policy, new): no vmas modelled.
    up_write(mm->mmap_sem, lbl::mpol_rebind_mm::up_write_mmap_sem);
}

void do_migrate_pages(mm_struct* mm) {
    namespace yp = lbl::do_migrate_pages;
    Machine& m = Machine::current();
    down_read(mm->mmap_sem, yp::down_read_mmap_sem);
    // migrate_vmas() and the per-node migrate_to_node() loop, as one step
    // that touches the pages and may sleep (page locks, writeback).
    mm->pages.write(mm->pages.peek() + 1, yp::migrate_pages);
    might_sleep_check(m, yp::migrate_pages, "migrate_pages");
    up_read(mm->mmap_sem, yp::up_read_mmap_sem);
}

}  // namespace core
