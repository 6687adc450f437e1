#include "core/cpuset_2620/cpuset.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>

#include "core/common_labels.h"
#include "core/cpuset_2620/labels.h"
#include "core/errno_names.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/rwlock.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/task_ref.h"

namespace core::cpuset_2620 {

using namespace sim;

namespace {
// check_for_release()'s kmalloc(PAGE_SIZE) path buffer.
struct pathbuf : Object {
    explicit pathbuf(const std::string& path) : Object("pathbuf") { set_name("pathbuf(" + path + ")"); }
};
// cpuset_common_file_write()'s kmalloc(nbytes + 1) copy of the user's text.
struct write_buffer : Object {
    write_buffer() : Object("buffer") { set_name("buffer"); }
};
// update_nodemask()'s kmalloc(ntasks * sizeof(*mmarray)).
struct mm_array : Object {
    mm_array() : Object("mmarray") { set_name("mmarray"); }
};

constexpr cpumask_t CPU_MASK_NONE = 0;
constexpr nodemask_t NODE_MASK_NONE = 0;

inline bool test_bit(int nr, unsigned long word) { return (word >> nr) & 1ul; }
inline void set_bit(int nr, unsigned long* word) { *word |= 1ul << nr; }
inline void clear_bit(int nr, unsigned long* word) { *word &= ~(1ul << nr); }
inline bool cpus_empty(cpumask_t m) { return m == 0; }
inline bool nodes_empty(nodemask_t m) { return m == 0; }
inline bool cpus_intersects(cpumask_t a, cpumask_t b) { return (a & b) != 0; }
inline bool nodes_intersects(nodemask_t a, nodemask_t b) { return (a & b) != 0; }
inline int cpus_weight(cpumask_t m) { return std::popcount(m); }

// `struct cpuset trialcs = *cs;`: the fields the update routines try out.
// Made only with manage_mutex held, and every writer of flags, cpus_allowed
// and mems_allowed holds manage_mutex, so copying is not a step (as v7_1's
// update_flag reads flags with peek()).
struct trial_cpuset {
    unsigned long flags;
    cpumask_t cpus_allowed;
    nodemask_t mems_allowed;
};
trial_cpuset trial_of(const cpuset* cs) { return {cs->flags.peek(), cs->cpus_allowed.peek(), cs->mems_allowed.peek()}; }
inline bool is_cpu_exclusive(const trial_cpuset& cs) { return test_bit(CS_CPU_EXCLUSIVE, cs.flags); }
inline bool is_mem_exclusive(const trial_cpuset& cs) { return test_bit(CS_MEM_EXCLUSIVE, cs.flags); }

// lib/bitmap.c bitmap_parselist() in 2.6.20: "0", "0-1", "0,1"; an empty
// list is -EINVAL (2.6.20 has no special case for it), a bit >= nmaskbits -ERANGE.
int bitmap_parselist(const char* bp, unsigned long* maskp, int nmaskbits) {
    unsigned long a, b;
    char* end;

    *maskp = 0;  // bitmap_zero(maskp, nmaskbits);
    do {
        if (!std::isdigit(static_cast<unsigned char>(*bp))) return -EINVAL;
        b = a = std::strtoul(bp, &end, 10);
        bp = end;
        if (*bp == '-') {
            bp++;
            if (!std::isdigit(static_cast<unsigned char>(*bp))) return -EINVAL;
            b = std::strtoul(bp, &end, 10);
            bp = end;
        }
        if (!(a <= b)) return -EINVAL;
        if (b >= static_cast<unsigned long>(nmaskbits)) return -ERANGE;
        while (a <= b) {
            set_bit(static_cast<int>(a), maskp);
            a++;
        }
        if (*bp == ',') bp++;
    } while (*bp != '\0' && *bp != '\n');
    return 0;
}
int cpulist_parse(const std::string& buf, cpumask_t* dst) { return bitmap_parselist(buf.c_str(), dst, NR_CPUS); }
int nodelist_parse(const std::string& buf, nodemask_t* dst, int max_numnodes) {
    return bitmap_parselist(buf.c_str(), dst, max_numnodes);
}

// is_cpuset_subset(p, q) - Is cpuset p a subset of cpuset q?
bool is_cpuset_subset(const trial_cpuset& p, const trial_cpuset& q) {
    return (p.cpus_allowed & ~q.cpus_allowed) == 0 && (p.mems_allowed & ~q.mems_allowed) == 0 &&
           is_cpu_exclusive(p) <= is_cpu_exclusive(q) && is_mem_exclusive(p) <= is_mem_exclusive(q);
}

// validate_change(): would cur with trial's values still follow the subset
// and exclusive rules? Presumes manage_mutex held, so its reads are not steps.
int validate_change(const cpuset* cur, const trial_cpuset& trial) {
    const cpuset* par;

    /* Each of our child cpusets must be a subset of us */
    for (const cpuset* c : cur->children)
        if (!is_cpuset_subset(trial_of(c), trial)) return -EBUSY;

    /* Remaining checks don't apply to root cpuset */
    if ((par = cur->parent) == nullptr) return 0;

    /* We must be a subset of our parent cpuset */
    if (!is_cpuset_subset(trial, trial_of(par))) return -EACCES;

    /* If either I or some sibling (!= me) is exclusive, we can't overlap */
    for (const cpuset* c : par->children) {
        trial_cpuset cc = trial_of(c);
        if ((is_cpu_exclusive(trial) || is_cpu_exclusive(cc)) && c != cur &&
            cpus_intersects(trial.cpus_allowed, cc.cpus_allowed))
            return -EINVAL;
        if ((is_mem_exclusive(trial) || is_mem_exclusive(cc)) && c != cur &&
            nodes_intersects(trial.mems_allowed, cc.mems_allowed))
            return -EINVAL;
    }
    return 0;
}

// guarantee_online_cpus(): the part of cs->cpus_allowed that is online,
// walking up to an ancestor with online CPUs. Call with callback_mutex held;
// the C reads cs->cpus_allowed again for cpus_and(), which cannot differ
// under callback_mutex, so the model reads it once per cpuset visited.
void guarantee_online_cpus(cpuset* cs, cpumask_t* pmask, const Label& l, cpumask_t cpu_online_map) {
    cpumask_t allowed = 0;
    while (cs && !cpus_intersects(allowed = cs->cpus_allowed.read(l), cpu_online_map)) cs = cs->parent;
    if (cs)
        *pmask = allowed & cpu_online_map;  // cpus_and(*pmask, cs->cpus_allowed, cpu_online_map);
    else
        *pmask = cpu_online_map;
}
}  // namespace

cpuset::cpuset(const std::string& name)
    : Object("cpuset"),
      flags(this, "flags", 0),
      cpus_allowed(this, "cpus_allowed", 0),
      mems_allowed(this, "mems_allowed", 0),
      count(this, "count", true, 0),
      dname(name),
      d_count(this, "d_count", true, 1),
      i_mutex(this, "i_mutex", "&inode->i_mutex") {
    d_count.folded = true;  // Dcache::dget() adds to it inside a walk's step
    set_name(name);
}

KernelCpuset2620::KernelCpuset2620(std::set<Fix> fixes)
    : Kernel(std::move(fixes)),
      top_cpuset("top_cpuset"),
      manage_mutex(&global_object(), "manage_mutex", "manage_mutex"),
      callback_mutex(&global_object(), "callback_mutex", "callback_mutex") {
    // static struct cpuset top_cpuset = { .flags = ((1 << CS_CPU_EXCLUSIVE) | (1 << CS_MEM_EXCLUSIVE)),
    //     .cpus_allowed = CPU_MASK_ALL, .mems_allowed = NODE_MASK_ALL, .count = ATOMIC_INIT(0), ... };
    top_cpuset.flags.init((1ul << CS_CPU_EXCLUSIVE) | (1ul << CS_MEM_EXCLUSIVE));
}

std::vector<const Label*> KernelCpuset2620::labels() const {
    std::vector<const Label*> v = common_labels();
    using namespace core::cpuset_2620::lbl;
    std::vector<const Label*> k{CONTSIM_CPUSET_2620_LABELS(CONTSIM_LIST_LABEL)};
    v.insert(v.end(), k.begin(), k.end());
    return v;
}

// cpuset_init(): init_task.cpuset = &top_cpuset, count stays 0; then
// cpuset_init_smp(): top_cpuset tracks cpu_online_map and node_online_map.
// cpuset_mems_generation is not modelled (see update_nodemask).
void KernelCpuset2620::boot() {
    task_struct* init = create_init_task();
    init->cpuset.init(&top_cpuset);
    top_cpuset.cpus_allowed.init(cpu_online_map());
    top_cpuset.mems_allowed.init(node_online_map());
}

// The cpuset fs is kern_mount()ed by cpuset_init() (get_sb_single); a user
// mount only makes it visible at another path. The model refuses subsystem
// options like the other kernels do (2.6.20's cpuset_get_sb ignores its data).
int KernelCpuset2620::mount(const MountArgs& a) { return tree_.mount(a); }

// sys_mkdirat() -> vfs_mkdir() -> cpuset_mkdir() -> cpuset_create().
int KernelCpuset2620::mkdir(const std::string& path) {
    return tree_.mkdir(
        path, [this](cpuset* parent, const std::string& name) { return cpuset_create(parent, name); },
        [this](cpuset* c) { dput(c); });
}

int KernelCpuset2620::rmdir(const std::string& path) {
    return tree_.rmdir(path, [this](cpuset* c) { return cpuset_rmdir(c); }, [this](cpuset* c) { dput(c); });
}

int KernelCpuset2620::attach(const std::string& dir, int pid) {
    cpuset* cs = tree_.path_lookup(dir);
    if (!cs) return -ENOENT;
    return write_file(cs, FILE_TASKLIST, std::to_string(pid));
}

// open(2) + write(2) + close(2) of a control file: the open file pins the
// directory's dentry, so a concurrent rmdir cannot free the cpuset under it.
int KernelCpuset2620::write_file(cpuset* cs, cpuset_filetype_t type, const std::string& value) {
    Dcache::dget(cs);
    int r = cpuset_common_file_write(cs, type, value);
    dput(cs);
    return r;
}

void KernelCpuset2620::dput(cpuset* cs) {
    if (Dcache::dput(cs)) kfree(cs, lbl::cpuset_diput::kfree_cpuset);
}

int KernelCpuset2620::write(const std::string& file, const std::string& value) {
    auto slash = file.find_last_of('/');
    cpuset* cs = tree_.path_lookup(file.substr(0, slash));
    if (!cs) return -ENOENT;
    std::string f = file.substr(slash + 1);
    if (f == "tasks") return write_file(cs, FILE_TASKLIST, value);
    if (f == "cpus") return write_file(cs, FILE_CPULIST, value);
    if (f == "mems") return write_file(cs, FILE_MEMLIST, value);
    if (f == "notify_on_release") return write_file(cs, FILE_NOTIFY_ON_RELEASE, value);
    return -ENOENT;
}

// Writes return nbytes in the kernel; the model reports 0 for success.
int KernelCpuset2620::cpuset_common_file_write(cpuset* cs, cpuset_filetype_t type, const std::string& buffer) {
    namespace yp = lbl::cpuset_common_file_write;
    Object* pathbuf = nullptr;
    int retval = 0;

    /* Crude upper limit on largest legitimate cpulist user might write. */
    if (buffer.size() > 100 + 6 * NR_CPUS) return -E2BIG;

    /* +1 for nul-terminator; copy_from_user() fills it: the text stays in `buffer` */
    Object* kbuf = kmalloc<write_buffer>(yp::kmalloc_buffer, GFP_KERNEL);

    mutex_lock(manage_mutex, yp::lock_manage_mutex);

    if (test_bit(CS_REMOVED, cs->flags.read(yp::test_removed))) {
        retval = -ENODEV;
    } else {
        switch (type) {
        case FILE_CPULIST:
            retval = update_cpumask(cs, buffer);
            break;
        case FILE_MEMLIST:
            retval = update_nodemask(cs, buffer);
            break;
        case FILE_NOTIFY_ON_RELEASE:
            retval = update_flag(CS_NOTIFY_ON_RELEASE, cs, buffer);
            break;
        case FILE_TASKLIST:
            retval = attach_task(cs, buffer, &pathbuf);
            break;
        }
    }

    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    cpuset_release_agent(pathbuf);
    kfree(kbuf, yp::kfree_buffer);
    return retval;
}

// 2.6.20 attach_task(): with the Sep 2006 PF_EXITING re-check under task_lock.
// Call holding manage_mutex. May take callback_mutex and task_lock of the task.
int KernelCpuset2620::attach_task(cpuset* cs, const std::string& pidbuf, Object** ppathbuf) {
    namespace yp = lbl::attach_task;
    int pid;
    task_struct* tsk;
    cpuset* oldcs;
    cpuset* oldcs_tobe_released = nullptr;
    cpumask_t cpus;
    nodemask_t from, to;

    if (std::sscanf(pidbuf.c_str(), "%d", &pid) != 1) return -EIO;
    if (cpus_empty(cs->cpus_allowed.read(yp::test_cpus_empty)) ||
        nodes_empty(cs->mems_allowed.read(yp::test_nodes_empty)))
        return -ENOSPC;

    if (pid) {
        read_lock(tasklist_lock, yp::read_lock_tasklist);
        tsk = find_task_by_pid(pid, yp::find_task_by_pid);
        if (!tsk || (tsk->flags.read(yp::test_pf_exiting) & PF_EXITING)) {
            read_unlock(tasklist_lock, yp::read_unlock_tasklist_esrch);
            return -ESRCH;
        }
        get_task_struct(tsk, yp::get_task_struct);
        read_unlock(tasklist_lock, yp::read_unlock_tasklist);

        task_struct* cur = current();
        if (cur->euid && cur->euid != tsk->uid && cur->euid != tsk->suid) {
            put_task_struct(tsk, yp::put_task_struct_eacces);
            return -EACCES;
        }
    } else {
        tsk = current();
        get_task_struct(tsk, yp::get_task_struct_current);
    }
    // retval = security_task_setscheduler(tsk, 0, NULL): no LSM in the model.

    mutex_lock(callback_mutex, yp::lock_callback_mutex);

    task_lock(tsk, yp::task_lock);
    oldcs = tsk->cpuset.read(yp::read_oldcs);
    // After getting 'oldcs' cpuset ptr, be sure still not exiting. If 'oldcs'
    // might be the top_cpuset due to the_top_cpuset_hack then fail this
    // attach_task(), to avoid breaking top_cpuset.count.
    // Fix attach-recheck-exiting is a no-op here: 2.6.20 already has this test.
    if (tsk->flags.read(yp::recheck_pf_exiting) & PF_EXITING) {
        task_unlock(tsk, yp::task_unlock_esrch);
        mutex_unlock(callback_mutex, yp::unlock_callback_mutex_esrch);
        put_task_struct(tsk, yp::put_task_struct_esrch);
        return -ESRCH;
    }
    atomic_inc(cs->count, yp::inc_count);
    rcu_assign_pointer(tsk->cpuset, cs, yp::assign_cpuset);
    if (has_fix(Fix::release_under_task_lock)) {
        // Paul Jackson, message #11478: drop the old count where the pointer changes.
        if (atomic_dec_and_test(oldcs->count, yp::dec_old_count_locked)) oldcs_tobe_released = oldcs;
    }
    task_unlock(tsk, yp::task_unlock);

    guarantee_online_cpus(cs, &cpus, yp::guarantee_online_cpus, cpu_online_map());
    // set_cpus_allowed(tsk, cpus): scheduler state, not modelled.

    from = oldcs->mems_allowed.read(yp::read_from_mems);
    to = cs->mems_allowed.read(yp::read_to_mems);

    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    // mm = get_task_mm(tsk); if (mm) { mpol_rebind_mm(mm, &to); if (is_memory_migrate(cs))
    // cpuset_migrate_mm(mm, &from, &to); mmput(mm); }: the model has no mm_struct and
    // memory policy, so this block is nothing (it touches no cpuset field but cs->flags,
    // which manage_mutex keeps stable).
    (void)cpus;
    (void)from;
    (void)to;

    put_task_struct(tsk, yp::put_task_struct);
    synchronize_rcu(yp::synchronize_rcu);
    if (has_fix(Fix::release_under_task_lock)) {
        if (oldcs_tobe_released) check_for_release(oldcs_tobe_released, ppathbuf);
    } else if (atomic_dec_and_test(oldcs->count, yp::dec_and_test_old_count)) {
        check_for_release(oldcs, ppathbuf);
    }
    return 0;
}

// Call with manage_mutex held. May take callback_mutex during call.
int KernelCpuset2620::update_cpumask(cpuset* cs, const std::string& buf) {
    namespace yp = lbl::update_cpumask;
    trial_cpuset trialcs;
    int retval;
    bool cpus_unchanged;

    /* top_cpuset.cpus_allowed tracks cpu_online_map; it's read-only */
    if (cs == &top_cpuset) return -EACCES;

    trialcs = trial_of(cs);
    retval = cpulist_parse(buf, &trialcs.cpus_allowed);
    if (retval < 0) return retval;
    trialcs.cpus_allowed &= cpu_online_map();  // cpus_and(trialcs.cpus_allowed, trialcs.cpus_allowed, cpu_online_map);
    if (cpus_empty(trialcs.cpus_allowed)) return -ENOSPC;
    retval = validate_change(cs, trialcs);
    if (retval < 0) return retval;
    cpus_unchanged = cs->cpus_allowed.peek() == trialcs.cpus_allowed;
    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    cs->cpus_allowed.write(trialcs.cpus_allowed, yp::write_cpus_allowed);
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    if (test_bit(CS_CPU_EXCLUSIVE, cs->flags.peek()) && !cpus_unchanged) {
        // update_cpu_domains(cs): sched domains, not modelled. Unreachable in the
        // model: only top_cpuset is cpu_exclusive, and its cpus are read-only.
    }
    return 0;
}

// Handle user request to change the 'mems' of a cpuset. Call with
// manage_mutex held. May take callback_mutex during call. Will take
// tasklist_lock and scan the tasklist for tasks in cpuset cs.
int KernelCpuset2620::update_nodemask(cpuset* cs, const std::string& buf) {
    namespace yp = lbl::update_nodemask;
    trial_cpuset trialcs;
    nodemask_t oldmem;
    Object* mmarray;
    int ntasks;
    int fudge;
    int retval;

    /* top_cpuset.mems_allowed tracks node_online_map; it's read-only */
    if (cs == &top_cpuset) return -EACCES;

    trialcs = trial_of(cs);
    retval = nodelist_parse(buf, &trialcs.mems_allowed, max_numnodes());
    if (retval < 0) return retval;
    trialcs.mems_allowed &= node_online_map();  // nodes_and(...)
    oldmem = cs->mems_allowed.peek();
    if (oldmem == trialcs.mems_allowed) return 0; /* Too easy - nothing to do */
    if (nodes_empty(trialcs.mems_allowed)) return -ENOSPC;
    retval = validate_change(cs, trialcs);
    if (retval < 0) return retval;

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    cs->mems_allowed.write(trialcs.mems_allowed, yp::write_mems_allowed);
    // cs->mems_generation = cpuset_mems_generation++: only
    // cpuset_update_task_memory_state() reads it, which is not modelled.
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    // set_cpuset_being_rebound(cs): read only by mpol_copy(), not modelled.

    fudge = 10;                                  /* spare mmarray[] slots */
    fudge += cpus_weight(cs->cpus_allowed.peek()); /* imagine one fork-bomb/cpu */

    // Allocate mmarray[] to hold mm reference for each task in cpuset cs.
    // Can't kmalloc GFP_KERNEL while holding tasklist_lock: retry until big enough.
    while (true) {
        ntasks = atomic_read(cs->count, yp::read_count_guess); /* guess */
        ntasks += fudge;
        mmarray = kmalloc<mm_array>(yp::kmalloc_mmarray, GFP_KERNEL);
        write_lock(tasklist_lock, yp::write_lock_tasklist); /* block fork */
        if (atomic_read(cs->count, yp::read_count) <= ntasks) break; /* got enough */
        write_unlock(tasklist_lock, yp::write_unlock_tasklist_retry); /* try again */
        kfree(mmarray, yp::kfree_mmarray_retry);
    }

    // Load up mmarray[] with mm reference for each task in cpuset: do_each_thread()
    // walks the tasks that copy_process() linked and release_task() has not
    // unlinked. By index: a fork may append to tasks_ while this CPU is parked.
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
        task_struct* p = tasks_[i];
        if (!p->hashed) continue;
        if (p->cpuset.read(yp::read_task_cpuset) != cs) continue;
        // mm = get_task_mm(p); mmarray[n++] = mm: the model has no mm_struct, so
        // mmarray[] stays empty and the mpol_rebind_mm()/cpuset_migrate_mm() loop
        // below has nothing to do.
    }
    write_unlock(tasklist_lock, yp::write_unlock_tasklist);

