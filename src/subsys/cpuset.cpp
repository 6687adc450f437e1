#include "subsys/cpuset.h"

#include <bitset>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "sim/kernel/rcu.h"
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
    // cpuset_init() sets CPU_MASK_ALL/NODE_MASK_ALL; cpuset_init_smp()
    // (at boot, the machine's shape known) narrows them to the online maps.
    cft_cpus.name = "cpus";
    cft_cpus.private_ = FILE_CPULIST;
    cft_cpus.write = [this](container* c, const cftype* cft, const std::string& b) {
        return cpuset_common_file_write(c, cft, b);
    };
    cft_mems.name = "mems";
    cft_mems.private_ = FILE_MEMLIST;
    cft_mems.write = cft_cpus.write;
    cft_memory_migrate.name = "memory_migrate";
    cft_memory_migrate.private_ = FILE_MEMORY_MIGRATE;
    cft_memory_migrate.write = cft_cpus.write;
    auto read = [this](container* c, const cftype* cft, std::string& out) {
        return cpuset_common_file_read(c, cft, out);
    };
    cft_cpus.read = cft_mems.read = cft_memory_migrate.read = read;
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

    cpuset_update_task_memory_state();
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
    cpuset_update_task_memory_state();
    // is_cpu_exclusive(cs) is never true (no cpu_exclusive file), so
    // update_flag(CS_CPU_EXCLUSIVE, cs, "0") is not called.
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
    core::mm_struct* mm = core::get_task_mm(tsk);
    if (mm) {
        core::mpol_rebind_mm(mm);  // &to: no mempolicies in the model
        if (cs->flags.read(yp::read_flags) & (1ul << CS_MEMORY_MIGRATE)) cpuset_migrate_mm(mm, from, to);
        core::mmput(mm);
    }
}

int cpuset_subsys_t::populate(container* cont) {
    int err;
    // cpu_exclusive, mem_exclusive, notify_on_release (the container's
    // own now), memory_pressure, the spread files and (top only)
    // memory_pressure_enabled are left out.
    if ((err = kernel.container_add_file(cont, &cft_cpus)) < 0) return err;
    if ((err = kernel.container_add_file(cont, &cft_mems)) < 0) return err;
    if ((err = kernel.container_add_file(cont, &cft_memory_migrate)) < 0) return err;
    return 0;
}

// --- helpers from cpuset.c, sched.c and fork.c ------------------------------

// Return in *pmask the online CPUs of the nearest ancestor that has any.
void cpuset_subsys_t::guarantee_online_cpus(cpuset* cs, cpumask_t* pmask) {
    namespace yp = lbl::guarantee_online_cpus;
    while (cs && !(cs->cpus_allowed.read(yp::read_cpus_allowed) & kernel.read_cpu_online_map(yp::read_cpus_allowed)))
        cs = cs->parent;
    if (cs)
        *pmask = cs->cpus_allowed.read(yp::read_cpus_allowed) & kernel.read_cpu_online_map(yp::read_cpus_allowed);  // cpus_and()
    else
        *pmask = kernel.read_cpu_online_map(yp::read_cpus_allowed);
}

void cpuset_subsys_t::cpuset_init_smp() {
    top_cpuset.cpus_allowed.init(kernel.cpu_online_map());
    top_cpuset.mems_allowed.init(kernel.node_online_map());
}

// 2/7 (kernel/cpuset.c over containers): after any CPU or memory node
// hotplug event, the top cpuset tracks what is online; each descendant keeps
// only online cpus and nodes (or its nearest ancestor's), children first.
void cpuset_subsys_t::common_cpu_mem_hotplug_unplug() {
    namespace yp = lbl::common_cpu_mem_hotplug_unplug;
    kernel.container_manage_lock(yp::lock_manage_mutex);
    kernel.container_lock(yp::lock_callback_mutex);
    guarantee_online_cpus_mems_in_subtree(top_cpuset.css.container.peek());
    top_cpuset.cpus_allowed.write(kernel.read_cpu_online_map(yp::write_top_cpus), yp::write_top_cpus);
    top_cpuset.mems_allowed.write(kernel.read_node_online_map(yp::write_top_mems), yp::write_top_mems);
    kernel.container_unlock(yp::unlock_callback_mutex);
    kernel.container_manage_unlock(yp::unlock_manage_mutex);
}

