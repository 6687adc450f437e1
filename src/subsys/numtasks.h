// Resource Groups' numtasks controller, V7 patch 5/7 (text: V6 5/6,
// kernel/res_group/numtasks.c): a per-container limit on the number of tasks.
// numtasks_allow_fork() checks the limit before copy_process() but charges
// nothing; the charge is the fork callback's move_task(NULL -> shares). A
// container that goes over what it may hold itself borrows from its parent.
#pragma once
#include <climits>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/v7/container.h"
#include "core/v7/file.h"
#include "sim/kernel/atomic.h"
#include "subsys/res_group.h"

#define CONTSIM_V7_NUMTASKS_LABELS(X)                                                                           \
    X(numtasks_alloc_shares_struct, kzalloc_numtasks, "res = kzalloc(sizeof(struct numtasks), GFP_KERNEL);")    \
    X(numtasks_alloc_shares_struct, write_root_rgroup, "root_rgroup = rgroup; /* store root's resource group */") \
    X(numtasks_free_shares_struct, read_rgroup, "rgroup = numtasks_rgroup(res); /* res->shares.css.container */") \
    X(numtasks_free_shares_struct, read_parres, "parres = get_numtasks(rgroup->parent);")                      \
    X(numtasks_free_shares_struct, read_borrowed, "borrowed = atomic_read(&res->cnt_borrowed);")               \
    X(numtasks_free_shares_struct, kfree_numtasks, "kfree(res);")                                              \
    X(numtasks_allow_fork, rcu_read_lock, "rcu_read_lock();")                                                  \
    X(numtasks_allow_fork, read_res, "res = get_numtasks(task_container(task, &numtasks_ctlr.subsys));")       \
    X(numtasks_allow_fork, read_max_dont_care, "if (res->cnt_max_shares == SHARE_DONT_CARE)")                  \
    X(numtasks_allow_fork, read_cur_alloc, "if (atomic_read(&res->cnt_cur_alloc) >= res->cnt_max_shares) /* cur */") \
    X(numtasks_allow_fork, read_max, "if (atomic_read(&res->cnt_cur_alloc) >= res->cnt_max_shares) /* max */")  \
    X(numtasks_allow_fork, read_failures, "res->failures++; /* read */")                                       \
    X(numtasks_allow_fork, write_failures, "res->failures++; /* write */")                                     \
    X(numtasks_allow_fork, rcu_read_unlock, "rcu_read_unlock();")                                              \
    X(check_forkrate, read_period_start, "time_after(jiffies, res->period_start + forkrate_interval * HZ) /* period_start */") \
    X(check_forkrate, read_forkrate_interval, "time_after(jiffies, res->period_start + forkrate_interval * HZ) /* interval */") \
    X(check_forkrate, write_period_start, "res->period_start = jiffies;")                                      \
    X(check_forkrate, write_forks_in_period_reset, "res->forks_in_period = 0;")                                \
    X(check_forkrate, read_forks_in_period, "if (res->forks_in_period >= forkrate) /* forks_in_period */")      \
    X(check_forkrate, read_forkrate, "if (res->forks_in_period >= forkrate) /* forkrate */")                    \
    X(check_forkrate, read_forkrate_failures, "res->forkrate_failures++; /* read */")                          \
    X(check_forkrate, write_forkrate_failures, "res->forkrate_failures++; /* write */")                        \
    X(check_forkrate, write_forks_in_period, "res->forks_in_period++;")                                        \
    X(inc_usage_count, read_rgroup, "struct resource_group *rgroup = numtasks_rgroup(res);")                   \
    X(inc_usage_count, inc_cur_alloc, "atomic_inc(&res->cnt_cur_alloc);")                                      \
    X(inc_usage_count, read_cnt_unused, "if ((res->cnt_unused == SHARE_DONT_CARE) || (... > res->cnt_unused))") \
    X(inc_usage_count, read_cur_alloc, "(atomic_read(&res->cnt_cur_alloc) > res->cnt_unused)")                 \
    X(inc_usage_count, read_parent_res, "inc_usage_count(get_numtasks(rgroup->parent));")                     \
    X(inc_usage_count, inc_borrowed, "atomic_inc(&res->cnt_borrowed);")                                        \
    X(inc_usage_count, read_total_cnt_alloc, "total_cnt_alloc++; /* read */")                                  \
    X(inc_usage_count, write_total_cnt_alloc, "total_cnt_alloc++; /* write */")                                \
    X(inc_usage_count, read_successes, "res->successes++; /* read */")                                         \
    X(inc_usage_count, write_successes, "res->successes++; /* write */")                                       \
    X(dec_usage_count, read_cur_alloc, "if (atomic_read(&res->cnt_cur_alloc) == 0) return;")                   \
    X(dec_usage_count, dec_cur_alloc, "atomic_dec(&res->cnt_cur_alloc);")                                      \
    X(dec_usage_count, read_borrowed, "if (atomic_read(&res->cnt_borrowed) > 0)")                              \
    X(dec_usage_count, dec_borrowed, "atomic_dec(&res->cnt_borrowed);")                                        \
    X(dec_usage_count, read_rgroup, "dec_usage_count(get_numtasks(numtasks_rgroup(res)->parent)); /* rgroup */") \
    X(dec_usage_count, read_parent_res, "dec_usage_count(get_numtasks(numtasks_rgroup(res)->parent));")        \
    X(dec_usage_count, read_total_cnt_alloc, "total_cnt_alloc--; /* read */")                                  \
    X(dec_usage_count, write_total_cnt_alloc, "total_cnt_alloc--; /* write */")                                \
    X(recalc_self, read_self, "recalc_shares(self->min_shares / self->max_shares, ...)")                       \
    X(recalc_self, read_parent, "recalc_shares(..., parres->cnt_min_shares / cnt_max_shares, par->child_shares_divisor)") \
    X(recalc_self, write_cnt_min_shares, "res->cnt_min_shares = recalc_shares(...);")                          \
    X(recalc_self, write_cnt_max_shares, "res->cnt_max_shares = recalc_shares(...);")                          \
    X(recalc_self, read_for_unused, "recalc_unused_shares(res->cnt_min_shares, self->unused_min_shares, self->child_shares_divisor)") \
    X(recalc_self, write_cnt_unused, "res->cnt_unused = recalc_unused_shares(...);")                           \
    X(recalc_and_propagate, read_rgroup, "for_each_child(child, numtasks_rgroup(res))")                         \
    X(recalc_and_propagate, read_childres, "childres = get_numtasks(child);")                                  \
    X(numtasks_shares_changed, read_rgroup, "rgroup = numtasks_rgroup(res);")                                  \
    X(numtasks_shares_changed, read_parres, "parres = get_numtasks(rgroup->parent);")                          \
    X(numtasks_shares_changed, read_parent, "recalc_unused_shares(parres->cnt_min_shares, par->unused_min_shares, par->child_shares_divisor)") \
    X(numtasks_shares_changed, write_parent_cnt_unused, "parres->cnt_unused = recalc_unused_shares(...);")     \
    X(numtasks_show_stats, read_stats, "snprintf(..., atomic_read(&res->cnt_cur_alloc) / res->successes / ...)") \
    X(set_numtasks_config_val, write_var, "param_set_int(val, kp); /* *var = l */")                            \
    X(set_numtasks_config_val, read_var, "if (*var < 1)")                                                     \
    X(set_numtasks_config_val, restore_var, "*var = old_value;")                                              \
    X(set_total_numtasks, read_prev, "int prev = total_numtasks;")                                            \
    X(set_total_numtasks, read_root_rgroup, "if (!root_rgroup)")                                               \
    X(set_total_numtasks, read_total, "if (total_numtasks <= total_cnt_alloc)")                                \
    X(set_total_numtasks, restore_total, "total_numtasks = prev;")                                             \
    X(set_total_numtasks, lock_callback_mutex, "container_lock();")                                            \
    X(set_total_numtasks, read_res, "res = get_numtasks(root_rgroup);")                                        \
    X(set_total_numtasks, write_cnt, "res->cnt_min_shares = res->cnt_unused = res->cnt_max_shares = total_numtasks;") \
    X(set_total_numtasks, unlock_callback_mutex, "container_unlock();")                                        \
    X(set_forkrate, read_prev, "int prev = forkrate; /* or forkrate_interval */")                              \
    X(set_forkrate, lock_callback_mutex, "container_lock();")                                                  \
    X(set_forkrate, read_root_rgroup, "reset_forkrates(root_rgroup, jiffies);")                                \
    X(set_forkrate, unlock_callback_mutex, "container_unlock();")                                              \
    X(reset_forkrates, read_res, "res = get_numtasks(rgroup);")                                                \
    X(reset_forkrates, write_forks_in_period, "res->forks_in_period = 0;")                                     \
    X(reset_forkrates, write_period_start, "res->period_start = now;")