    /* We're done rebinding vma's to this cpusets new mems_allowed. */
    kfree(mmarray, yp::kfree_mmarray);
    // set_cpuset_being_rebound(NULL);
    (void)oldmem;
    return 0;
}

// update_flag - read a 0 or a 1 in a file and update associated flag.
// Call with manage_mutex held.
int KernelCpuset2620::update_flag(cpuset_flagbits_t bit, cpuset* cs, const std::string& buf) {
    namespace yp = lbl::update_flag;
    bool turning_on;
    trial_cpuset trialcs;
    int err;
    bool cpu_exclusive_changed;

    turning_on = std::strtoul(buf.c_str(), nullptr, 10) != 0;

    trialcs = trial_of(cs);
    if (turning_on)
        set_bit(bit, &trialcs.flags);
    else
        clear_bit(bit, &trialcs.flags);

    err = validate_change(cs, trialcs);
    if (err < 0) return err;
    cpu_exclusive_changed = test_bit(CS_CPU_EXCLUSIVE, cs->flags.peek()) != is_cpu_exclusive(trialcs);
    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    cs->flags.write(trialcs.flags, yp::write_flags);
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    if (cpu_exclusive_changed) {
        // update_cpu_domains(cs): sched domains, not modelled.
    }
    return 0;
}