void cpuset_subsys_t::guarantee_online_cpus_mems_in_subtree(container* cur) {
    namespace yp = lbl::guarantee_online_cpus_mems_in_subtree;
    if (!cur) return;
    /* Each of our child cpusets mems must be online */
    for (container* cont : cur->children) {  // list_for_each_entry(cont, &cur->container->children, sibling)
        cpuset* c = container_cs(cont, yp::read_child_css);
        guarantee_online_cpus_mems_in_subtree(cont);
        if (c->cpus_allowed.read(yp::read_cpus_allowed)) {
            cpumask_t m = 0;
            guarantee_online_cpus(c, &m);
            c->cpus_allowed.write(m, yp::write_cpus_allowed);
        }
        if (c->mems_allowed.read(yp::read_mems_allowed)) {
            nodemask_t m = 0;
            guarantee_online_mems(c, &m);
            c->mems_allowed.write(m, yp::write_mems_allowed);
        }
    }
}

void cpuset_subsys_t::move_task_off_dead_cpu(task_struct* p) {
    namespace yp = lbl::move_task_off_dead_cpu;
    auto it = task_cpus_allowed_.find(p);
    if (it == task_cpus_allowed_.end()) return;  // never narrowed: CPU_MASK_ALL
    Shared<cpumask_t>& mask = *it->second;
    if (mask.read(yp::read_cpus_allowed) & kernel.read_cpu_online_map(yp::read_cpus_allowed)) return;
    mask.write((1ul << NR_CPUS) - 1, yp::cpus_setall);
}

// kernel/sched.c, reduced to the store (task_rq_lock and the migration of a
// running task are not modelled).
// The check and the store are one step: task_rq_lock() disables interrupts,
// so stop_machine()'s take_cpu_down() cannot clear a cpu between them.
void cpuset_subsys_t::set_cpus_allowed(task_struct* p, cpumask_t new_mask) {
    const Label& l = lbl::set_cpus_allowed::write_cpus_allowed;
    auto& cell = task_cpus_allowed_[p];
    if (!cell) cell = std::make_unique<Shared<cpumask_t>>(p, "cpus_allowed", kernel.cpu_online_map());
    Machine& m = Machine::current();
    m.yield(l, cell.get(), Access::write);
    touch(m, *cell, l);
    if (const Cell* online = kernel.cpu_online_cell()) m.note_also_reads(*online);
    if (!(new_mask & kernel.cpu_online_map())) return;  // -EINVAL
    if (m.tracing()) m.record(cell.get(), Access::write, to_value(cell->peek()), to_value(new_mask));
    cell->init(new_mask);
}

// Return in *pmask the online nodes of the nearest ancestor that has any.
// Call with callback_mutex held.
void cpuset_subsys_t::guarantee_online_mems(cpuset* cs, nodemask_t* pmask) {
    namespace yp = lbl::guarantee_online_mems;
    while (cs && !(cs->mems_allowed.read(yp::read_mems_allowed) & kernel.read_node_online_map(yp::read_mems_allowed)))
        cs = cs->parent;
    if (cs)
        *pmask = cs->mems_allowed.read(yp::read_mems_allowed) & kernel.read_node_online_map(yp::read_mems_allowed);  // nodes_and()
    else
        *pmask = kernel.read_node_online_map(yp::read_mems_allowed);
}

