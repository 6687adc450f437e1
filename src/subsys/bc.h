// BeanCounters over generic process containers, V7 patch 6/7 (text: V6 6/6,
// kernel/bc/beancounter.c, kernel/bc/misc.c, include/bc/beancounter.h): a
// struct beancounter embeds its css; only the numfiles resource is real (the
// four others keep bc_dummy_res: MAXVALUE parms, no files). A charged file
// pins its bc's css for its whole life (css_get_current in bc_file_charge,
// css_put in bc_file_uncharge): the one V7 subsystem that makes rmdir's css
// refcnt check matter. Registered by adding it to KernelV7's builtin_subsys_.
#pragma once
#include <array>
#include <climits>
#include <functional>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/v7/container.h"
#include "core/v7/file.h"
#include "sim/kernel/spinlock.h"

#define CONTSIM_V7_BC_LABELS(X)                                                                                 \
    X(bc_create, write_cont_subsys_top, "set_container_bc(cont, &init_bc); /* early init */")                  \
    X(bc_create, write_css_container_top, "init_bc.css.container = cont;")                                     \
    X(bc_create, kmem_cache_alloc, "new_bc = kmem_cache_alloc(bc_cache, GFP_KERNEL);")                         \
    X(bc_create, kmem_cache_free, "kmem_cache_free(bc_cache, new_bc); /* bcr_init failed */")                  \
    X(bc_destroy, read_css, "struct beancounter *bc = container_bc(cont);")                                   \
    X(bc_destroy, kmem_cache_free, "kmem_cache_free(bc_cache, bc);")                                           \
    X(bc_charge, spin_lock, "spin_lock_irqsave(&bc->bc_lock, flags);")                                         \
    X(bc_charge, spin_unlock, "spin_unlock_irqrestore(&bc->bc_lock, flags);")                                  \
    X(bc_charge_locked, read_held, "new_held = parm->held + val;")                                             \
    X(bc_charge_locked, read_limit, "if (new_held > parm->limit) /* BC_LIMIT */")                              \
    X(bc_charge_locked, read_barrier, "if (new_held > parm->barrier)")                                         \
    X(bc_charge_locked, write_held, "parm->held = new_held;")                                                  \
    X(bc_charge_locked, read_maxheld, "if (parm->maxheld < parm->held) /* bc_adjust_maxheld */")               \
    X(bc_charge_locked, write_maxheld, "parm->maxheld = parm->held; /* bc_adjust_maxheld */")                  \
    X(bc_charge_locked, read_failcnt, "parm->failcnt++; /* read */")                                           \
    X(bc_charge_locked, write_failcnt, "parm->failcnt++; /* write */")                                         \
    X(bc_uncharge, spin_lock, "spin_lock_irqsave(&bc->bc_lock, flags);")                                       \
    X(bc_uncharge, spin_unlock, "spin_unlock_irqrestore(&bc->bc_lock, flags);")                                \
    X(bc_uncharge_locked, read_held, "if (unlikely(val > parm->held))")                                        \
    X(bc_uncharge_locked, write_held, "parm->held -= val;")                                                    \
    X(bc_uncharge_locked, read_minheld, "if (parm->minheld > parm->held) /* bc_adjust_minheld */")             \
    X(bc_uncharge_locked, write_minheld, "parm->minheld = parm->held; /* bc_adjust_minheld */")                \
    X(bc_change_param, spin_lock, "spin_lock_irq(&bc->bc_lock);")                                              \
    X(bc_change_param, write_barrier, "bc->bc_parms[res].barrier = bar;")                                      \
    X(bc_change_param, write_limit, "bc->bc_parms[res].limit = lim;")                                          \
    X(bc_change_param, spin_unlock, "spin_unlock_irq(&bc->bc_lock);")                                          \
    X(bc_resource_show, read_css, "struct beancounter *bc = container_bc(cont);")                              \
    X(bc_resource_show, get_free_page, "if (!(page = (char *)__get_free_page(GFP_KERNEL)))")                    \
    X(bc_resource_show, read_parm, "s += sprintf(page, \"%lu\\n\", bc->bc_parms[res->res_id].<attr>);")        \
    X(bc_resource_show, free_page, "free_page((unsigned long) page);")                                         \
    X(bc_resource_store, read_css, "struct beancounter *bc = container_bc(cont);")                             \
    X(bc_resource_store, lock_manage_mutex, "container_manage_lock();")                                        \
    X(bc_resource_store, test_removed, "if (container_is_removed(cont))")                                      \
    X(bc_resource_store, read_limit, "bc_change_param(bc, res->res_id, val, bc->bc_parms[res->res_id].limit);") \
    X(bc_resource_store, read_barrier, "bc_change_param(bc, res->res_id, bc->bc_parms[res->res_id].barrier, val);") \
    X(bc_resource_store, unlock_manage_mutex, "container_manage_unlock();")                                    \
    X(bc_file_charge, task_lock, "task_lock(current);")                                                        \
    X(bc_file_charge, read_css, "bc = task_bc(current); /* container_bc(): cont->subsys[id] */")                \
    X(bc_file_charge, task_unlock, "task_unlock(current);")                                                    \
    X(bc_file_charge, write_f_bc, "file->f_bc = bc;")                                                         \
    X(bc_file_uncharge, read_f_bc, "bc = file->f_bc;")