// Either cs->count of using tasks transitioned to zero, or the cs->children
// list of child cpusets just became empty. Call here with manage_mutex held.
void KernelCpuset2620::check_for_release(cpuset* cs, Object** ppathbuf) {
    namespace yp = lbl::check_for_release;
    if (test_bit(CS_NOTIFY_ON_RELEASE, cs->flags.read(yp::test_notify_on_release)) &&
        atomic_read(cs->count, yp::read_count) == 0 && cs->children.empty()) {
        Object* buf = kmalloc<pathbuf>(yp::kmalloc_pathbuf, GFP_KERNEL, tree_.path_of(cs));
        // cpuset_path(cs, buf, PAGE_SIZE) < 0 (-ENAMETOOLONG) cannot happen with the model's names.
        *ppathbuf = buf;
    }
}

void KernelCpuset2620::cpuset_release_agent(Object* pb) {
    if (!pb) return;
    kfree(pb, lbl::cpuset_release_agent::kfree_pathbuf);
}

// cpuset_fork - attach newly forked task to its parents cpuset.
void KernelCpuset2620::cpuset_fork(task_struct* child) {
    namespace yp = lbl::cpuset_fork;
    task_struct* cur = current();
    task_lock(cur, yp::task_lock);
    cpuset* cs = cur->cpuset.read(yp::read_parent_cpuset);
    child->cpuset.write(cs, yp::write_child_cpuset);
    atomic_inc(cs->count, yp::inc_count);
    task_unlock(cur, yp::task_unlock);
}

