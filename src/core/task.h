// struct task_struct, reduced to what the container code touches. One type
// serves all three kernels; each kernel uses only its own pointer field.
#pragma once
#include <string>

#include "sim/kernel/atomic.h"
#include "sim/kernel/shared.h"
#include "sim/kernel/spinlock.h"

namespace core {

namespace cpuset_2620 { struct cpuset; }
namespace v7_1 { struct container; }
namespace v7 { struct container_group; }
struct mm_struct;

constexpr unsigned long PF_EXITING = 0x00000004;  // include/linux/sched.h
constexpr unsigned long PF_SPREAD_PAGE = 0x01000000;
constexpr unsigned long PF_SPREAD_SLAB = 0x02000000;
constexpr int CAP_SYS_ADMIN = 21;                 // include/linux/capability.h

struct task_struct : sim::Object {
    task_struct(int pid_nr, const std::string& comm_name);

    int pid;
    std::string comm;
    int uid = 0, euid = 0, suid = 0;
    unsigned long cap_effective = ~0ul;  // root's full set; the `capability` op changes it
    // capable(cap) asks this of current (no step: credentials are the task's own).
    bool has_capability(int cap) const { return cap_effective & (1ul << cap); }

    sim::Shared<unsigned long> flags;   // PF_EXITING: set by do_exit without a lock
    sim::spinlock_t alloc_lock;         // task_lock(); guards the pointers below
    sim::atomic_t usage;                // get_task_struct()/put_task_struct()

    sim::Shared<cpuset_2620::cpuset*> cpuset;          // cpuset-2.6.20
    sim::Shared<v7_1::container*> container;           // containers-v7-1
    sim::Shared<v7::container_group*> containers;      // containers-v7

    sim::Shared<mm_struct*> mm;                 // LL=task_lock; written only by the task (exit_mm)
    // tsk->files and tsk->fs: every task that reaches do_exit() has them
    // (copy_files()/copy_fs() at fork; a kernel thread shares init's after
    // daemonize()). The structs' contents are the task's own in the model (no
    // CLONE_FILES/CLONE_FS), so only the pointers are cells: exit clears them
    // under task_lock (kernel/exit.c __exit_files()/__exit_fs()).
    sim::Shared<bool> files;                    // LL=task_lock
    sim::Shared<bool> fs;                       // LL=task_lock
    // cpuset's view of the task's memory (kernel/cpuset.c 2.6.20): written by
    // the task itself under callback_mutex + task_lock, read by it lock-free.
    sim::Shared<unsigned long> mems_allowed;    // nodemask_t; LL=callback_mutex+task_lock
    sim::Shared<int> cpuset_mems_generation;    // LL=callback_mutex+task_lock

    // Model bookkeeping, not kernel state: did this task's exit hook run?
    bool exit_hook_done = false;
    bool hashed = false;  // findable by pid (between copy_process and release_task)
};

// Membership as the invariants count it: a task whose exit hook has not run.
inline bool task_is_live(const task_struct* t) { return !t->freed && !t->exit_hook_done; }

}  // namespace core
