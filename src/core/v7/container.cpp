#include "core/v7/container.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/common_labels.h"
#include "core/mm.h"
#include "core/errno_names.h"
#include "core/v7/labels.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/rwlock.h"
#include "sim/kernel/slab.h"
#include "sim/kernel/task_ref.h"
#include "subsys/bc.h"
#include "subsys/cpuacct.h"
#include "subsys/cpuset.h"
#include "subsys/ns.h"
#include "subsys/numtasks.h"

namespace core::v7 {

using namespace sim;

namespace detail {
const char* const container_field_names[] = {"container[0]", "container[1]", "container[2]", "container[3]"};
const char* const subsys_field_names[] = {"subsys[0]", "subsys[1]", "subsys[2]", "subsys[3]",
                                          "subsys[4]", "subsys[5]", "subsys[6]", "subsys[7]"};
static_assert(CONFIG_MAX_CONTAINER_HIERARCHIES <= 4 && CONFIG_MAX_CONTAINER_SUBSYS <= 8,
              "add cell names for the larger arrays");
}  // namespace detail

namespace {
constexpr int MAX_HIER = CONFIG_MAX_CONTAINER_HIERARCHIES;
constexpr auto kHierCells = std::make_index_sequence<CONFIG_MAX_CONTAINER_HIERARCHIES>{};
constexpr auto kSubsysCells = std::make_index_sequence<CONFIG_MAX_CONTAINER_SUBSYS>{};
constexpr std::size_t MAX_CONTAINER_TYPE_NAMELEN = 32;

// container_common_file_write()'s kmalloc(nbytes + 1) copy of the user buffer.
struct write_buffer : Object {
    write_buffer() : Object("buffer") { set_name("buffer"); }
};
}  // namespace

container_subsys_state::container_subsys_state(Object* embedding)
    : Object("container_subsys_state"),
      container(embedding, "css.container", nullptr),
      refcnt_lock(embedding, "css.refcnt_lock", "&css->refcnt_lock"),
      refcnt(embedding, "css.refcnt", false, 0),
      object(embedding) {}

container::container(const std::string& name)
    : Object("container"),
      flags(this, "flags", 0),
      count(this, "count", true, 0),
      dname(name),
      subsys(detail::make_cells<container_subsys_state*>(this, detail::subsys_field_names, kSubsysCells)),
      i_mutex(this, "i_mutex", "&inode->i_mutex"),
      d_count(this, "d_count", true, 0) {
    d_count.folded = true;  // Dcache::dget() adds to it inside a walk's step
    set_name(name);
}

container_group::container_group(const std::string& name)
    : Object("container_group"),
      ref(this, "ref"),
      container(detail::make_cells<struct container*>(this, detail::container_field_names, kHierCells)),
      subsys(detail::make_cells<container_subsys_state*>(this, detail::subsys_field_names, kSubsysCells)) {
    set_name(name);
}

// alloc_super() starts s_active at 1: the mount's reference.
super_block::super_block(int hierarchy, containerfs_root* root)
    : Object("super_block"), s_active(this, "s_active", true, 1), s_fs_info(this, "s_fs_info", root),
      s_umount(this, "s_umount", "&type->s_umount_key") {
    set_name(fmt::format("sb(rootnode[{}])", hierarchy));
}

vfsmount::vfsmount(const std::string& where, super_block* sb)
    : Object("vfsmount"), mnt_count(this, "mnt_count", true, 1), mnt_sb(sb) {
    mnt_count.folded = true;  // KernelV7::walk()'s mntget() adds to it inside the walk's step
    set_name("mnt(" + where + ")");
}

containerfs_root::containerfs_root() : Object("containerfs_root"), sb(this, "sb", nullptr) {}

container_subsys::container_subsys(KernelV7& k, const char* name, unsigned ss_hooks)
    : Object("container_subsys"), kernel(k), ss_name(name), hooks(ss_hooks), hierarchy(this, "hierarchy", 0) {
    set_name(std::string(name) + "_subsys");
}

KernelV7::KernelV7(std::set<Fix> fixes)
    : Kernel(std::move(fixes)),
      need_forkexit_callback(&global_object(), "need_forkexit_callback", 0),
      init_container_group("init_container_group"),
      container_group_lock(&global_object(), "container_group_lock", "container_group_lock"),
      manage_mutex(&global_object(), "manage_mutex", "manage_mutex"),
      callback_mutex(&global_object(), "callback_mutex", "callback_mutex"),
      namecnt(&global_object(), "namecnt", false, 0),
      fdt(&global_object(), "fdt", 0) {
    // Hierarchy 1's top is "top_container" (the name the single-hierarchy
    // scenarios print); the others are numbered.
    for (int i = 0; i < MAX_HIER; ++i) {
        rootnode[i].set_name(fmt::format("rootnode[{}]", i));
        rootnode[i].top_container.set_name(i == 0   ? std::string("dummytop")
                                           : i == 1 ? std::string("top_container")
                                                    : fmt::format("top_container{}", i));
    }
    cft_tasks.name = "tasks";
    cft_tasks.private_ = FILE_TASKLIST;
    cft_tasks.write = [this](struct container* cont, const cftype* cft, const std::string& buf) {
        return container_common_file_write(cont, cft, buf);
    };
    // The subsystems compiled in, in boot order (subsys_configs()); boot()
    // registers those the scenario's config leaves on.
    builtin_subsys_.push_back(std::make_unique<subsys::cpuset_subsys_t>(*this));
    builtin_subsys_.push_back(std::make_unique<subsys::bc_subsys_t>(*this));
    builtin_subsys_.push_back(std::make_unique<subsys::cpuacct_subsys_t>(*this));
    builtin_subsys_.push_back(std::make_unique<subsys::numtasks_subsys_t>(*this));
    builtin_subsys_.push_back(std::make_unique<subsys::ns_subsys_t>(*this));
}

KernelV7::~KernelV7() = default;

std::vector<const Label*> KernelV7::labels() const {
    std::vector<const Label*> v = common_labels();
    {
        using namespace core::lbl;
        std::vector<const Label*> h{CONTSIM_HOTPLUG_LABELS(CONTSIM_LIST_LABEL)};  // cpu_down, cpu_up, mem_online
        v.insert(v.end(), h.begin(), h.end());
    }
    {
        using namespace core::v7::lbl;
        std::vector<const Label*> k{CONTSIM_V7_LABELS(CONTSIM_LIST_LABEL)};
        v.insert(v.end(), k.begin(), k.end());
    }
    for (const auto& ss : builtin_subsys_) {
        auto k = ss->labels();
        v.insert(v.end(), k.begin(), k.end());
    }
    return v;
}

// --- boot ------------------------------------------------------------------

// start_kernel(): container_init_early(), then cpuset_init_early() and
// bc_init_early() register their subsystems, then the initcalls register
// cpuacct, numtasks and ns (kernel/Makefile order), all while system_state is
// SYSTEM_BOOTING. cpuset_init()/cpuset_init_smp() give top_cpuset the online
// CPUs and nodes (done when the subsystem is constructed). V6's 6/6 calls
// bc_init_early() first thing in start_kernel(), before
// container_init_early(): with V7's container_group list that would walk an
// uninitialised list head, so the model assumes V7 moved it (its text is lost).
// A subsystem configured off is not built in; one configured "m" waits for
// the register_subsys op.
void KernelV7::boot() {
    create_init_task();
    if (auto* cs = dynamic_cast<subsys::cpuset_subsys_t*>(builtin("cpuset"))) cs->cpuset_init_smp();
    container_init_early();
    for (const SubsysConfig& c : subsys_configs()) {
        if (!config(c.symbol, true) || config_module(c.symbol)) continue;
        container_subsys* ss = builtin(c.name);
        if (container_register_subsys(ss) < 0)
            throw std::runtime_error(fmt::format("Couldn't register {} subsystem", ss->ss_name));  // panic()
    }
    system_running = true;
}

// Static initialisation on the boot CPU, before any other CPU or task exists:
// written without steps.
void KernelV7::container_init_early() {
    // kref_init() then get_container_group(): the static group keeps a
    // reference of its own, so it is never released.
    init_container_group.ref.refcount.counter = 2;
    cg_list.assign(1, &init_container_group);  // INIT_LIST_HEAD(&init_container_group.list)
    init_container_group.on_list = true;
    container_group_count = 1;

    for (int i = 0; i < MAX_HIER; i++) {
        containerfs_root* root = &rootnode[i];
        struct container* cont = &root->top_container;
        root->subsys_list.clear();
        root->number_of_containers = 1;

        cont->root = root;
        cont->hierarchy = i;
        cont->top_container = cont;
        cont->count.counter = 1;  // atomic_set(&cont->count, 1): init_container_group uses it

        init_container_group.container[i].init(cont);
    }
    init_task_->containers.init(&init_container_group);
}

int KernelV7::container_register_subsys(container_subsys* new_subsys) {
    namespace yp = lbl::container_register_subsys;
    int retval = 0;
    int ss_id;

    if (new_subsys->hierarchy.peek()) kernel_bug("container_register_subsys", "BUG_ON(new_subsys->hierarchy)");
    if (new_subsys->active)
        kernel_bug("container_register_subsys",
                   fmt::format("BUG_ON(new_subsys->active): {} is already registered", new_subsys->ss_name));

    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    if (subsys_count == CONFIG_MAX_CONTAINER_SUBSYS) {
        retval = -ENOSPC;
    } else if (!new_subsys->ss_name || std::strlen(new_subsys->ss_name) > MAX_CONTAINER_TYPE_NAMELEN) {
        retval = -EINVAL;  // Sanity check the subsystem (create/destroy are pure virtual here)
    } else {
        for (int i = 0; i < subsys_count; i++)
            if (!std::strcmp(subsys[i]->ss_name, new_subsys->ss_name)) retval = -EEXIST;  // a duplicate
    }
    if (retval) {
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
        return retval;
    }

    /* Create the top container state for this subsystem */
    ss_id = new_subsys->subsys_id = subsys_count;
    retval = new_subsys->create(dummytop());
    if (retval) {
        new_subsys->subsys_id = -1;
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
        return retval;
    }
    init_container_css(new_subsys, dummytop());

    // Every existing group is in the subsystem's top container: point them
    // all at its state.
    spin_lock(container_group_lock, yp::spin_lock);
    for (std::size_t k = 0; k < cg_list.size(); ++k) {
        container_group* cg = cg_list[k];
        container_subsys_state* css = dummytop()->subsys[ss_id].read(yp::read_dummytop_subsys);
        cg->subsys[ss_id].write(css, yp::write_cg_subsys);
    }
    spin_unlock(container_group_lock, yp::spin_unlock);

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    // The first subsystem with a fork or exit callback switches fork/exit to
    // callback_mutex; the grace period makes every later fork/exit see it.
    if (!need_forkexit_callback.read(yp::read_need_forkexit_callback) &&
        (new_subsys->hooks & (container_subsys::HOOK_FORK | container_subsys::HOOK_EXIT))) {
        need_forkexit_callback.write(1, yp::write_need_forkexit_callback);
        if (system_running) synchronize_rcu(yp::synchronize_rcu);
    }
    // Replay fork for every existing task.
    if (new_subsys->hooks & container_subsys::HOOK_FORK) {
        read_lock(tasklist_lock, yp::read_lock_tasklist);
        for (task_struct* p : tasks_)  // do_each_thread: the tasks linked into the task list
            if (p->hashed) {
                new_subsys->fork(p);
                fork_callbacks_[p] |= 1ul << new_subsys->subsys_id;
            }
        read_unlock(tasklist_lock, yp::read_unlock_tasklist);
    }
    subsys[subsys_count++] = new_subsys;
    new_subsys->active = 1;
    registered_at_[new_subsys] = system_running ? Machine::current().step() : 0;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    return retval;
}

void KernelV7::init_container_css(container_subsys* ss, struct container* cont) {
    namespace yp = lbl::init_container_css;
    container_subsys_state* css = cont->subsys[ss->subsys_id].read(yp::read_css);
    css->container.write(cont, yp::write_container);
    // spin_lock_init(&css->refcnt_lock): the model's lock is created unlocked.
    atomic_set(css->refcnt, 0, yp::set_refcnt);
}

// --- container groups ------------------------------------------------------

void KernelV7::put_container_group(container_group* cg, const Label& l) {
    kref_put(cg->ref, [this, cg](kref*) { release_container_group(cg); }, l);
}

void KernelV7::release_container_group(container_group* cg) {
    namespace yp = lbl::release_container_group;
    spin_lock(container_group_lock, yp::spin_lock);
    /* Release reference counts on all the containers pointed to by this container_group */
    for (int i = 0; i < MAX_HIER; i++) {
        struct container* cont = cg->container[i].read(yp::read_container);
        if (!cont) continue;
        atomic_dec(cont->count, yp::dec_count);
    }
    // list_del(&cg->list). A group released twice (its kref brought back from
    // 0 by a stale get) is no longer on the list: the kernel would oops on the
    // poisoned pointers; the model only leaves the list alone.
    auto it = std::find(cg_list.begin(), cg_list.end(), cg);
    if (it != cg_list.end()) cg_list.erase(it);
    cg->on_list = false;
    container_group_count--;
    spin_unlock(container_group_lock, yp::spin_unlock);
    kfree(cg, yp::kfree);
}

// Walks the list through init_container_group (caller holds
// container_group_lock) for a group equal to oldcg except for cont's hierarchy.
container_group* KernelV7::find_existing_container_group(container_group* oldcg, struct container* cont) {
    namespace yp = lbl::find_existing_container_group;
    int h = cont->hierarchy;
    for (std::size_t k = 0; k < cg_list.size(); ++k) {  // do { ... l = l->next; } while (l != head)
        container_group* cg = cg_list[k];
        int i;
        for (i = 0; i < MAX_HIER; i++) {
            struct container* mine = cg->container[i].read(yp::read_cg_container);
            if (i == h) {
                if (mine != cont) break;
            } else {
                if (mine != oldcg->container[i].read(yp::read_oldcg_container)) break;
            }
        }
        if (i == MAX_HIER) return cg;  // All hierarchies matched what we want - success
    }
    return nullptr;
}

container_group* KernelV7::find_container_group(container_group* oldcg, struct container* cont) {
    namespace yp = lbl::find_container_group;
    container_group* res;
    int h = cont->hierarchy;

    if (oldcg->container[h].read(yp::bug_on_read_container) == cont) {
        // BUG_ON(): the kernel oopses here. The model reports it and goes on as
        // a kernel without CONFIG_BUG would (the search below returns oldcg).
        Machine& m = Machine::current();
        m.report({"kernel-bug",
                  fmt::format("kernel BUG at kernel/container.c: find_container_group: "
                              "BUG_ON(oldcg->container[h] == cont): {} at step {} moves a task into {} but its group "
                              "{} already has it",
                              m.cpu_state().name, m.step(), path_of(cont), oldcg->name()),
                  m.step(), m.cpu(), {}, {}});
    }
    /* First see if we already have a container group that matches the desired set */
    spin_lock(container_group_lock, yp::spin_lock);
    res = find_existing_container_group(oldcg, cont);
    if (res) get_container_group(res, yp::get_container_group);
    spin_unlock(container_group_lock, yp::spin_unlock);
    if (res) return res;

    std::array<struct container*, MAX_HIER> conts{};
    for (int i = 0; i < MAX_HIER; i++) conts[i] = i == h ? cont : oldcg->container[i].peek();
    res = kmalloc<container_group>(yp::kmalloc, GFP_KERNEL, group_name(conts));
    if (!res) return nullptr;
    all_groups_.push_back(res);

    // *res = *oldcg: the copy reads oldcg's pointers (a freed oldcg is noticed
    // here). res itself is not visible to any other CPU until list_add, so
    // its fields are written without steps, kref_init() included.
    for (int i = 0; i < MAX_HIER; i++) res->container[i].init(oldcg->container[i].read(yp::copy_oldcg));
    for (int j = 0; j < subsys_count; j++) res->subsys[j].init(oldcg->subsys[j].read(yp::copy_oldcg));
    res->ref.refcount.counter = 1;  // kref_init(&res->ref)
    res->container[h].init(cont);
    for (container_subsys* ss : rootnode[h].subsys_list)
        res->subsys[ss->subsys_id].init(cont->subsys[ss->subsys_id].read(yp::read_cont_subsys));
    /* Take reference counts on all the referenced containers, including the new one */
    for (int i = 0; i < MAX_HIER; i++) {
        // res is not visible yet: its fields are read without steps.
        if (!res->container[i].peek())
            kernel_bug("find_container_group",
                       fmt::format("BUG_ON(!res->container[i]): {} has no container in hierarchy {}", res->name(), i));
        atomic_inc(deref(res->container[i].peek(), yp::inc_count, "res->container[i]")->count, yp::inc_count);
    }

    /* Link this container group into the list */
    spin_lock(container_group_lock, yp::spin_lock_list_add);
    cg_list.insert(cg_list.begin() + std::min<std::size_t>(1, cg_list.size()), res);  // list_add after the head
    res->on_list = true;
    container_group_count++;
    spin_unlock(container_group_lock, yp::spin_unlock_list_add);
    return res;
}

int KernelV7::container_task_count(struct container* cont) {
    namespace yp = lbl::container_task_count;
    int count = 0;
    int hierarchy = cont->hierarchy;
    spin_lock(container_group_lock, yp::spin_lock);
    for (std::size_t k = 0; k < cg_list.size(); ++k) {
        container_group* cg = cg_list[k];
        if (cg->container[hierarchy].read(yp::read_cg_container) == cont)
            count += atomic_read(cg->ref.refcount, yp::read_refcount);
    }
    spin_unlock(container_group_lock, yp::spin_unlock);
    return count;
}

// container.h's task_container(): rcu_dereference(task->containers->container[ss->hierarchy]).
struct container* KernelV7::task_container(task_struct* task, container_subsys* ss) {
    namespace yp = lbl::task_container;
    container_group* cg = rcu_dereference(task->containers, yp::read_containers);
    int h = ss->hierarchy.read(yp::read_hierarchy);
    return rcu_dereference(cg->container[h], yp::read_container);
}

// --- attach ----------------------------------------------------------------

// VFS glue: an open control file pins its directory's dentry, so a container
// rmdir'ed meanwhile is only freed (container_diput) at the last close.
int KernelV7::container_file_write(struct container* cont, const cftype* cft, const std::string& buf) {
    if (!cft->write) return -EINVAL;
    Dcache::dget(cont);
    int ret = cft->write(cont, cft, buf);
    dput(cont);
    return ret;
}

void KernelV7::dput(struct container* cont) {
    if (Dcache::dput(cont) && cont->d_deleted) container_diput(cont);
}

// Writes return nbytes in the kernel; the model reports 0 for success.
int KernelV7::container_common_file_write(struct container* cont, const cftype* cft, const std::string& buf) {
    namespace yp = lbl::container_common_file_write;
    int retval = 0;
    Object* buffer = kmalloc<write_buffer>(yp::kmalloc_buffer, GFP_KERNEL);
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    if (container_is_removed(cont, yp::test_removed)) {
        retval = -ENODEV;
    } else if (cft->private_ == FILE_TASKLIST) {
        retval = attach_task_by_pid(cont, buf);
    } else {
        retval = -EINVAL;
    }
    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    kfree(buffer, yp::kfree_buffer);
    return retval;
}

// The pid lookup is 1/7's attach_task() unchanged; the rest moved to attach_task().
int KernelV7::attach_task_by_pid(struct container* cont, const std::string& pidbuf) {
    namespace yp = lbl::attach_task_by_pid;
    int pid;
    task_struct* tsk;
    int ret;

    if (std::sscanf(pidbuf.c_str(), "%d", &pid) != 1) return -EIO;

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

    ret = attach_task(cont, tsk);
    put_task_struct(tsk, yp::put_task_struct);
    return ret;
}

// Attach task 'tsk' to container 'cont', as posted in 3/7. Called with
// manage_mutex held.
int KernelV7::attach_task(struct container* cont, task_struct* tsk) {
    namespace yp = lbl::attach_task;
    int retval = 0;
    container_group *oldcg, *newcg;
    struct container* oldcont;
    int h = cont->hierarchy;

    // Fix attach-pin-oldcg (mainline cgroup_attach_task, 2009): read the old
    // group under task_lock and hold a reference on it while it is used, so a
    // concurrent exit's put cannot free it under find_container_group().
    bool pin = has_fix(Fix::attach_pin_oldcg);
    if (pin) {
        task_lock(tsk, yp::pin_task_lock);
        oldcg = tsk->containers.read(yp::pin_read_oldcg);
        get_container_group(oldcg, yp::pin_get_oldcg);
        task_unlock(tsk, yp::pin_task_unlock);
        if (oldcg->container[h].read(yp::pin_read_cg_container) == cont) {
            put_container_group(oldcg, yp::unpin_oldcg_early);
            return 0;
        }
    } else {
        /* Nothing to do if the task is already in that container */
        // Read without task_lock: an exit can free the group in between.
        container_group* cg = tsk->containers.read(yp::read_containers);
        if (cg->container[h].read(yp::read_cg_container) == cont) return 0;
    }

    for (container_subsys* ss : rootnode[h].subsys_list) {
        if (ss->hooks & container_subsys::HOOK_CAN_ATTACH) {
            retval = ss->can_attach(cont, tsk);
            if (retval) {
                if (pin) put_container_group(oldcg, yp::unpin_oldcg_early);
                // As posted: attach_task_by_pid() puts tsk again after this
                // return, so a failed can_attach drops two references.
                put_task_struct(tsk, yp::put_task_struct_can_attach);
                return retval;
            }
        }
    }

    /* Locate or allocate a new container_group for this task, based on its final set of containers */
    if (!pin) oldcg = tsk->containers.read(yp::read_oldcg);  // without task_lock
    newcg = find_container_group(oldcg, cont);
    if (!newcg) {
        if (pin) put_container_group(oldcg, yp::unpin_oldcg_early);
        put_task_struct(tsk, yp::put_task_struct_enomem);  // the same double put
        return -ENOMEM;
    }

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    task_lock(tsk, yp::task_lock);
    // Fix attach-recheck-exiting (mainline cgroup_attach_task): PF_EXITING is
    // set before container_exit() runs, so a task exiting already is left
    // alone and the new group's reference dropped. Only with exit-task-lock is
    // a clear flag enough: otherwise exit's unlocked read can still land
    // between this test and the assign. (callback_mutex, which mainline does
    // not hold here, must be released too.)
    if (has_fix(Fix::attach_recheck_exiting) && (tsk->flags.read(yp::recheck_pf_exiting) & PF_EXITING)) {
        task_unlock(tsk, yp::task_unlock_esrch);
        mutex_unlock(callback_mutex, yp::unlock_callback_mutex_esrch);
        put_container_group(newcg, yp::put_newcg_esrch);
        if (pin) put_container_group(oldcg, yp::unpin_oldcg_esrch);
        return -ESRCH;
    }
    // Fix release-under-task-lock (Paul Jackson, message #11478): take the
    // group to release where the pointer changes, under task_lock, instead of
    // the unlocked read above; it is used for oldcont and the final put.
    if (has_fix(Fix::release_under_task_lock)) oldcg = tsk->containers.read(yp::reread_oldcg);
    rcu_assign_pointer(tsk->containers, newcg, yp::assign_containers);
    task_unlock(tsk, yp::task_unlock);

    oldcont = oldcg->container[h].read(yp::read_oldcont);  // oldcg may have been freed by container_exit()
    for (container_subsys* ss : rootnode[h].subsys_list)
        if (ss->hooks & container_subsys::HOOK_ATTACH) ss->attach(cont, oldcont, tsk);
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    for (container_subsys* ss : rootnode[h].subsys_list)
        if (ss->hooks & container_subsys::HOOK_POST_ATTACH) ss->post_attach(cont, oldcont, tsk);

    synchronize_rcu(yp::synchronize_rcu);
    put_container_group(oldcg, yp::put_oldcg);
    if (pin) put_container_group(oldcg, yp::unpin_oldcg);
    return 0;
}

// --- fork and exit ---------------------------------------------------------

void KernelV7::container_fork(task_struct* child) {
    namespace yp = lbl::container_fork;
    task_struct* cur = current();

    rcu_read_lock(yp::rcu_read_lock);
    /* need_forkexit_callback will be true if we might need to do a callback.
     * If so then switch from RCU to mutex locking */
    int need_callback = rcu_dereference(need_forkexit_callback, yp::read_need_forkexit_callback);
    if (need_callback) {
        rcu_read_unlock(yp::rcu_read_unlock_need_callback);
        mutex_lock(callback_mutex, yp::lock_callback_mutex);
    }
    task_lock(cur, yp::task_lock);
    /* Add the child task to the same container group as the parent */
    get_container_group(cur->containers.read(yp::read_containers_get), yp::get_container_group);
    child->containers.write(cur->containers.read(yp::read_containers), yp::write_child_containers);
    if (need_callback) {
        for (int i = 0; i < subsys_count; i++)
            if (subsys[i]->hooks & container_subsys::HOOK_FORK) {
                subsys[i]->fork(child);
                fork_callbacks_[child] |= 1ul << i;
            }
    }
    task_unlock(cur, yp::task_unlock);
    if (need_callback)
        mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    else
        rcu_read_unlock(yp::rcu_read_unlock);
}

void KernelV7::container_exit(task_struct* tsk) {
    namespace yp = lbl::container_exit;
    container_group* cg;

    rcu_read_lock(yp::rcu_read_lock);
    if (rcu_dereference(need_forkexit_callback, yp::read_need_forkexit_callback)) {
        rcu_read_unlock(yp::rcu_read_unlock_need_callback);
        mutex_lock(callback_mutex, yp::lock_callback_mutex);
        for (int i = 0; i < subsys_count; i++)
            if (subsys[i]->hooks & container_subsys::HOOK_EXIT) subsys[i]->exit(tsk);
        mutex_unlock(callback_mutex, yp::unlock_callback_mutex);
    } else {
        rcu_read_unlock(yp::rcu_read_unlock);
    }

    /* Reassign the task to the init_container_group. */
    // As posted, without task_lock: attach_task()'s locked pointer switch can
    // land between this read and this write. Fix exit-task-lock (Vaddagiri,
    // message #11464; mainline cgroup_exit) reads and swaps under task_lock(tsk)
    // and drops the reference after unlocking.
    bool locked = has_fix(Fix::exit_task_lock);
    if (locked) task_lock(tsk, yp::task_lock);
    cg = tsk->containers.read(yp::read_containers);
    if (cg != &init_container_group) {
        tsk->containers.write(&init_container_group, yp::write_init_container_group);
        if (locked) task_unlock(tsk, yp::task_unlock);
        put_container_group(cg, yp::put_container_group);
    } else {
        ++exited_in_init_;  // model: this task's reference on init_container_group is never dropped
        if (locked) task_unlock(tsk, yp::task_unlock);
    }
}

// --- mkdir and rmdir -------------------------------------------------------

int KernelV7::container_add_file(struct container* cont, const cftype* cft) {
    // container_create_file(): the name is already taken
    if (std::find(cont->files.begin(), cont->files.end(), cft) != cont->files.end()) return -EEXIST;
    cont->files.push_back(cft);
    return 0;
}

// The files are dentries (no steps): "tasks", then each subsystem's.
int KernelV7::container_populate_dir(struct container* cont) {
    int err;
    /* First clear out any existing files */
    cont->files.clear();  // container_clear_directory(cont->dentry)
    if ((err = container_add_file(cont, &cft_tasks)) < 0) return err;
    for (container_subsys* ss : rootnode[cont->hierarchy].subsys_list)
        if ((ss->hooks & container_subsys::HOOK_POPULATE) && (err = ss->populate(cont)) < 0) return err;
    return 0;
}

// Called with the parent directory's i_mutex held by the VFS (not modelled).
int KernelV7::container_create(struct container* parent, const std::string& name) {
    namespace yp = lbl::container_create;
    containerfs_root* root = parent->root;
    int err = 0;
    // A path walk holds the mount, so for mkdir root->sb cannot change under
    // us; container_clone() gets here with no mount held, and a racing final
    // umount may have cleared it (container_put_super): then the kernel
    // oopses at the atomic_inc below. A step either way: a peek would hide
    // that write from exploration.
    super_block* sb = root->sb.read(yp::read_sb);

    struct container* cont = kzalloc<struct container>(yp::kzalloc_container, GFP_KERNEL, name);
    if (!cont) return -ENOMEM;

    /* Grab a reference on the superblock so the hierarchy doesn't get deleted
     * on unmount if there are child containers. */
    atomic_inc(deref(sb, yp::inc_s_active, "sb")->s_active, yp::inc_s_active);

    mutex_lock(manage_mutex, yp::lock_manage_mutex);

    // cont is not reachable yet: flags = 0, count = 0 and the lists are
    // initialised without steps.
    cont->parent = parent;
    cont->root = parent->root;
    cont->hierarchy = parent->hierarchy;
    cont->top_container = parent->top_container;

    for (container_subsys* ss : rootnode[cont->hierarchy].subsys_list) {
        err = ss->create(cont);
        if (err) break;  // goto err_destroy
        init_container_css(ss, cont);
    }
    if (err) {
        // err_destroy:
        for (container_subsys* ss : rootnode[cont->hierarchy].subsys_list)
            if (cont->subsys[ss->subsys_id].read(yp::read_css_destroy)) ss->destroy(cont);
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex_err);
        /* Release the reference count that we took on the superblock */
        deactivate_super(sb, yp::deactivate_super_err);
        kfree(cont, yp::kfree_container_err);
        return err;
    }

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    parent->children.push_back(cont);  // list_add(&cont->sibling, &cont->parent->children)
    root->number_of_containers++;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    // container_create_dir() cannot fail in the model (no dentry allocation).
    dcache.d_instantiate(parent, cont, yp::create_dir);
    container_populate_dir(cont);
    /* If err < 0, we have a half-filled directory - oh well ;) */

    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    return 0;
}