// cpuset_exit - detach cpuset from exiting task. 2.6.20 reads and swaps
// tsk->cpuset without task_lock ("tsk is already marked PF_EXITING, so
// attach_task() won't mess with it"); fix exit-task-lock adds the lock.
void KernelCpuset2620::cpuset_exit(task_struct* tsk) {
    namespace yp = lbl::cpuset_exit;
    cpuset* cs;
    bool locked = has_fix(Fix::exit_task_lock);

    if (locked) task_lock(tsk, yp::task_lock);
    cs = tsk->cpuset.read(yp::read_cpuset);
    tsk->cpuset.write(&top_cpuset, yp::write_top_cpuset); /* the_top_cpuset_hack - see above */
    if (locked) task_unlock(tsk, yp::task_unlock);

    if (test_bit(CS_NOTIFY_ON_RELEASE, cs->flags.read(yp::test_notify_on_release))) {
        Object* pathbuf = nullptr;

        mutex_lock(manage_mutex, yp::lock_manage_mutex);
        if (atomic_dec_and_test(cs->count, yp::dec_and_test_count)) check_for_release(cs, &pathbuf);
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
        cpuset_release_agent(pathbuf);
    } else {
        atomic_dec(cs->count, yp::dec_count);
    }
}

// cpuset_create - create a cpuset. Must be called with the mutex on the
// parent inode held (not modelled).
int KernelCpuset2620::cpuset_create(cpuset* parent, const std::string& name) {
    namespace yp = lbl::cpuset_create;
    auto* cs = kmalloc<cpuset>(yp::kmalloc_cpuset, GFP_KERNEL, name);

    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    // cpuset_update_task_memory_state(): mems_generation is not modelled.
    // Fields of the unpublished cpuset are initialised without steps; the three
    // tests of parent->flags are one read.
    unsigned long flags = 0;
    unsigned long parent_flags = parent->flags.read(yp::test_parent_notify);
    if (test_bit(CS_NOTIFY_ON_RELEASE, parent_flags)) set_bit(CS_NOTIFY_ON_RELEASE, &flags);
    if (test_bit(CS_SPREAD_PAGE, parent_flags)) set_bit(CS_SPREAD_PAGE, &flags);
    if (test_bit(CS_SPREAD_SLAB, parent_flags)) set_bit(CS_SPREAD_SLAB, &flags);
    cs->flags.init(flags);
    cs->cpus_allowed.init(CPU_MASK_NONE);
    cs->mems_allowed.init(NODE_MASK_NONE);
    // atomic_set(&cs->count, 0): the constructor's 0. fmeter_init(): not modelled.

    cs->parent = parent;

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    cs->parent->children.push_back(cs);  // list_add(&cs->sibling, &cs->parent->children);
    number_of_cpusets++;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    // cpuset_create_dir() cannot fail in the model: no dentry or inode allocation.
    dcache.d_instantiate(parent, cs, yp::create_dir);

    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);

    // cpuset_populate_dir(cs->dentry): the control files are not modelled.
    return 0;
}