namespace subsys::lbl {
CONTSIM_V7_BC_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace subsys {

using core::task_struct;
using core::v7::cftype;
using core::v7::container;
using core::v7::container_subsys_state;

// include/bc/beancounter.h
enum { BC_KMEMSIZE, BC_PRIVVMPAGES, BC_PHYSPAGES, BC_NUMTASKS, BC_NUMFILES, BC_RESOURCES };
enum bc_severity { BC_BARRIER, BC_LIMIT, BC_FORCE };
enum bc_attr_index { BC_RES_HELD, BC_RES_MAXHELD, BC_RES_MINHELD, BC_RES_BARRIER, BC_RES_LIMIT, BC_RES_FAILCNT, BC_ATTRS };
constexpr unsigned long BC_MAXVALUE = static_cast<unsigned long>(LONG_MAX);
// kernel/bc/misc.c
constexpr unsigned long BC_NUMFILES_BARRIER = 256;
constexpr unsigned long BC_NUMFILES_LIMIT = 512;

struct beancounter;

// struct bc_resource_parm: every field LL=bc_lock when written (the show
// path reads them without it, as posted).
struct bc_resource_parm {
    bc_resource_parm(sim::Object* bc, int res);
    sim::Shared<unsigned long> barrier, limit, held, minheld, maxheld, failcnt;
};

struct beancounter : sim::Object {
    explicit beancounter(const std::string& name);
    container_subsys_state css;  // first member, as in the C
    sim::spinlock_t bc_lock;
    std::array<bc_resource_parm, BC_RESOURCES> bc_parms;
};

// struct bc_resource: the callbacks 6/6 uses (bcr_change, bcr_barrier_hit,
// bcr_limit_hit and bcr_fini are NULL for both resources it defines).
struct bc_resource {
    std::string bcr_name;
    int res_id = -1;
    std::function<int(beancounter* bc, int res)> bcr_init;  // not a step: bc is not visible yet
    std::array<cftype, BC_ATTRS> cft_attrs;                 // empty names: no file (bc_dummy_res)
};

// The static `bc_subsys` and the statics of kernel/bc/*.c, one instance per
// modelled kernel.
class bc_subsys_t : public core::v7::container_subsys {
public:
    explicit bc_subsys_t(core::v7::KernelV7& k);
    int create(container* cont) override;
    void destroy(container* cont) override;
    int populate(container* cont) override;
    std::vector<const sim::Label*> labels() const override;
    void reachable(std::set<const sim::Object*>& out) const override;
    // css.refcnt and bc_parms[BC_NUMFILES].held of every live beancounter
    // against the open files charged to it (count-mismatch).
    void check_invariants(std::vector<sim::Finding>& out) const override;
    // "bc.<resource>.<attr>" for each registered resource: the files' values.
    void final_values(const container* cont, std::map<std::string, long>& out) const override;

    // bc_file_charge(): from get_empty_filp() (the `open` op); 0 or -EMFILE.
    int bc_file_charge(core::v7::file* f);
    // bc_file_uncharge(): from file_free() (the `close` op).
    void bc_file_uncharge(core::v7::file* f);

    // kernel/bc/beancounter.c, exported.
    int bc_change_param(beancounter* bc, int res, unsigned long bar, unsigned long lim);
    int bc_charge(beancounter* bc, int res, unsigned long val, int strict);
    void bc_uncharge(beancounter* bc, int res, unsigned long val);

    beancounter init_bc;
    // Model: what printk() printed, in order ("BC: Uncharging too much ...").
    const std::vector<std::string>& console() const { return console_; }

private:
    beancounter* container_bc(container* cont, const sim::Label& l);
    beancounter* task_bc(task_struct* task, const sim::Label& l);
    void set_container_bc(container* cont, beancounter* bc, const sim::Label* l);
    int bc_charge_locked(beancounter* bc, int res, unsigned long val, int strict);
    void bc_uncharge_locked(beancounter* bc, int res, unsigned long val);
    void bc_register_resource(int res_id, bc_resource* br);
    void bc_init_early();
    int bc_resource_show(container* cont, const cftype* cft, std::string& out);
    int bc_resource_store(container* cont, const cftype* cft, const std::string& buf);
    bc_resource* resource_of(const cftype* cft) const;  // container_of(cft, struct bc_resource, cft_attrs[idx])

    bc_resource bc_dummy_res;
    bc_resource bc_files_resource;
    std::array<bc_resource*, BC_RESOURCES> bc_resources{};
    // Model bookkeeping, not kernel state: every beancounter kmem_cache_alloc'ed
    // (live or freed) and every file charged and not yet uncharged.
    std::vector<beancounter*> all_bcs_;
    std::vector<core::v7::file*> charged_;
    std::vector<std::string> console_;
};

}  // namespace subsys
