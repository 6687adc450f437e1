#include "subsys/numtasks.h"

#include <cerrno>

#include <fmt/format.h>

#include "core/task.h"
#include "sim/kernel/mutex.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/slab.h"

namespace subsys {

using namespace sim;
using core::v7::KernelV7;

namespace {
constexpr int UNLIMITED = INT_MAX;
constexpr unsigned long NUMTASKS_HZ = 250;  // CONFIG_HZ (i386 default)

// time_after(a, b): a is later than b, wrap-safe.
bool time_after(unsigned long a, unsigned long b) { return static_cast<long>(b - a) < 0; }

int recalc_shares(int self_shares, int parent_shares, int parent_divisor) {
    if (self_shares == SHARE_DONT_CARE || parent_shares == SHARE_DONT_CARE) return SHARE_DONT_CARE;
    if (parent_divisor == 0) return 0;
    unsigned long long numerator = static_cast<unsigned long long>(self_shares) * parent_shares;
    return static_cast<int>(numerator / parent_divisor);  // do_div
}

int recalc_unused_shares(int self_cnt_min_shares, int self_unused_min_shares, int self_divisor) {
    if (self_cnt_min_shares == SHARE_DONT_CARE) return SHARE_DONT_CARE;
    if (self_divisor == 0) return 0;
    unsigned long long numerator = static_cast<unsigned long long>(self_unused_min_shares) * self_cnt_min_shares;
    return static_cast<int>(numerator / self_divisor);
}

// x++ on a plain int: a read and a write, so concurrent bumps can be lost.
void bump(Shared<int>& v, int by, const Label& rd, const Label& wr) { v.write(v.read(rd) + by, wr); }
}  // namespace

numtasks::numtasks(const std::string& name)
    : res_shares_object("numtasks"),
      cnt_min_shares(this, "cnt_min_shares", 0),
      cnt_unused(this, "cnt_unused", 0),
      cnt_max_shares(this, "cnt_max_shares", 0),
      cnt_cur_alloc(this, "cnt_cur_alloc", true, 0),
      cnt_borrowed(this, "cnt_borrowed", true, 0),
      successes(this, "successes", 0),
      failures(this, "failures", 0),
      forkrate_failures(this, "forkrate_failures", 0),
      forks_in_period(this, "forks_in_period", 0),
      period_start(this, "period_start", 0) {
    set_name(name);
    shares.css.set_name(name);
}

numtasks_subsys_t::numtasks_subsys_t(KernelV7& k)
    : res_controller(k, "numtasks", OP_SHARES_CHANGED | OP_SHOW_STATS | OP_MOVE_TASK),  // no reset_stats
      total_numtasks(&global_object(), "total_numtasks", UNLIMITED),
      root_rgroup(&global_object(), "root_rgroup", nullptr),
      total_cnt_alloc(&global_object(), "total_cnt_alloc", 0),
      forkrate(&global_object(), "forkrate", UNLIMITED),
      forkrate_interval(&global_object(), "forkrate_interval", 1) {}

std::vector<const Label*> numtasks_subsys_t::labels() const {
    std::vector<const Label*> v;
    {
        using namespace subsys::lbl;
        v = {CONTSIM_V7_RES_GROUP_LABELS(CONTSIM_LIST_LABEL)};
    }
    using namespace subsys::lbl;
    std::vector<const Label*> n{CONTSIM_V7_NUMTASKS_LABELS(CONTSIM_LIST_LABEL)};
    v.insert(v.end(), n.begin(), n.end());
    return v;
}

numtasks* numtasks_subsys_t::get_shares_numtasks(res_shares* shares) {
    if (!shares) return nullptr;
    return static_cast<numtasks*>(shares->css.object);  // container_of(shares, struct numtasks, shares)
}

numtasks* numtasks_subsys_t::get_numtasks(container* rgroup, const Label& l) {
    return get_shares_numtasks(get_controller_shares(rgroup, l));
}

// --- admission -----------------------------------------------------------------

int numtasks_subsys_t::check_forkrate(numtasks* res) {
    namespace yp = lbl::check_forkrate;
    unsigned long start = res->period_start.read(yp::read_period_start);
    int interval = forkrate_interval.read(yp::read_forkrate_interval);
    if (time_after(jiffies, start + static_cast<unsigned long>(interval) * NUMTASKS_HZ)) {
        res->period_start.write(jiffies, yp::write_period_start);
        res->forks_in_period.write(0, yp::write_forks_in_period_reset);
    }
    if (res->forks_in_period.read(yp::read_forks_in_period) >= forkrate.read(yp::read_forkrate)) {
        bump(res->forkrate_failures, 1, yp::read_forkrate_failures, yp::write_forkrate_failures);
        return -ENOSPC;
    }
    bump(res->forks_in_period, 1, yp::read_forks_in_period, yp::write_forks_in_period);
    return 0;
}

// Checks, does not charge: the charge is the fork callback, after
// copy_process(). Nothing is held between the two but this RCU section.
int numtasks_subsys_t::numtasks_allow_fork(task_struct* task) {
    namespace yp = lbl::numtasks_allow_fork;
    int rc = 0;
    numtasks* res;

    /* task->container won't be deleted during an RCU critical section */
    rcu_read_lock(yp::rcu_read_lock);
    /* controller is not registered; no resource group is given */
    if (ctlr_id() == NO_RES_ID) goto out;
    res = get_numtasks(kernel.task_container(task, this), yp::read_res);
    /* numtasks not available for this resource group */
    if (!res) goto out;
    /* Check forkrate before checking resource group's usage */
    rc = check_forkrate(res);
    if (rc) goto out;
    if (res->cnt_max_shares.read(yp::read_max_dont_care) == SHARE_DONT_CARE) goto out;
    /* Over the limit ? */
    if (atomic_read(res->cnt_cur_alloc, yp::read_cur_alloc) >= res->cnt_max_shares.read(yp::read_max)) {
        bump(res->failures, 1, yp::read_failures, yp::write_failures);
        rc = -ENOSPC;
        goto out;
    }
out:
    rcu_read_unlock(yp::rcu_read_unlock);
    return rc;
}

// --- charging ------------------------------------------------------------------

void numtasks_subsys_t::inc_usage_count(numtasks* res) {
    namespace yp = lbl::inc_usage_count;
    container* rgroup = numtasks_rgroup(res, yp::read_rgroup);
    atomic_inc(res->cnt_cur_alloc, yp::inc_cur_alloc);

    if (!rgroup->parent) {  // is_res_group_root(rgroup)
        bump(total_cnt_alloc, 1, yp::read_total_cnt_alloc, yp::write_total_cnt_alloc);
        bump(res->successes, 1, yp::read_successes, yp::write_successes);
        return;
    }
    /* Do we need to borrow from our parent ? */
    int unused = res->cnt_unused.read(yp::read_cnt_unused);
    if (unused == SHARE_DONT_CARE || atomic_read(res->cnt_cur_alloc, yp::read_cur_alloc) > unused) {
        inc_usage_count(get_numtasks(rgroup->parent, yp::read_parent_res));
        atomic_inc(res->cnt_borrowed, yp::inc_borrowed);
    } else {
        bump(total_cnt_alloc, 1, yp::read_total_cnt_alloc, yp::write_total_cnt_alloc);
        bump(res->successes, 1, yp::read_successes, yp::write_successes);
    }
}

// A count already at 0 is left alone: the clamp hides an underflow, which the
// model records (charge-underflow) for the end-of-run check.
void numtasks_subsys_t::dec_usage_count(numtasks* res, const task_struct* task) {
    namespace yp = lbl::dec_usage_count;
    if (atomic_read(res->cnt_cur_alloc, yp::read_cur_alloc) == 0) {
        Machine& m = Machine::current();
        underflows_.push_back(fmt::format(
            "BUG: charge underflow hidden: dec_usage_count() found {}->cnt_cur_alloc already 0 at step {} ({}, {}) "
            "and returned without a decrement",
            res->name(), m.step(), m.who(m.run_serial(), m.cpu()),
            task ? fmt::format("moving {} (pid {}) out", task->comm, task->pid)
                 : std::string("returning a freed group's borrowed units")));
        return;
    }
    atomic_dec(res->cnt_cur_alloc, yp::dec_cur_alloc);
    if (atomic_read(res->cnt_borrowed, yp::read_borrowed) > 0) {
        atomic_dec(res->cnt_borrowed, yp::dec_borrowed);
        dec_usage_count(get_numtasks(numtasks_rgroup(res, yp::read_rgroup)->parent, yp::read_parent_res), task);
    } else {
        bump(total_cnt_alloc, -1, yp::read_total_cnt_alloc, yp::write_total_cnt_alloc);
    }
}

// NULL old: fork; NULL new: exit. Under callback_mutex (the fork, exit and attach callbacks).
void numtasks_subsys_t::move_task(task_struct* task, res_shares* old, res_shares* neww) {
    if (old == neww) return;
    /* Decrement usage count of old resource group */
    if (numtasks* oldres = get_shares_numtasks(old)) dec_usage_count(oldres, task);
    /* Increment usage count of new resource group */
    numtasks* newres = get_shares_numtasks(neww);
    if (newres) inc_usage_count(newres);

    // Model check: a fork (old == NULL) admitted by numtasks_allow_fork() but
    // charged past the group's limit, because nothing ties the check to this charge.
    if (!old && newres) {
        int max = newres->cnt_max_shares.peek(), cur = newres->cnt_cur_alloc.counter;
        if (max != SHARE_DONT_CARE && cur > max) {
            Machine& m = Machine::current();
            over_limit_.push_back(fmt::format("BUG: over limit: the fork of {} (pid {}) at step {} ({}) charged {} to {}, "
                                              "over its cnt_max_shares of {}",
                                              task->comm, task->pid, m.step(), m.who(m.run_serial(), m.cpu()),
                                              newres->name(), cur, max));
        }
    }
}

// --- the shares struct ---------------------------------------------------------

res_shares* numtasks_subsys_t::alloc_shares_struct(container* rgroup) {
    namespace yp = lbl::numtasks_alloc_shares_struct;
    auto* res = kzalloc<numtasks>(yp::kzalloc_numtasks, GFP_KERNEL,
                                  rgroup->parent ? "numtasks(" + rgroup->dname + ")" : std::string("top_numtasks"));
    if (!res) return nullptr;
    all_.push_back(res);
    // numtasks_res_init_one(): res is not visible yet.
    res->shares.min_shares.init(SHARE_DONT_CARE);
    res->shares.max_shares.init(SHARE_DONT_CARE);
    res->shares.child_shares_divisor.init(SHARE_DEFAULT_DIVISOR);
    res->shares.unused_min_shares.init(SHARE_DEFAULT_DIVISOR);
    res->cnt_min_shares.init(SHARE_DONT_CARE);
    res->cnt_unused.init(SHARE_DONT_CARE);
    res->cnt_max_shares.init(SHARE_DONT_CARE);
    res->period_start.init(jiffies);
    if (!rgroup->parent) root_rgroup.write(rgroup, yp::write_root_rgroup); /* store root's resource group. */
    return &res->shares;
}

// "No locking ... necessary as we are not supposed to be assigned (or used)
// when/after this function is called": rmdir calls it under manage_mutex only.
void numtasks_subsys_t::free_shares_struct(res_shares* my_res) {
    namespace yp = lbl::numtasks_free_shares_struct;
    numtasks* res = get_shares_numtasks(my_res);
    container* rgroup = numtasks_rgroup(res, yp::read_rgroup);
    if (rgroup->parent) {
        numtasks* parres = get_numtasks(rgroup->parent, yp::read_parres);
        int borrowed = atomic_read(res->cnt_borrowed, yp::read_borrowed);
        for (int i = 0; i < borrowed; i++) dec_usage_count(parres, nullptr);
    }
    kfree(res, yp::kfree_numtasks);
}

void numtasks_subsys_t::recalc_self(numtasks* res, numtasks* parres) {
    namespace yp = lbl::recalc_self;
    res_shares* par = &parres->shares;
    res_shares* self = &res->shares;
    int par_divisor = par->child_shares_divisor.read(yp::read_parent);
    int min = recalc_shares(self->min_shares.read(yp::read_self), parres->cnt_min_shares.read(yp::read_parent),
                            par_divisor);
    res->cnt_min_shares.write(min, yp::write_cnt_min_shares);
    int max = recalc_shares(self->max_shares.read(yp::read_self), parres->cnt_max_shares.read(yp::read_parent),
                            par->child_shares_divisor.read(yp::read_parent));
    res->cnt_max_shares.write(max, yp::write_cnt_max_shares);
    int unused = recalc_unused_shares(res->cnt_min_shares.read(yp::read_for_unused),
                                      self->unused_min_shares.read(yp::read_for_unused),
                                      self->child_shares_divisor.read(yp::read_for_unused));
    res->cnt_unused.write(unused, yp::write_cnt_unused);
}

// Called with container_manage_lock() held (or container_lock(), from the module parameters).
void numtasks_subsys_t::recalc_and_propagate(numtasks* res, numtasks* parres) {
    if (parres) recalc_self(res, parres);
    /* propagate to children */
    container* rgroup = numtasks_rgroup(res, lbl::recalc_and_propagate::read_rgroup);
    for (container* child : rgroup->children) {
        numtasks* childres = get_numtasks(child, lbl::recalc_and_propagate::read_childres);
        if (!childres)
            core::v7::kernel_bug_at("kernel/res_group/numtasks.c", "recalc_and_propagate",
                                    fmt::format("BUG_ON(!childres): {} has no numtasks state", child->name()));
        recalc_and_propagate(deref(childres, lbl::recalc_and_propagate::read_childres, "childres"), res);
    }
}

void numtasks_subsys_t::shares_changed(res_shares* my_res) {
    namespace yp = lbl::numtasks_shares_changed;
    numtasks* res = get_shares_numtasks(my_res);
    if (!res) return;
    container* rgroup = numtasks_rgroup(res, yp::read_rgroup);
    numtasks* parres = nullptr;
    if (rgroup->parent) parres = get_numtasks(rgroup->parent, yp::read_parres);
    if (parres) {
        res_shares* par = &parres->shares;
        int u = recalc_unused_shares(parres->cnt_min_shares.read(yp::read_parent),
                                     par->unused_min_shares.read(yp::read_parent),
                                     par->child_shares_divisor.read(yp::read_parent));
        parres->cnt_unused.write(u, yp::write_parent_cnt_unused);
    }
    recalc_and_propagate(res, parres);
}

int numtasks_subsys_t::show_stats(res_shares* my_res, std::string& buf) {
    namespace yp = lbl::numtasks_show_stats;
    numtasks* res = get_shares_numtasks(my_res);
    if (!res) return -EINVAL;
    buf += fmt::format("numtasks: Current usage {}\n", atomic_read(res->cnt_cur_alloc, yp::read_stats));
    buf += fmt::format("numtasks: Number of successes {}\n", res->successes.read(yp::read_stats));
    buf += fmt::format("numtasks: Number of failures {}\n", res->failures.read(yp::read_stats));
    buf += fmt::format("numtasks: Number of forkrate failures {}\n", res->forkrate_failures.read(yp::read_stats));
    return static_cast<int>(buf.size());
}

// --- module parameters ------------------------------------------------------------

// param_set_int() then the "< 1" check; the old value comes back on -EINVAL.
int numtasks_subsys_t::set_numtasks_config_val(Shared<int>& var, int old_value, const std::string& val) {
    namespace yp = lbl::set_numtasks_config_val;
    int l;
    if (match_int(val, &l)) return -EINVAL;  // simple_strtol(val, &endp, 0); endp == val
    var.write(l, yp::write_var);
    if (var.read(yp::read_var) < 1) {
        var.write(old_value, yp::restore_var);
        return -EINVAL;
    }
    return 0;
}

// Sets the root's three limits to the new total and recomputes every group's.
int numtasks_subsys_t::set_total_numtasks(const std::string& val) {
    namespace yp = lbl::set_total_numtasks;
    int prev = total_numtasks.read(yp::read_prev);
    int rc = set_numtasks_config_val(total_numtasks, prev, val);
    if (!root_rgroup.read(yp::read_root_rgroup)) return 0;  // before rc is looked at, as posted
    if (rc < 0) return rc;
    if (total_numtasks.read(yp::read_total) <= total_cnt_alloc.read(yp::read_total)) {
        total_numtasks.write(prev, yp::restore_total);
        return -EINVAL;
    }
    kernel.container_lock(yp::lock_callback_mutex);
    numtasks* res = get_numtasks(root_rgroup.read(yp::read_root_rgroup), yp::read_res);
    int total = total_numtasks.read(yp::read_total);
    res->cnt_min_shares.write(total, yp::write_cnt);
    res->cnt_unused.write(total, yp::write_cnt);
    res->cnt_max_shares.write(total, yp::write_cnt);
    recalc_and_propagate(res, nullptr);
    kernel.container_unlock(yp::unlock_callback_mutex);
    return 0;
}

// reset_forkrates() walks root_rgroup's children: root_rgroup is dummytop (the
// root at registration), whose children list stays empty once the hierarchy is
// mounted, so only the root's window is reset.
void numtasks_subsys_t::reset_forkrates(container* rgroup, unsigned long now) {
    namespace yp = lbl::reset_forkrates;
    numtasks* res = get_numtasks(rgroup, yp::read_res);
    if (!res) return;
    res->forks_in_period.write(0, yp::write_forks_in_period);
    res->period_start.write(now, yp::write_period_start);
    for (container* child : rgroup->children) reset_forkrates(child, now);
}

int numtasks_subsys_t::set_forkrate_common(Shared<int>& var, const std::string& val) {
    namespace yp = lbl::set_forkrate;
    int prev = var.read(yp::read_prev);
    int rc = set_numtasks_config_val(var, prev, val);
    if (rc < 0) return rc;
    kernel.container_lock(yp::lock_callback_mutex);
    reset_forkrates(root_rgroup.read(yp::read_root_rgroup), jiffies);
    kernel.container_unlock(yp::unlock_callback_mutex);
    return 0;
}

int numtasks_subsys_t::set_forkrate(const std::string& val) { return set_forkrate_common(forkrate, val); }
int numtasks_subsys_t::set_forkrate_interval(const std::string& val) {
    return set_forkrate_common(forkrate_interval, val);
}

// --- end-of-run checks ------------------------------------------------------------

void numtasks_subsys_t::check_invariants(std::vector<Finding>& out) const {
    auto live_css = [](const numtasks* nt) { return !nt->freed; };
    int own_units = 0;
    for (const numtasks* nt : all_) {
        if (!live_css(nt)) continue;
        const container* cont = nt->shares.css.container.peek();
        int tasks = 0;
        for (const task_struct* t : kernel.all_tasks()) {
            const core::v7::container_group* cg = t->containers.peek();
            if (core::task_is_live(t) && cg && !cg->freed && cg->subsys[subsys_id].peek() == &nt->shares.css) ++tasks;
        }
        int lent = 0;
        for (const numtasks* c : all_) {
            if (!live_css(c) || c == nt) continue;
            const container* cc = c->shares.css.container.peek();
            if (cc && cc->parent && cc->parent->subsys[subsys_id].peek() == &nt->shares.css)
                lent += c->cnt_borrowed.counter;
        }
        int cur = nt->cnt_cur_alloc.counter, borrowed = nt->cnt_borrowed.counter;
        if (cur != tasks + lent)
            out.push_back({"charge-mismatch",
                           fmt::format("BUG: charge mismatch: {}->cnt_cur_alloc is {} but {} has {} live task{} and "
                                       "lends {} to its children",
                                       nt->name(), cur, cont ? kernel.path_of(cont) : std::string("?"), tasks,
                                       tasks == 1 ? "" : "s", lent),
                           0, -1, {}, {}});
        if (borrowed < 0 || borrowed > cur)
            out.push_back({"charge-mismatch",
                           fmt::format("BUG: charge mismatch: {}->cnt_borrowed is {} but its cnt_cur_alloc is {}",
                                       nt->name(), borrowed, cur),
                           0, -1, {}, {}});
        own_units += cur - borrowed;
    }
    if (total_cnt_alloc.peek() != own_units)
        out.push_back({"charge-mismatch",
                       fmt::format("BUG: charge mismatch: total_cnt_alloc is {} but the live groups hold {} unit{} "
                                   "of their own (cnt_cur_alloc - cnt_borrowed)",
                                   total_cnt_alloc.peek(), own_units, own_units == 1 ? "" : "s"),
                       0, -1, {}, {}});
    for (const std::string& u : underflows_) out.push_back({"charge-underflow", u, 0, -1, {}, {}});
    for (const std::string& o : over_limit_) out.push_back({"over-limit", o, 0, -1, {}, {}});
}


void numtasks_subsys_t::final_values(const container* cont, std::map<std::string, long>& out) const {
    const container_subsys_state* css = cont->subsys[subsys_id].peek();
    if (!css || css->object->freed) return;
    const auto* res = static_cast<const numtasks*>(css->object);
    out["numtasks.cnt_cur_alloc"] = res->cnt_cur_alloc.counter;
    out["numtasks.cnt_max_shares"] = res->cnt_max_shares.peek();
    out["numtasks.cnt_borrowed"] = res->cnt_borrowed.counter;
    out["numtasks.successes"] = res->successes.peek();
    out["numtasks.failures"] = res->failures.peek();
}

}  // namespace subsys