int KernelV7::container_rmdir(struct container* cont) {
    namespace yp = lbl::container_rmdir;
    int css_busy = 0;

    /* the vfs holds both inode->i_mutex already */
    mutex_lock(manage_mutex, yp::lock_manage_mutex);
    if (atomic_read(cont->count, yp::read_count) > 0 || !cont->children.empty()) {
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex_ebusy);
        return -EBUSY;
    }

    int hierarchy = cont->hierarchy;
    struct container* parent = cont->parent;
    containerfs_root* root = cont->root;
    super_block* sb = root->sb.peek();  // the path walk holds the mount

    // local_irq_save(flags): not modelled (no interrupts).
    /* Check each container, locking the refcnt lock and testing the refcnt.
     * This will lock out any calls to css_get() */
    for (container_subsys* ss : rootnode[hierarchy].subsys_list) {
        container_subsys_state* css = cont->subsys[ss->subsys_id].read(yp::read_css);
        spin_lock(css->refcnt_lock, yp::lock_refcnt);
        css_busy += atomic_read(css->refcnt, yp::read_refcnt);
    }
    /* Go through and release all the locks; if we weren't busy, then set the
     * refcount to -1 to prevent css_get() from adding a refcount */
    for (container_subsys* ss : rootnode[hierarchy].subsys_list) {
        container_subsys_state* css = cont->subsys[ss->subsys_id].read(yp::read_css);
        if (!css_busy) atomic_dec(css->refcnt, yp::dec_refcnt);
        spin_unlock(css->refcnt_lock, yp::unlock_refcnt);
    }
    if (css_busy) {
        mutex_unlock(manage_mutex, yp::unlock_manage_mutex_css_busy);
        return -EBUSY;
    }

    for (container_subsys* ss : rootnode[hierarchy].subsys_list)
        if (cont->subsys[ss->subsys_id].read(yp::read_css_destroy)) ss->destroy(cont);

    mutex_lock(callback_mutex, yp::lock_callback_mutex);
    cont->flags.write(cont->flags.peek() | CONT_REMOVED, yp::set_removed);  // set_bit
    /* delete my sibling from parent->children */
    parent->children.erase(std::find(parent->children.begin(), parent->children.end(), cont));
    // container_d_remove_dir(d); dput(d): the directory goes; container_diput()
    // frees the container now unless an open control file still pins it.
    // container_clear_directory() first: its BUG_ONs read the dentry's lock
    // owner and subdirectories (changed under manage_mutex, held): no steps.
    // Its control files are not dentries in the model; its subdirectories are
    // d_subdirs (every one a directory, S_IFDIR).
    if (!mutex_is_locked(cont->i_mutex))
        kernel_bug("container_clear_directory", "BUG_ON(!mutex_is_locked(&dentry->d_inode->i_mutex))");
    if (!cont->d_subdirs.empty())
        kernel_bug("container_clear_directory",
                   fmt::format("BUG_ON(d->d_inode->i_mode & S_IFDIR): {} still has the directory {}", path_of(cont),
                               cont->d_subdirs.front()->dname));
    dcache.d_remove_dir(parent, cont, yp::d_remove_dir);
    if (cont->d_count.counter == 0) container_diput(cont);  // never here: do_rmdir() still holds its dentry
    root->number_of_containers--;
    mutex_unlock(callback_mutex, yp::unlock_callback_mutex);

    mutex_unlock(manage_mutex, yp::unlock_manage_mutex);
    /* Drop the active superblock reference that we took when we created the container */
    deactivate_super(sb, yp::deactivate_super);
    return 0;
}

