#include "subsys/cpuset.h"

#include <bitset>
#include <cctype>
#include <cerrno>

#include "sim/kernel/rwlock.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/spinlock.h"

namespace subsys {

using namespace sim;
using core::v7::container_subsys;
using core::v7::KernelV7;

namespace {
constexpr cpumask_t CPU_MASK_NONE = 0;
constexpr nodemask_t NODE_MASK_NONE = 0;

// cpuset_common_file_write()'s kmalloc(nbytes + 1) copy of the user buffer.
struct write_buffer : Object {
    write_buffer() : Object("buffer") { set_name("buffer"); }
};
// update_nodemask()'s array of mm_struct references.
struct mm_array : Object {
    mm_array() : Object("mmarray") { set_name("mmarray"); }
};

int cpus_weight(cpumask_t m) { return static_cast<int>(std::bitset<sizeof(cpumask_t) * 8>(m).count()); }
}  // namespace

cpuset::cpuset(const std::string& name)
    : Object("cpuset"),
      css(this),
      flags(this, "flags", 0),
      cpus_allowed(this, "cpus_allowed", CPU_MASK_NONE),
      mems_allowed(this, "mems_allowed", NODE_MASK_NONE),
      mems_generation(this, "mems_generation", 0) {
    set_name(name);
    css.set_name(name);  // &cs->css prints as the cpuset
}

cpuset_subsys_t::cpuset_subsys_t(KernelV7& k)
    : container_subsys(k, "cpuset",
                       HOOK_CAN_ATTACH | HOOK_ATTACH | HOOK_POST_ATTACH | HOOK_POPULATE),  // no fork/exit/bind
      top_cpuset("top_cpuset"),
      cpuset_being_rebound(&global_object(), "cpuset_being_rebound", nullptr) {
    // cpuset_init() sets CPU_MASK_ALL/NODE_MASK_ALL and cpuset_init_smp()
    // narrows them to the online maps, both before any task but init runs.
    top_cpuset.cpus_allowed.init(cpu_online_map);
    top_cpuset.mems_allowed.init(node_online_map);
    cft_cpus.name = "cpus";
    cft_cpus.private_ = FILE_CPULIST;
    cft_cpus.write = [this](container* c, const cftype* cft, const std::string& b) {
        return cpuset_common_file_write(c, cft, b);
    };
    cft_mems.name = "mems";
    cft_mems.private_ = FILE_MEMLIST;
    cft_mems.write = cft_cpus.write;
}

std::vector<const Label*> cpuset_subsys_t::labels() const {
    using namespace subsys::lbl;
    return {CONTSIM_V7_CPUSET_LABELS(CONTSIM_LIST_LABEL)};
}

/* Update the cpuset for a container */
// With no label the container is not visible yet and is written without a step.
void cpuset_subsys_t::set_container_cs(container* cont, cpuset* cs, const Label* l) {
    if (l)
        cont->subsys[subsys_id].write(&cs->css, *l);
    else
        cont->subsys[subsys_id].init(&cs->css);
}

/* Retrieve the cpuset for a container */
cpuset* cpuset_subsys_t::container_cs(container* cont, const Label& l) {
    container_subsys_state* css = cont->subsys[subsys_id].read(l);
    return css ? static_cast<cpuset*>(css->object) : nullptr;  // container_of(css, struct cpuset, css)
}

/* Retrieve the cpuset for a task */
cpuset* cpuset_subsys_t::task_cs(task_struct* task, const Label& l) {
    return container_cs(kernel.task_container(task, this), l);
}

// --- container_subsys hooks --------------------------------------------------

int cpuset_subsys_t::create(container* cont) {
    namespace yp = lbl::cpuset_create;
    cpuset* cs;
    cpuset* parent;

    if (!cont->parent) {
        /* This is early initialization for the top container */
        set_container_cs(cont, &top_cpuset, &yp::write_cont_subsys_top);
        top_cpuset.css.container.write(cont, yp::write_css_container_top);
        top_cpuset.mems_generation.write(cpuset_mems_generation++, yp::write_mems_generation_top);
        return 0;
    }
    parent = container_cs(cont->parent, yp::read_parent_css);
    cs = kmalloc<cpuset>(yp::kmalloc_cpuset, GFP_KERNEL, "cpuset(" + cont->dname + ")");
    if (!cs) return -ENOMEM;

    // cpuset_update_task_memory_state(): current's mems_allowed is not modelled.
    // cs is not visible to any other CPU yet: initialised without steps. The
    // spread flags it would copy from the parent are never set in the model.
    cs->flags.init(0);
    cs->cpus_allowed.init(CPU_MASK_NONE);
    cs->mems_allowed.init(NODE_MASK_NONE);
    cs->mems_generation.init(cpuset_mems_generation++);
    // fmeter_init(&cs->fmeter): the memory-pressure meter is not modelled.
    cs->parent = parent;
    set_container_cs(cont, cs, nullptr);
    cs->css.container.init(cont);
    number_of_cpusets++;
    return 0;
}

void cpuset_subsys_t::destroy(container* cont) {
    namespace yp = lbl::cpuset_destroy;
    cpuset* cs = container_cs(cont, yp::read_css);
    // cpuset_update_task_memory_state(): not modelled. is_cpu_exclusive(cs)
    // is never true (no cpu_exclusive file), so update_flag() is not called.
    number_of_cpusets--;
    kfree(cs, yp::kfree_cpuset);
}

int cpuset_subsys_t::can_attach(container* cont, task_struct* /*tsk*/) {
    namespace yp = lbl::cpuset_can_attach;
    cpuset* cs = container_cs(cont, yp::read_css);
    if (!cs->cpus_allowed.read(yp::read_cpus_allowed) || !cs->mems_allowed.read(yp::read_mems_allowed))
        return -ENOSPC;
    return 0;  // security_task_setscheduler(tsk, 0, NULL): no LSM in the model
}

void cpuset_subsys_t::attach(container* cont, container* /*old_cont*/, task_struct* tsk) {
    cpumask_t cpus;
    guarantee_online_cpus(container_cs(cont, lbl::cpuset_attach::read_css), &cpus);
    set_cpus_allowed(tsk, cpus);
}

void cpuset_subsys_t::post_attach(container* cont, container* oldcont, task_struct* tsk) {
    namespace yp = lbl::cpuset_post_attach;
    cpuset* cs = container_cs(cont, yp::read_css);
    cpuset* oldcs = container_cs(oldcont, yp::read_old_css);
    nodemask_t from = oldcs->mems_allowed.read(yp::read_old_mems_allowed);
    nodemask_t to = cs->mems_allowed.read(yp::read_mems_allowed);
    if (get_task_mm(tsk)) {
        // mpol_rebind_mm(mm, &to); if (is_memory_migrate(cs)) cpuset_migrate_mm(mm, &from, &to); mmput(mm);
    }
    (void)from;
    (void)to;
}

int cpuset_subsys_t::populate(container* cont) {
    int err;
    // Only cpus and mems are modelled; cpu_exclusive, mem_exclusive,
    // memory_migrate, memory_pressure, the spread files and (top only)
    // memory_pressure_enabled are left out.
    if ((err = kernel.container_add_file(cont, &cft_cpus)) < 0) return err;
    if ((err = kernel.container_add_file(cont, &cft_mems)) < 0) return err;
    return 0;
}

// --- helpers from cpuset.c, sched.c and fork.c ------------------------------

// Return in *pmask the online CPUs of the nearest ancestor that has any.
void cpuset_subsys_t::guarantee_online_cpus(cpuset* cs, cpumask_t* pmask) {
    namespace yp = lbl::guarantee_online_cpus;
    while (cs && !(cs->cpus_allowed.read(yp::read_cpus_allowed) & cpu_online_map)) cs = cs->parent;
    if (cs)
        *pmask = cs->cpus_allowed.read(yp::read_cpus_allowed) & cpu_online_map;  // cpus_and()
    else
        *pmask = cpu_online_map;
}

// kernel/sched.c, reduced to the store (task_rq_lock and the migration of a
// running task are not modelled).
void cpuset_subsys_t::set_cpus_allowed(task_struct* p, cpumask_t new_mask) {
    if (!(new_mask & cpu_online_map)) return;  // -EINVAL
    auto& cell = task_cpus_allowed_[p];
    if (!cell) cell = std::make_unique<Shared<cpumask_t>>(p, "cpus_allowed", cpu_online_map);
    cell->write(new_mask, lbl::set_cpus_allowed::write_cpus_allowed);
}

// kernel/fork.c get_task_mm(): takes task_lock to read tsk->mm. There is no
// mm_struct in the model, so it finds none (as after exit_mm()).
bool cpuset_subsys_t::get_task_mm(task_struct* task) {
    task_lock(task, lbl::get_task_mm::task_lock);
    task_unlock(task, lbl::get_task_mm::task_unlock);
    return false;
}

// Would replacing cur's masks by the trial ones keep the structural rules?
// Presumes manage_mutex held.
int cpuset_subsys_t::validate_change(cpuset* cur, cpumask_t trial_cpus, nodemask_t trial_mems) {
    namespace yp = lbl::validate_change;
    cpuset* par;

    /* Each of our child cpusets must be a subset of us */
    container* cur_cont = cur->css.container.read(yp::read_css_container);
    for (container* cont : cur_cont->children) {
        cpuset* c = container_cs(cont, yp::read_child_css);
        cpumask_t ccpus = c->cpus_allowed.read(yp::read_child_masks);
        nodemask_t cmems = c->mems_allowed.read(yp::read_child_masks);
        if ((ccpus & ~trial_cpus) || (cmems & ~trial_mems)) return -EBUSY;  // !is_cpuset_subset(c, trial)
    }

    /* Remaining checks don't apply to root cpuset */
    if ((par = cur->parent) == nullptr) return 0;

    /* We must be a subset of our parent cpuset */
    cpumask_t pcpus = par->cpus_allowed.read(yp::read_parent_masks);
    nodemask_t pmems = par->mems_allowed.read(yp::read_parent_masks);
    if ((trial_cpus & ~pcpus) || (trial_mems & ~pmems)) return -EACCES;

    // If either I or some sibling (!= me) is exclusive, we can't overlap: no
    // cpuset is ever exclusive in the model, so the sibling loop cannot fail.
    return 0;
}

// --- the cpus and mems files ----------------------------------------------

// Writes return nbytes in the kernel; the model reports 0 for success.
int cpuset_subsys_t::cpuset_common_file_write(container* cont, const cftype* cft, const std::string& buf) {
    namespace yp = lbl::cpuset_common_file_write;
    cpuset* cs = container_cs(cont, yp::read_css);  // before manage_mutex, as posted
    int retval = 0;

    // Crude upper limit on largest legitimate cpulist user might write: the
    // model's values are short, so no -E2BIG.
    Object* buffer = kmalloc<write_buffer>(yp::kmalloc_buffer, GFP_KERNEL);
    kernel.container_manage_lock(yp::lock_manage_mutex);
    if (kernel.container_is_removed(cont, yp::test_removed)) {
        retval = -ENODEV;
    } else {
        switch (cft->private_) {
        case FILE_CPULIST: retval = update_cpumask(cs, buf); break;
        case FILE_MEMLIST: retval = update_nodemask(cs, buf); break;
        default: retval = -EINVAL; break;
        }
    }
    kernel.container_manage_unlock(yp::unlock_manage_mutex);
    kfree(buffer, yp::kfree_buffer);
    return retval;
}

// Call with manage_mutex held. May take callback_mutex during call.
int cpuset_subsys_t::update_cpumask(cpuset* cs, const std::string& buf) {
    namespace yp = lbl::update_cpumask;
    int retval;

    /* top_cpuset.cpus_allowed tracks cpu_online_map; it's read-only */
    if (cs == &top_cpuset) return -EACCES;

    // trialcs = *cs: the fields validate_change() looks at.
    cpumask_t trial_cpus = cs->cpus_allowed.read(yp::copy_trialcs);
    nodemask_t trial_mems = cs->mems_allowed.read(yp::copy_trialcs);
    retval = bitmap_parselist(buf, &trial_cpus, NR_CPUS);  // cpulist_parse()
    if (retval < 0) return retval;
    trial_cpus &= cpu_online_map;
    if (!trial_cpus) return -ENOSPC;
    retval = validate_change(cs, trial_cpus, trial_mems);
    if (retval < 0) return retval;
    bool cpus_unchanged = cs->cpus_allowed.read(yp::read_cpus_allowed) == trial_cpus;
    kernel.container_lock(yp::lock_callback_mutex);
    cs->cpus_allowed.write(trial_cpus, yp::write_cpus_allowed);
    kernel.container_unlock(yp::unlock_callback_mutex);
    // is_cpu_exclusive(cs) is never true in the model: no update_cpu_domains().
    (void)cpus_unchanged;
    return 0;
}

// Call with manage_mutex held. May take callback_mutex during call. Takes
// tasklist_lock to scan the task list for tasks in cs.
int cpuset_subsys_t::update_nodemask(cpuset* cs, const std::string& buf) {
    namespace yp = lbl::update_nodemask;
    int retval;

    /* top_cpuset.mems_allowed tracks node_online_map; it's read-only */
    if (cs == &top_cpuset) return -EACCES;

    cpumask_t trial_cpus = cs->cpus_allowed.read(yp::copy_trialcs);  // trialcs = *cs
    nodemask_t trial_mems = cs->mems_allowed.read(yp::copy_trialcs);
    container* cont = cs->css.container.read(yp::read_css_container);  // unused since 3/7's task_cs() test
    (void)cont;
    retval = bitmap_parselist(buf, &trial_mems, MAX_NUMNODES);  // nodelist_parse()
    if (retval < 0) return retval;
    trial_mems &= node_online_map;
    nodemask_t oldmem = cs->mems_allowed.read(yp::read_oldmem);
    if (oldmem == trial_mems) return 0;  // Too easy - nothing to do
    if (!trial_mems) return -ENOSPC;
    retval = validate_change(cs, trial_cpus, trial_mems);
    if (retval < 0) return retval;

    kernel.container_lock(yp::lock_callback_mutex);
    cs->mems_allowed.write(trial_mems, yp::write_mems_allowed);
    cs->mems_generation.write(cpuset_mems_generation++, yp::write_mems_generation);
    kernel.container_unlock(yp::unlock_callback_mutex);

    cpuset_being_rebound.write(cs, yp::set_being_rebound);  // causes mpol_copy() rebind

    int fudge = 10;                                                   /* spare mmarray[] slots */
    fudge += cpus_weight(cs->cpus_allowed.read(yp::read_cpus_weight)); /* imagine one fork-bomb/cpu */
    retval = -ENOMEM;

    // Allocate mmarray[] for each task in cs; retry until it is big enough
    // with tasklist_lock held (no GFP_ATOMIC).
    int ntasks;
    Object* mmarray;
    while (true) {
        ntasks = kernel.container_task_count(cs->css.container.read(yp::read_css_container_count)); /* guess */
        ntasks += fudge;
        mmarray = kmalloc<mm_array>(yp::kmalloc_mmarray, GFP_KERNEL);
        if (!mmarray) return retval;
        write_lock(kernel.tasklist(), yp::write_lock_tasklist); /* block fork */
        if (kernel.container_task_count(cs->css.container.read(yp::read_css_container_count)) <= ntasks)
            break; /* got enough */
        write_unlock(kernel.tasklist(), yp::write_unlock_tasklist_retry); /* try again */
        kfree(mmarray, yp::kfree_mmarray_retry);
    }

    int n = 0;
    /* Load up mmarray[] with mm reference for each task in cpuset. */
    // do_each_thread(g, p): the tasks on the task list (hashed). task_cs(p)
    // follows p->containers without task_lock or rcu_read_lock.
    const auto& tasks = kernel.all_tasks();
    for (std::size_t k = 0; k < tasks.size(); ++k) {
        task_struct* p = tasks[k];
        if (!p->hashed) continue;
        if (n >= ntasks) continue;  // printk(KERN_WARNING "Cpuset mempolicy rebind incomplete.\n")
        if (task_cs(p, yp::read_task_css) != cs) continue;
        if (!get_task_mm(p)) continue;
        n++;  // mmarray[n++] = mm
    }
    write_unlock(kernel.tasklist(), yp::write_unlock_tasklist);

    // mpol_rebind_mm()/cpuset_migrate_mm()/mmput() for each mm: no mm_struct
    // in the model (and memory_migrate is never set).
    kfree(mmarray, yp::kfree_mmarray);
    cpuset_being_rebound.write(nullptr, yp::clear_being_rebound);
    retval = 0;
    return retval;
}

// lib/bitmap.c bitmap_parselist() (2.6.20): ranges "a" or "a-b" separated by
// commas, ending at NUL or newline. An empty list is -EINVAL.
int bitmap_parselist(const std::string& buf, unsigned long* maskp, int nmaskbits) {
    const char* bp = buf.c_str();
    unsigned long mask = 0;
    do {
        if (!std::isdigit(static_cast<unsigned char>(*bp))) return -EINVAL;
        char* end;
        unsigned long a = std::strtoul(bp, &end, 10), b = a;
        bp = end;
        if (*bp == '-') {
            bp++;
            if (!std::isdigit(static_cast<unsigned char>(*bp))) return -EINVAL;
            b = std::strtoul(bp, &end, 10);
            bp = end;
        }
        if (!(a <= b)) return -EINVAL;
        if (b >= static_cast<unsigned long>(nmaskbits)) return -ERANGE;
        for (; a <= b; a++) mask |= 1ul << a;
        if (*bp == ',') bp++;
    } while (*bp != '\0' && *bp != '\n');
    *maskp = mask;
    return 0;
}

}  // namespace subsys
