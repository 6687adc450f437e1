// The cpuset container subsystem as V7 patch 3/7 leaves kernel/cpuset.c: a
// struct cpuset embeds its container_subsys_state, and the hooks are
// cpuset_create/destroy/can_attach/attach/post_attach/populate. The "cpus",
// "mems" and "memory_migrate" files are modelled (no exclusive, spread or
// memory_pressure files), so of the flags only CS_MEMORY_MIGRATE is ever set.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/mm.h"
#include "core/v7/container.h"

#define CONTSIM_V7_CPUSET_LABELS(X)                                                                          \
    X(common_cpu_mem_hotplug_unplug, lock_manage_mutex, "container_manage_lock();")                        \
    X(move_task_off_dead_cpu, read_cpus_allowed, "dest_cpu = any_online_cpu(p->cpus_allowed);")           \
    X(move_task_off_dead_cpu, cpus_setall, "cpus_setall(p->cpus_allowed); /* No more Mr. Nice Guy. */")    \
    X(common_cpu_mem_hotplug_unplug, lock_callback_mutex, "container_lock();")                               \
    X(guarantee_online_cpus_mems_in_subtree, read_child_css, "c = container_cs(cont); /* each child of cur's container */") \
    X(guarantee_online_cpus_mems_in_subtree, read_cpus_allowed, "if (!cpus_empty(c->cpus_allowed))")         \
    X(guarantee_online_cpus_mems_in_subtree, write_cpus_allowed, "guarantee_online_cpus(c, &c->cpus_allowed);") \
    X(guarantee_online_cpus_mems_in_subtree, read_mems_allowed, "if (!nodes_empty(c->mems_allowed))")        \
    X(guarantee_online_cpus_mems_in_subtree, write_mems_allowed, "guarantee_online_mems(c, &c->mems_allowed);") \
    X(common_cpu_mem_hotplug_unplug, write_top_cpus, "top_cpuset.cpus_allowed = cpu_online_map;")            \
    X(common_cpu_mem_hotplug_unplug, write_top_mems, "top_cpuset.mems_allowed = node_online_map;")           \
    X(common_cpu_mem_hotplug_unplug, unlock_callback_mutex, "container_unlock();")                           \
    X(common_cpu_mem_hotplug_unplug, unlock_manage_mutex, "container_manage_unlock();")                      \
    X(cpuset_create, write_cont_subsys_top, "set_container_cs(cont, &top_cpuset); /* early init */")         \
    X(cpuset_create, write_css_container_top, "top_cpuset.css.container = cont;")                            \
    X(cpuset_create, write_mems_generation_top, "top_cpuset.mems_generation = cpuset_mems_generation++;")    \
    X(cpuset_create, read_parent_css, "parent = container_cs(cont->parent);")                                \
    X(cpuset_create, kmalloc_cpuset, "cs = kmalloc(sizeof(*cs), GFP_KERNEL);")                               \
    X(cpuset_destroy, read_css, "struct cpuset *cs = container_cs(cont);")                                   \
    X(cpuset_destroy, kfree_cpuset, "kfree(cs);")                                                            \
    X(cpuset_can_attach, read_css, "struct cpuset *cs = container_cs(cont);")                                \
    X(cpuset_can_attach, read_cpus_allowed, "if (cpus_empty(cs->cpus_allowed) || ...) return -ENOSPC;")       \
    X(cpuset_can_attach, read_mems_allowed, "if (... || nodes_empty(cs->mems_allowed)) return -ENOSPC;")      \
    X(cpuset_attach, read_css, "guarantee_online_cpus(container_cs(cont), &cpus);")                          \
    X(guarantee_online_cpus, read_cpus_allowed, "while (cs && !cpus_intersects(cs->cpus_allowed, cpu_online_map))") \
    X(set_cpus_allowed, write_cpus_allowed, "p->cpus_allowed = new_mask;")                                   \
    X(cpuset_post_attach, read_css, "struct cpuset *cs = container_cs(cont);")                               \
    X(cpuset_post_attach, read_old_css, "struct cpuset *oldcs = container_cs(oldcont);")                     \
    X(cpuset_post_attach, read_old_mems_allowed, "from = oldcs->mems_allowed;")                              \
    X(cpuset_post_attach, read_mems_allowed, "to = cs->mems_allowed;")                                       \
    X(cpuset_post_attach, read_flags, "if (is_memory_migrate(cs))")                                         \
    X(cpuset_update_task_memory_state, read_task_cs, "if (task_cs(tsk) == &top_cpuset) {")                  \
    X(cpuset_update_task_memory_state, read_top_mems_generation, "my_cpusets_mem_gen = top_cpuset.mems_generation;") \
    X(cpuset_update_task_memory_state, rcu_read_lock, "rcu_read_lock();")                                   \
    X(cpuset_update_task_memory_state, read_current_cs, "my_cpusets_mem_gen = task_cs(current)->mems_generation; /* task_cs */") \
    X(cpuset_update_task_memory_state, read_mems_generation, "my_cpusets_mem_gen = task_cs(current)->mems_generation;") \
    X(cpuset_update_task_memory_state, rcu_read_unlock, "rcu_read_unlock();")                               \
    X(cpuset_update_task_memory_state, lock_callback_mutex, "container_lock();")                            \
    X(cpuset_update_task_memory_state, task_lock, "task_lock(tsk);")                                        \
    X(cpuset_update_task_memory_state, read_task_cs_locked, "cs = task_cs(tsk); /* Maybe changed when task not locked */") \
    X(cpuset_update_task_memory_state, write_mems_allowed, "guarantee_online_mems(cs, &tsk->mems_allowed);") \
    X(cpuset_update_task_memory_state, read_cs_mems_generation, "tsk->cpuset_mems_generation = cs->mems_generation;") \
    X(cpuset_update_task_memory_state, write_task_mems_generation, "tsk->cpuset_mems_generation = cs->mems_generation;") \
    X(cpuset_update_task_memory_state, read_cs_flags, "if (is_spread_page(cs)) ... if (is_spread_slab(cs))") \
    X(cpuset_update_task_memory_state, write_task_flags, "tsk->flags &= ~PF_SPREAD_PAGE; tsk->flags &= ~PF_SPREAD_SLAB;") \
    X(cpuset_update_task_memory_state, task_unlock, "task_unlock(tsk);")                                    \
    X(cpuset_update_task_memory_state, unlock_callback_mutex, "container_unlock();")                        \
    X(guarantee_online_mems, read_mems_allowed, "while (cs && !nodes_intersects(cs->mems_allowed, node_online_map))") \
    X(cpuset_migrate_mm, lock_callback_mutex, "container_lock();")                                          \
    X(cpuset_migrate_mm, write_mems_allowed, "tsk->mems_allowed = *to;")                                    \
    X(cpuset_migrate_mm, unlock_callback_mutex, "container_unlock();")                                      \
    X(cpuset_migrate_mm, lock_callback_mutex_2, "container_lock(); /* after do_migrate_pages() */")         \
    X(cpuset_migrate_mm, read_task_cs, "guarantee_online_mems(task_cs(tsk),&tsk->mems_allowed);")           \
    X(cpuset_migrate_mm, write_mems_allowed_2, "guarantee_online_mems(task_cs(tsk),&tsk->mems_allowed);")   \
    X(cpuset_migrate_mm, unlock_callback_mutex_2, "container_unlock();")                                    \
    X(update_flag, copy_trialcs, "trialcs = *cs;")                                                          \
    X(update_flag, lock_callback_mutex, "mutex_lock(&callback_mutex);")                                     \
    X(update_flag, write_flags, "cs->flags = trialcs.flags;")                                               \
    X(update_flag, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                                 \
    X(cpuset_common_file_read, read_css, "struct cpuset *cs = container_cs(cont);")                         \
    X(cpuset_common_file_read, lock_callback_mutex, "mutex_lock(&callback_mutex); /* cpuset_sprintf_*list */") \
    X(cpuset_common_file_read, read_mask, "mask = cs->cpus_allowed; /* or mems_allowed */")                 \
    X(cpuset_common_file_read, unlock_callback_mutex, "mutex_unlock(&callback_mutex);")                     \
    X(cpuset_common_file_read, read_flags, "*s++ = is_memory_migrate(cs) ? '1' : '0';")                     \
    X(cpuset_common_file_write, read_css, "struct cpuset *cs = container_cs(cont);")                         \
    X(cpuset_common_file_write, kmalloc_buffer, "buffer = kmalloc(nbytes + 1, GFP_KERNEL)")                  \
    X(cpuset_common_file_write, lock_manage_mutex, "container_manage_lock();")                               \
    X(cpuset_common_file_write, test_removed, "if (container_is_removed(cont))")                             \
    X(cpuset_common_file_write, unlock_manage_mutex, "container_manage_unlock();")                           \
    X(cpuset_common_file_write, kfree_buffer, "kfree(buffer);")                                              \
    X(validate_change, read_css_container, "list_for_each_entry(cont, &cur->css.container->children, sibling)") \
    X(validate_change, read_child_css, "if (!is_cpuset_subset(container_cs(cont), trial))")                  \
    X(validate_change, read_child_masks, "is_cpuset_subset(c, trial) /* c->cpus_allowed, c->mems_allowed */") \
    X(validate_change, read_parent_masks, "if (!is_cpuset_subset(trial, par)) return -EACCES;")              \
    X(update_cpumask, copy_trialcs, "trialcs = *cs;")                                                        \
    X(update_cpumask, read_cpus_allowed, "cpus_unchanged = cpus_equal(cs->cpus_allowed, trialcs.cpus_allowed);") \
    X(update_cpumask, lock_callback_mutex, "container_lock();")                                              \
    X(update_cpumask, write_cpus_allowed, "cs->cpus_allowed = trialcs.cpus_allowed;")                        \
    X(update_cpumask, unlock_callback_mutex, "container_unlock();")                                          \
    X(update_nodemask, copy_trialcs, "trialcs = *cs;")                                                       \
    X(update_nodemask, read_css_container, "cont = cs->css.container;")                                      \
    X(update_nodemask, read_oldmem, "oldmem = cs->mems_allowed;")                                            \
    X(update_nodemask, lock_callback_mutex, "container_lock();")                                             \
    X(update_nodemask, write_mems_allowed, "cs->mems_allowed = trialcs.mems_allowed;")                       \
    X(update_nodemask, write_mems_generation, "cs->mems_generation = cpuset_mems_generation++;")             \
    X(update_nodemask, unlock_callback_mutex, "container_unlock();")                                         \
    X(update_nodemask, set_being_rebound, "cpuset_being_rebound = cs; /* causes mpol_copy() rebind */")      \
    X(update_nodemask, read_cpus_weight, "fudge += cpus_weight(cs->cpus_allowed);")                          \
    X(update_nodemask, read_css_container_count, "ntasks = container_task_count(cs->css.container);")        \
    X(update_nodemask, kmalloc_mmarray, "mmarray = kmalloc(ntasks * sizeof(*mmarray), GFP_KERNEL);")         \
    X(update_nodemask, write_lock_tasklist, "write_lock_irq(&tasklist_lock); /* block fork */")              \
    X(update_nodemask, write_unlock_tasklist_retry, "write_unlock_irq(&tasklist_lock); /* try again */")     \
    X(update_nodemask, kfree_mmarray_retry, "kfree(mmarray); /* try again */")                               \
    X(update_nodemask, read_task_css, "if (task_cs(p) != cs) continue; /* container_cs() */")                \
    X(update_nodemask, write_unlock_tasklist, "write_unlock_irq(&tasklist_lock);")                           \
    X(update_nodemask, read_flags, "migrate = is_memory_migrate(cs);")                                      \
    X(update_nodemask, read_mems_allowed, "mpol_rebind_mm(mm, &cs->mems_allowed); /* and cpuset_migrate_mm's to */") \
    X(update_nodemask, kfree_mmarray, "kfree(mmarray);")                                                     \
    X(update_nodemask, clear_being_rebound, "cpuset_being_rebound = NULL;")

namespace subsys::lbl {
CONTSIM_V7_CPUSET_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace subsys {

using core::task_struct;
using core::v7::container;
using core::v7::container_subsys_state;
using core::v7::cftype;

// cpumask_t and nodemask_t as one word each. The modelled machine has two
// online CPUs and one memory node (a non-NUMA SMP box).
using cpumask_t = unsigned long;
using nodemask_t = unsigned long;
constexpr int NR_CPUS = 8;       // CONFIG_NR_CPUS (i386 default)
// MAX_NUMNODES, cpu_online_map and node_online_map are the machine's
// (core::Kernel::set_machine(): the scenario's "machine").

/* bits in struct cpuset flags field (3/7: CS_REMOVED and notify_on_release moved to the container) */
enum cpuset_flagbits_t { CS_CPU_EXCLUSIVE, CS_MEM_EXCLUSIVE, CS_MEMORY_MIGRATE, CS_SPREAD_PAGE, CS_SPREAD_SLAB };

// LL= notes say which lock protects a field when it is written.
struct cpuset : sim::Object {
    explicit cpuset(const std::string& name);
    container_subsys_state css;             // first member, as in the C
    sim::Shared<unsigned long> flags;       // LL=manage_mutex+callback_mutex; only CS_MEMORY_MIGRATE is modelled
    sim::Shared<cpumask_t> cpus_allowed;    // LL=manage_mutex+callback_mutex
    sim::Shared<nodemask_t> mems_allowed;   // LL=manage_mutex+callback_mutex
    cpuset* parent = nullptr;               // immutable after creation
    sim::Shared<int> mems_generation;       // LL=callback_mutex
};

// The static `cpuset_subsys` and the statics of kernel/cpuset.c, one
// instance per modelled kernel.
class cpuset_subsys_t : public core::v7::container_subsys {
public:
    explicit cpuset_subsys_t(core::v7::KernelV7& k);

    int create(container* cont) override;
    void destroy(container* cont) override;
    int can_attach(container* cont, task_struct* tsk) override;
    void attach(container* cont, container* old_cont, task_struct* tsk) override;
    void post_attach(container* cont, container* oldcont, task_struct* tsk) override;
    int populate(container* cont) override;
    std::vector<const sim::Label*> labels() const override;

    cpuset top_cpuset;

private:
    enum cpuset_filetype_t { FILE_CPULIST, FILE_MEMLIST, FILE_MEMORY_MIGRATE };

    void set_container_cs(container* cont, cpuset* cs, const sim::Label* l);
    cpuset* container_cs(container* cont, const sim::Label& l);
    cpuset* task_cs(task_struct* task, const sim::Label& l);
    void guarantee_online_cpus(cpuset* cs, cpumask_t* pmask);
    void set_cpus_allowed(task_struct* p, cpumask_t new_mask);
    void guarantee_online_mems(cpuset* cs, nodemask_t* pmask);
    void cpuset_update_task_memory_state();
    void cpuset_migrate_mm(core::mm_struct* mm, nodemask_t from, nodemask_t to);
    int update_flag(unsigned long bit, cpuset* cs, const std::string& buf);
    int cpuset_common_file_read(container* cont, const cftype* cft, std::string& out);
    int validate_change(cpuset* cur, cpumask_t trial_cpus, nodemask_t trial_mems);
    int cpuset_common_file_write(container* cont, const cftype* cft, const std::string& buf);
    int update_cpumask(cpuset* cs, const std::string& buf);
    int update_nodemask(cpuset* cs, const std::string& buf);

    int cpuset_mems_generation = 0;       // LL=callback_mutex
    int number_of_cpusets = 1;            // LL=manage_mutex
    sim::Shared<cpuset*> cpuset_being_rebound;
    cftype cft_cpus;
    cftype cft_mems;
    cftype cft_memory_migrate;
    // task_struct has no cpus_allowed field in the model: set_cpus_allowed()
    // writes a cell that belongs to the task (so a freed task is noticed).
    std::map<const task_struct*, std::unique_ptr<sim::Shared<cpumask_t>>> task_cpus_allowed_;

public:
    // "cpuset.cpus" and "cpuset.mems" as the files show them ("0-1"); a
    // task's "cpus_allowed" and "mems_allowed".
    void final_texts(const container* cont, std::map<std::string, std::string>& out) const override;
    // At boot, before any task but init runs: top_cpuset tracks the online maps.
    void cpuset_init_smp();
    // The CPU and memory hotplug notifiers (cpuset_handle_cpuhp(),
    // cpuset_track_online_nodes()): 2/7's common_cpu_mem_hotplug_unplug().
    void common_cpu_mem_hotplug_unplug();
    void guarantee_online_cpus_mems_in_subtree(container* cur);
    // kernel/sched.c move_task_off_dead_cpu(), reduced to its fallback: a task
    // with no online cpu left in cpus_allowed gets all of them ("No more Mr.
    // Nice Guy": cpus_setall(), as Paul Jackson's 2.6.12 fix restored it).
    void move_task_off_dead_cpu(task_struct* p);
    void task_texts(const task_struct* t, std::map<std::string, std::string>& out) const override;
};

// bitmap_parselist() for one word: "0", "0-1", "0,1". 0 or -EINVAL/-ERANGE.
int bitmap_parselist(const std::string& buf, unsigned long* maskp, int nmaskbits);

}  // namespace subsys