void KernelV7::container_diput(struct container* cont) { kfree(cont, lbl::container_diput::kfree_container); }

// --- paths and operations ----------------------------------------------------

const KernelV7::Mount* KernelV7::mount_below(const std::string& path) const {
    // The latest mount at a path covers earlier ones.
    for (auto m = mounts_.rbegin(); m != mounts_.rend(); ++m)
        if (path_below(m->path, path)) return &*m;
    return nullptr;
}

struct container* KernelV7::lookup(const std::string& path) const {
    const Mount* m = mount_below(path);
    if (!m) return nullptr;
    struct container* c = const_cast<struct container*>(&rootnode[m->hierarchy].top_container);
    const auto parts = path_below(m->path, path);  // named: *temporary would dangle in the loop
    for (const std::string& p : *parts)
        if (!(c = Dcache::d_lookup(c, p))) return nullptr;
    return c;
}

KernelV7::Walk KernelV7::walk(const std::string& path) {
    dcache.path_lookup();
    Walk w;
    const Mount* m = mount_below(path);
    if (!m) return w;
    w.mnt = m->mnt;
    // mntget() in the same step as the walk that found the mount: it commutes
    // with every other walk's, and the count is read only by umount's step
    // (ordered against this one through the dcache) and by mntput steps.
    sim::atomic_inc_folded(w.mnt->mnt_count);
    w.c = lookup(path);
    return w;
}