// cpuset_rmdir(): the vfs holds both inode->i_mutex already (not modelled).
int KernelCpuset2620::cpuset_rmdir(cpuset* cs) {
    namespace yp = lbl::cpuset_rmdir;
    cpuset* parent;
    Object* pathbuf = nullptr;

    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    // cpuset_update_task_memory_state(): not modelled.
    if (atomic_read(cs->count, yp::read_count) > 0) {
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex_ebusy);
        return -EBUSY;
    }
    if (!cs->children.empty()) {
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex_ebusy_children);
        return -EBUSY;
    }
    if (test_bit(CS_CPU_EXCLUSIVE, cs->flags.read(yp::test_cpu_exclusive))) {
        int retval = update_flag(CS_CPU_EXCLUSIVE, cs, "0");
        if (retval < 0) {
            mutex_unlock(manage_mutex, yp::unlock_manage_mutex_err);
            return retval;
        }
    }
    parent = cs->parent;
    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    cs->flags.write(cs->flags.peek() | (1ul << CS_REMOVED), yp::set_removed);
    /* delete my sibling from parent->children */
    parent->children.erase(std::find(parent->children.begin(), parent->children.end(), cs));
    // d = dget(cs->dentry); cs->dentry = NULL; cpuset_d_remove_dir(d); dput(d):
    // the last dentry reference goes and cpuset_diput() frees the cpuset.
    dcache.d_remove_dir(parent, cs, yp::d_remove_dir);
    dput(cs);
    number_of_cpusets--;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    if (parent->children.empty()) check_for_release(parent, &pathbuf);
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    cpuset_release_agent(pathbuf);
    return 0;
}

std::vector<NodeState> KernelCpuset2620::nodes() const { return tree_.nodes(tasks_); }

void KernelCpuset2620::check_invariants(std::vector<Finding>& out) const { tree_.check_invariants(tasks_, out); }

void KernelCpuset2620::reachable(std::set<const Object*>& out) const { tree_.reachable(tasks_, out); }

}  // namespace core::cpuset_2620