// Bring current's mems_allowed up to date with its cpuset when the cpuset's
// mems_generation moved on. 2.6.20 calls it from the page allocator too; the
// model calls it where 3/7's cpuset.c does: cpuset_create, cpuset_destroy
// and cpuset_migrate_mm.
void cpuset_subsys_t::cpuset_update_task_memory_state() {
    namespace yp = lbl::cpuset_update_task_memory_state;
    int my_cpusets_mem_gen;
    task_struct* tsk = kernel.current();
    cpuset* cs;

    // task_cs(tsk) without rcu_read_lock: only the comparison with
    // &top_cpuset uses the pointer ("Don't need rcu for top_cpuset").
    if (task_cs(tsk, yp::read_task_cs) == &top_cpuset) {
        /* Don't need rcu for top_cpuset.  It's never freed. */
        my_cpusets_mem_gen = top_cpuset.mems_generation.read(yp::read_top_mems_generation);
    } else {
        rcu_read_lock(yp::rcu_read_lock);
        my_cpusets_mem_gen = task_cs(tsk, yp::read_current_cs)->mems_generation.read(yp::read_mems_generation);
        rcu_read_unlock(yp::rcu_read_unlock);
    }

    // tsk->cpuset_mems_generation is current's own field: read without a step.
    if (my_cpusets_mem_gen != tsk->cpuset_mems_generation.peek()) {
        kernel.container_lock(yp::lock_callback_mutex);
        task_lock(tsk, yp::task_lock);
        cs = task_cs(tsk, yp::read_task_cs_locked); /* Maybe changed when task not locked */
        nodemask_t mems;
        guarantee_online_mems(cs, &mems);
        tsk->mems_allowed.write(mems, yp::write_mems_allowed);
        tsk->cpuset_mems_generation.write(cs->mems_generation.read(yp::read_cs_mems_generation),
                                          yp::write_task_mems_generation);
        // Neither spread flag can be set (no spread files): both cleared.
        (void)cs->flags.read(yp::read_cs_flags);
        tsk->flags.write(tsk->flags.peek() & ~(core::PF_SPREAD_PAGE | core::PF_SPREAD_SLAB), yp::write_task_flags);
        task_unlock(tsk, yp::task_unlock);
        kernel.container_unlock(yp::unlock_callback_mutex);
        // mpol_rebind_task(tsk, &tsk->mems_allowed): no mempolicies in the model.
    }
}

// Migrate memory of mm from the nodes `from` to `to` (the caller holds
// manage_mutex). As posted, the mems_allowed it updates are current's, not
// those of the task that owns mm.
void cpuset_subsys_t::cpuset_migrate_mm(core::mm_struct* mm, nodemask_t /*from*/, nodemask_t to) {
    namespace yp = lbl::cpuset_migrate_mm;
    task_struct* tsk = kernel.current();

    cpuset_update_task_memory_state();

    kernel.container_lock(yp::lock_callback_mutex);
    tsk->mems_allowed.write(to, yp::write_mems_allowed);
    kernel.container_unlock(yp::unlock_callback_mutex);

    core::do_migrate_pages(mm);  // (mm, from, to, MPOL_MF_MOVE_ALL)

    kernel.container_lock(yp::lock_callback_mutex_2);
    nodemask_t mems;
    guarantee_online_mems(task_cs(tsk, yp::read_task_cs), &mems);
    tsk->mems_allowed.write(mems, yp::write_mems_allowed_2);
    kernel.container_unlock(yp::unlock_callback_mutex_2);
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
        case FILE_MEMORY_MIGRATE: retval = update_flag(CS_MEMORY_MIGRATE, cs, buf); break;
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
    trial_cpus &= kernel.read_cpu_online_map(yp::read_cpus_allowed);
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
    retval = bitmap_parselist(buf, &trial_mems, kernel.max_numnodes());  // nodelist_parse()
    if (retval < 0) return retval;
    trial_mems &= kernel.read_node_online_map(yp::read_oldmem);
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

    std::vector<core::mm_struct*> mms;  // mmarray[]'s contents
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
        core::mm_struct* mm = core::get_task_mm(p);
        if (!mm) continue;
        mms.push_back(mm);  // mmarray[n++] = mm
        n++;
    }
    write_unlock(kernel.tasklist(), yp::write_unlock_tasklist);

    /*
     * Now that we've dropped the tasklist spinlock, we can rebind the vma
     * mempolicies of each mm in mmarray[] to their new cpuset, and release
     * that mm. [...] Also migrate pages in each mm to new nodes.
     */
    bool migrate = cs->flags.read(yp::read_flags) & (1ul << CS_MEMORY_MIGRATE);
    for (core::mm_struct* mm : mms) {
        nodemask_t to = cs->mems_allowed.read(yp::read_mems_allowed);
        core::mpol_rebind_mm(mm);  // &cs->mems_allowed
        if (migrate) cpuset_migrate_mm(mm, oldmem, to);
        core::mmput(mm);
    }

    kfree(mmarray, yp::kfree_mmarray);
    cpuset_being_rebound.write(nullptr, yp::clear_being_rebound);
    retval = 0;
    return retval;
}