// path_release(): the walk's dentry reference is the caller's dput(); the
// vfsmount reference goes here.
void KernelV7::path_release(const Walk& w) {
    if (w.mnt) mntput(w.mnt, core::lbl::path_release::mntput);
}

// fs/namespace.c mntput() -> __mntput(): the last reference (after an umount)
// frees the vfsmount and drops its super_block reference.
void KernelV7::mntput(vfsmount* mnt, const Label& l) {
    if (atomic_dec_and_test(mnt->mnt_count, l)) {
        super_block* sb = mnt->mnt_sb;
        kfree(mnt, core::lbl::__mntput::free_vfsmnt);
        deactivate_super(sb, core::lbl::__mntput::deactivate_super);
    }
}

std::string KernelV7::relpath(const struct container* c) const {
    // "CS1/CS2" below the hierarchy's top container; "" for the top itself.
    std::string s;
    for (; c && c != c->top_container; c = c->parent) s = s.empty() ? c->dname : c->dname + "/" + s;
    return s;
}

// A container as named under the first mount of its hierarchy (kept after an
// umount while the super_block lives).
std::string KernelV7::path_of(const struct container* c) const {
    if (c->hierarchy == 0) return "dummytop";  // never mounted
    std::string mount = mount_name_[c->hierarchy];
    if (mount.empty()) mount = fmt::format("(unmounted hierarchy {})", c->hierarchy);
    std::string r = relpath(c);
    return r.empty() ? mount : mount + "/" + r;
}