namespace subsys::lbl {
CONTSIM_V7_NUMTASKS_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace subsys {

// struct numtasks. The cnt_* limits are "protected by resource group's
// group_lock", commented out in this port: written under callback_mutex
// (set_total_numtasks) or manage_mutex alone (shares_changed), read under RCU
// alone (numtasks_allow_fork). The stats are plain ints bumped unlocked.
struct numtasks : res_shares_object {
    explicit numtasks(const std::string& name);
    sim::Shared<int> cnt_min_shares;  // num_tasks min_shares in local units
    sim::Shared<int> cnt_unused;      // has to borrow if more than this is needed
    sim::Shared<int> cnt_max_shares;  // no tasks over this limit
    sim::atomic_t cnt_cur_alloc;      // current alloc from self
    sim::atomic_t cnt_borrowed;       // borrowed from the parent
    sim::Shared<int> successes;
    sim::Shared<int> failures;
    sim::Shared<int> forkrate_failures;
    sim::Shared<int> forks_in_period;
    sim::Shared<unsigned long> period_start;
};

// `numtasks_ctlr` and the statics of numtasks.c, one instance per modelled kernel.
class numtasks_subsys_t : public res_controller {
public:
    explicit numtasks_subsys_t(core::v7::KernelV7& k);
    std::vector<const sim::Label*> labels() const override;
    // charge-mismatch: a group's cnt_cur_alloc against its live tasks plus
    // what its children borrowed, cnt_borrowed against cnt_cur_alloc,
    // total_cnt_alloc against the units the groups hold themselves; and
    // charge-underflow: each time dec_usage_count()'s clamp hid an underflow;
    // over-limit: each fork charged past its group's cnt_max_shares.
    void check_invariants(std::vector<sim::Finding>& out) const override;
    // "numtasks.cnt_cur_alloc" (tasks charged), "numtasks.cnt_max_shares"
    // (the limit), "numtasks.cnt_borrowed", "numtasks.successes",
    // "numtasks.failures": struct numtasks, as numtasks.stats reports it.
    void final_values(const container* cont, std::map<std::string, long>& out) const override;

    // numtasks_allow_fork(): called from do_fork() before copy_process(); 0 or -errno.
    int numtasks_allow_fork(task_struct* task);

    // The module parameters (/sys/module/numtasks/parameters/*): 0 or -errno.
    int set_total_numtasks(const std::string& val);
    int set_forkrate(const std::string& val);
    int set_forkrate_interval(const std::string& val);

    // jiffies, for the forkrate window: a model counter that only this call
    // moves (no wall clock; not a step). Starts at 0, not INITIAL_JIFFIES.
    void advance_jiffies(unsigned long n) { jiffies += n; }

    // Model lookups for tests and checks (not steps).
    const std::vector<numtasks*>& all_numtasks() const { return all_; }
    int total_cnt_alloc_value() const { return total_cnt_alloc.peek(); }

    res_shares* alloc_shares_struct(container* rgroup) override;
    void free_shares_struct(res_shares* my_res) override;
    void shares_changed(res_shares* my_res) override;
    int show_stats(res_shares* my_res, std::string& buf) override;
    void move_task(task_struct* task, res_shares* old, res_shares* neww) override;

private:
    static numtasks* get_shares_numtasks(res_shares* shares);
    numtasks* get_numtasks(container* rgroup, const sim::Label& l);
    container* numtasks_rgroup(numtasks* nt, const sim::Label& l) { return nt->shares.css.container.read(l); }
    int check_forkrate(numtasks* res);
    void inc_usage_count(numtasks* res);
    void dec_usage_count(numtasks* res, const task_struct* task);
    void recalc_self(numtasks* res, numtasks* parres);
    void recalc_and_propagate(numtasks* res, numtasks* parres);
    int set_numtasks_config_val(sim::Shared<int>& var, int old_value, const std::string& val);
    int set_forkrate_common(sim::Shared<int>& var, const std::string& val);
    void reset_forkrates(container* rgroup, unsigned long now);

    sim::Shared<int> total_numtasks;        // module parameter, DEF_TOTAL_NUM_TASKS = INT_MAX
    sim::Shared<container*> root_rgroup;    // set by alloc_shares_struct for a root: dummytop
    sim::Shared<int> total_cnt_alloc;       // unlocked ++/--: callback_mutex or manage_mutex only
    sim::Shared<int> forkrate;              // module parameter, DEF_FORKRATE = INT_MAX
    sim::Shared<int> forkrate_interval;     // module parameter, seconds
    unsigned long jiffies = 0;

    // Model bookkeeping: every numtasks ever allocated, the hidden underflows, the forks over a limit.
    std::vector<numtasks*> all_;
    std::vector<std::string> underflows_;
    std::vector<std::string> over_limit_;
};

}  // namespace subsys