// update_flag - read a 0 or a 1 in a file and update associated flag.
// Call with manage_mutex held.
int cpuset_subsys_t::update_flag(unsigned long bit, cpuset* cs, const std::string& buf) {
    namespace yp = lbl::update_flag;
    bool turning_on = std::strtoul(buf.c_str(), nullptr, 10) != 0;  // simple_strtoul

    // trialcs = *cs
    unsigned long trial_flags = cs->flags.read(yp::copy_trialcs);
    cpumask_t trial_cpus = cs->cpus_allowed.read(yp::copy_trialcs);
    nodemask_t trial_mems = cs->mems_allowed.read(yp::copy_trialcs);
    if (turning_on)
        trial_flags |= 1ul << bit;
    else
        trial_flags &= ~(1ul << bit);

    int err = validate_change(cs, trial_cpus, trial_mems);
    if (err < 0) return err;
    // cpu_exclusive_changed is false: CS_CPU_EXCLUSIVE is never written.
    kernel.container_lock(yp::lock_callback_mutex);
    cs->flags.write(trial_flags, yp::write_flags);
    kernel.container_unlock(yp::unlock_callback_mutex);
    return 0;
}

namespace {
// lib/bitmap.c bitmap_scnlistprintf() for one word: "0-1", "0", "".
std::string scnlistprintf(unsigned long mask) {
    std::string s;
    for (int a = 0; a < static_cast<int>(sizeof(mask) * 8); ++a) {
        if (!(mask & (1ul << a))) continue;
        int b = a;
        while (b + 1 < static_cast<int>(sizeof(mask) * 8) && (mask & (1ul << (b + 1)))) ++b;
        if (!s.empty()) s += ',';
        s += std::to_string(a);
        if (b > a) s += '-' + std::to_string(b);
        a = b;
    }
    return s;
}
}  // namespace

// cpus and mems through cpuset_sprintf_cpulist()/_memlist() under
// callback_mutex; memory_migrate as 0 or 1. Each ends in a newline.
int cpuset_subsys_t::cpuset_common_file_read(container* cont, const cftype* cft, std::string& out) {
    namespace yp = lbl::cpuset_common_file_read;
    cpuset* cs = container_cs(cont, yp::read_css);
    // page = __get_free_page(GFP_KERNEL): a page, not a slab object; no step.
    switch (cft->private_) {
    case FILE_CPULIST:
    case FILE_MEMLIST: {
        kernel.container_lock(yp::lock_callback_mutex);
        unsigned long mask = cft->private_ == FILE_CPULIST ? cs->cpus_allowed.read(yp::read_mask)
                                                           : cs->mems_allowed.read(yp::read_mask);
        kernel.container_unlock(yp::unlock_callback_mutex);
        out = scnlistprintf(mask);
        break;
    }
    case FILE_MEMORY_MIGRATE: out = (cs->flags.read(yp::read_flags) & (1ul << CS_MEMORY_MIGRATE)) ? "1" : "0"; break;
    default: return -EINVAL;
    }
    out += '\n';
    return 0;
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


void cpuset_subsys_t::final_texts(const container* cont, std::map<std::string, std::string>& out) const {
    const container_subsys_state* css = cont->subsys[subsys_id].peek();
    if (!css || css->object->freed) return;
    const auto* cs = static_cast<const cpuset*>(css->object);
    out["cpuset.cpus"] = scnlistprintf(cs->cpus_allowed.peek());
    out["cpuset.mems"] = scnlistprintf(cs->mems_allowed.peek());
}

void cpuset_subsys_t::task_texts(const task_struct* t, std::map<std::string, std::string>& out) const {
    auto it = task_cpus_allowed_.find(t);
    out["cpus_allowed"] = scnlistprintf(it == task_cpus_allowed_.end() ? kernel.cpu_online_map() : it->second->peek());
    out["mems_allowed"] = scnlistprintf(t->mems_allowed.peek());
}

}  // namespace subsys