// "cg(CS2)": a group is named after its containers that are not a top
// container; a name already used by an earlier (freed) group gets "#2", "#3".
std::string KernelV7::group_name(const std::array<struct container*, MAX_HIER>& conts) const {
    std::string inside;
    for (int i = 1; i < MAX_HIER; i++) {
        const struct container* c = conts[i];
        if (!c || c == c->top_container) continue;
        inside += (inside.empty() ? "" : ",") + relpath(c);
    }
    std::string base = "cg(" + (inside.empty() ? std::string("top") : inside) + ")";
    std::string name = base;
    for (int n = 2;; ++n) {
        bool taken = std::any_of(all_groups_.begin(), all_groups_.end(),
                                 [&](const container_group* g) { return name == g->name(); });
        if (!taken) return name;
        name = fmt::format("{}#{}", base, n);
    }
}

// sys_mkdirat(): the path walk pins the parent's dentry; lookup_create()
// takes the parent's i_mutex and fails on a directory removed meanwhile.
int KernelV7::mkdir(const std::string& path) {
    auto slash = path.find_last_of('/');
    Walk w = walk(path.substr(0, slash));
    int ret = w.c ? mkdir_at(w.c, path.substr(slash + 1)) : -ENOENT;
    path_release(w);
    return ret;
}

int KernelV7::mkdir_at(struct container* parent, const std::string& name) {
    int ret;
    Dcache::dget(parent);
    mutex_lock(parent->i_mutex, core::lbl::sys_mkdirat::lock_parent_i_mutex);
    dcache.lookup_hash();
    if (parent->d_deleted)
        ret = -ENOENT;  // IS_DEADDIR
    else if (Dcache::d_lookup(parent, name))
        ret = -EEXIST;
    else
        ret = container_create(parent, name);  // vfs_mkdir() -> container_mkdir()
    mutex_unlock(parent->i_mutex, core::lbl::sys_mkdirat::unlock_parent_i_mutex);
    dput(parent);
    return ret;
}

// fs/namei.c do_rmdir() (2.6.20): the victim is looked up under its
// parent's i_mutex (mutex_lock_nested(..., I_MUTEX_PARENT)), and vfs_rmdir()
// holds the victim's i_mutex across container_rmdir(). The parent's lock is
// what container_clone() relies on "to stop anyone else deleting the new
// container" while it moves the task in. The final dput() frees the container.
int KernelV7::rmdir(const std::string& path) {
    Walk w = walk(path);
    int ret = !w.c ? -ENOENT : w.c == w.c->top_container ? -EBUSY  // the root of a mounted file system
                                                          : rmdir_at(w.c->parent, path.substr(path.find_last_of('/') + 1));
    path_release(w);
    return ret;
}

// The walk stopped at the parent (LOOKUP_PARENT); the victim is looked up under its i_mutex.
int KernelV7::rmdir_at(struct container* parent, const std::string& name) {
    Dcache::dget(parent);
    mutex_lock(parent->i_mutex, core::lbl::do_rmdir::lock_parent_i_mutex);
    dcache.lookup_hash();
    struct container* victim = parent->d_deleted ? nullptr : Dcache::d_lookup(parent, name);
    int ret = -ENOENT;
    if (victim) {
        Dcache::dget(victim);  // lookup_hash()'s reference
        mutex_lock(victim->i_mutex, core::lbl::vfs_rmdir::lock_i_mutex);
        ret = victim->d_deleted ? -ENOENT : container_rmdir(victim);
        mutex_unlock(victim->i_mutex, core::lbl::vfs_rmdir::unlock_i_mutex);
        dput(victim);
    }
    mutex_unlock(parent->i_mutex, core::lbl::do_rmdir::unlock_parent_i_mutex);
    dput(parent);
    return ret;
}

int KernelV7::attach(const std::string& dir, int pid) {
    Walk w = walk(dir);
    int ret = w.c ? container_file_write(w.c, &cft_tasks, std::to_string(pid)) : -ENOENT;
    path_release(w);
    return ret;
}

int KernelV7::write(const std::string& file, const std::string& value) {
    auto slash = file.find_last_of('/');
    Walk w = walk(file.substr(0, slash));
    int ret = -ENOENT;
    if (w.c) {
        std::string f = file.substr(slash + 1);
        for (const cftype* cft : w.c->files)
            if (cft->name == f) {
                ret = container_file_write(w.c, cft, value);
                break;
            }
    }
    path_release(w);
    return ret;
}

// --- after the run -----------------------------------------------------------

std::vector<NodeState> KernelV7::nodes() const {
    std::vector<NodeState> out;
    std::vector<int> done;
    // Hierarchies in the order they were first mounted, while their super_block lives.
    std::vector<int> order;
    for (const Mount& mt : mounts_)
        if (std::find(order.begin(), order.end(), mt.hierarchy) == order.end()) order.push_back(mt.hierarchy);
    for (int h = 1; h < MAX_HIER; ++h)
        if (!mount_name_[h].empty() && std::find(order.begin(), order.end(), h) == order.end()) order.push_back(h);
    for (int h : order) {
        if (std::find(done.begin(), done.end(), h) != done.end()) continue;
        done.push_back(h);
        std::vector<const struct container*> stack{&rootnode[h].top_container};
        while (!stack.empty()) {
            const struct container* c = stack.back();
            stack.pop_back();
            NodeState n{path_of(c), c->count.counter, {}};
            for (const task_struct* t : tasks_) {
                const container_group* cg = t->containers.peek();
                if (live(t) && cg && cg->container[h].peek() == c) n.tasks.push_back(t->pid);
            }
            if (c == c->top_container) {
                if (const super_block* sb = rootnode[h].sb.peek()) n.values["s_active"] = sb->s_active.counter;
                n.values["number_of_containers"] = rootnode[h].number_of_containers;
            }
            for (int j = 0; j < subsys_count; ++j) {
                const container_subsys_state* css = c->subsys[j].peek();
                if (css && !css->object->freed)
                    n.values[std::string("refcnt.") + subsys[j]->ss_name] = css->refcnt.counter;
            }
            for (int j = 0; j < subsys_count; ++j) {
                subsys[j]->final_values(c, n.values);
                subsys[j]->final_texts(c, n.texts);
            }
            out.push_back(n);
            for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) stack.push_back(*it);
        }
    }
    return out;
}

// Each live task's state as the active subsystems show it (cpuset: its
// cpus_allowed and mems_allowed), in task-creation order.
std::vector<TaskState> KernelV7::task_states() const {
    std::vector<TaskState> out;
    for (const task_struct* t : tasks_) {
        if (!live(t)) continue;
        TaskState s{t->pid, {}};
        for (int j = 0; j < subsys_count; ++j)
            if (subsys[j]->active) subsys[j]->task_texts(t, s.texts);
        if (!s.texts.empty()) out.push_back(s);
    }
    return out;
}

std::vector<GroupState> KernelV7::groups() const {
    std::vector<const container_group*> all{&init_container_group};
    all.insert(all.end(), all_groups_.begin(), all_groups_.end());
    std::vector<GroupState> out;
    for (const container_group* g : all) {
        GroupState s{g->name(), g->ref.refcount.counter, {}, g->freed};
        for (const task_struct* t : tasks_)
            if (live(t) && t->containers.peek() == g) s.tasks.push_back(t->pid);
        out.push_back(s);
    }
    return out;
}

int KernelV7::live_groups_using(const struct container* c) const {
    int n = 0;
    auto uses = [&](const container_group* g) {
        return !g->freed && g->container[c->hierarchy].peek() == c;
    };
    n += uses(&init_container_group);
    for (const container_group* g : all_groups_) n += uses(g);
    return n;
}

void KernelV7::check_invariants(std::vector<Finding>& out) const {
    // count: every container of every hierarchy (the dummy and unmounted ones
    // included) against the live groups that point at it.
    for (int h = 0; h < MAX_HIER; ++h) {
        std::vector<const struct container*> stack{&rootnode[h].top_container};
        while (!stack.empty()) {
            const struct container* c = stack.back();
            stack.pop_back();
            for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) stack.push_back(*it);
            if (c->freed) continue;
            int expected = live_groups_using(c);
            if (c->count.counter != expected)
                out.push_back({"count-mismatch",
                               fmt::format("BUG: count mismatch: {} count is {} but {} live container group{} use{} it",
                                           path_of(c), c->count.counter, expected, expected == 1 ? "" : "s",
                                           expected == 1 ? "s" : ""),
                               0, -1, {}, {}});
        }
    }
    // kref: every live group against the live tasks that point at it.
    std::vector<const container_group*> all{&init_container_group};
    all.insert(all.end(), all_groups_.begin(), all_groups_.end());
    for (const container_group* g : all) {
        if (g->freed) continue;
        int users = 0;
        for (const task_struct* t : tasks_)
            if (live(t) && t->containers.peek() == g) ++users;
        bool is_init = g == &init_container_group;
        // The static group's own reference, and those of tasks that exited in it.
        int expected = users + (is_init ? 1 + exited_in_init_ : 0);
        std::string extra;
        if (is_init)
            extra = exited_in_init_ ? fmt::format(" (+1 for its static reference, +{} kept by task{} that exited in it)",
                                                  exited_in_init_, exited_in_init_ == 1 ? "" : "s")
                                    : " (+1 for its static reference)";
        if (g->ref.refcount.counter != expected)
            out.push_back({"kref-mismatch",
                           fmt::format("BUG: kref mismatch: {}->ref is {} but {} live task{} use{} it{}", g->name(),
                                       g->ref.refcount.counter, users, users == 1 ? "" : "s", users == 1 ? "s" : "",
                                       extra),
                           0, -1, {}, {}});
        for (int i = 0; i < MAX_HIER; ++i) {
            const struct container* c = g->container[i].peek();
            if (c && c->freed)
                out.push_back({"dangling-pointer",
                               fmt::format("BUG: dangling pointer: live {}->container[{}] points at freed {}",
                                           g->name(), i, c->name()),
                               0, -1, {}, {}});
        }
    }
    for (const task_struct* t : tasks_) {
        const container_group* cg = t->containers.peek();
        if (live(t) && cg && cg->freed)
            out.push_back({"dangling-pointer",
                           fmt::format("BUG: dangling pointer: live task {} (pid {}) ->containers points at freed {}",
                                       t->name(), t->pid, cg->name()),
                           0, -1, {}, {}});
    }    check_refcounts(out);
    for (int i = 0; i < subsys_count; i++) subsys[i]->check_invariants(out);
}

// What live state reaches: the tasks still findable, their groups and what
// the groups point at, and every hierarchy's tree with its subsystem states.
// The list through init_container_group is not a reference: a group only on
// the list (no task uses it) is leaked.
void KernelV7::reachable(std::set<const Object*>& out) const {
    auto add_css = [&](const container_subsys_state* css) {
        if (css && css->object) out.insert(css->object);
    };
    auto add_group = [&](const container_group* cg) {
        out.insert(cg);
        for (int i = 0; i < MAX_HIER; ++i)
            if (cg->container[i].peek()) out.insert(cg->container[i].peek());
        for (int j = 0; j < CONFIG_MAX_CONTAINER_SUBSYS; ++j) add_css(cg->subsys[j].peek());
    };
    add_group(&init_container_group);
    for (const task_struct* t : tasks_)
        if (t->hashed) {
            out.insert(t);
            if (t->containers.peek()) add_group(t->containers.peek());
            if (t->mm.peek()) out.insert(t->mm.peek());
        }
    for (int h = 0; h < MAX_HIER; ++h) {
        if (rootnode[h].sb.peek()) out.insert(rootnode[h].sb.peek());
        std::vector<const struct container*> stack{&rootnode[h].top_container};
        while (!stack.empty()) {
            const struct container* c = stack.back();
            stack.pop_back();
            out.insert(c);
            for (int j = 0; j < CONFIG_MAX_CONTAINER_SUBSYS; ++j) add_css(c->subsys[j].peek());
            for (const struct container* k : c->children) stack.push_back(k);
        }
    }
    for (const auto& ss : builtin_subsys_) ss->reachable(out);
    for (const auto& [name, f] : files_) out.insert(f);
    // An open control file's directory (removed or not), vfsmount and buffers.
    for (const auto& [name, oc] : control_) {
        out.insert(oc.cont);
        if (oc.mnt) out.insert(oc.mnt);
        if (oc.ctr) out.insert(oc.ctr);
        if (oc.buf) out.insert(oc.buf);
    }
    for (const Mount& mt : mounts_) out.insert(mt.mnt);
}

}  // namespace core::v7

namespace core::v7 {

container_subsys* KernelV7::subsys_by_name(const std::string& name) const {
    for (int i = 0; i < subsys_count; i++)
        if (name == subsys[i]->ss_name) return subsys[i];
    return nullptr;
}

}  // namespace core::v7
