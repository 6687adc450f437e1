// The cpuacct subsystem, V7 patch 4/7 (text: V6 4/6, kernel/cpu_acct.c): the
// CPU time used by the tasks of each container while they are its members.
// It has no can_attach/attach/fork/exit callbacks and no count of its own: the
// charge path is a pure RCU reader that takes neither task_lock nor a css
// reference, and destroy frees the state at rmdir without a grace period.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/labels.h"
#include "core/v7/container.h"
#include "core/v7/file.h"
#include "sim/kernel/spinlock.h"

#define CONTSIM_V7_CPUACCT_LABELS(X)                                                                            \
    X(cpuacct_create, kzalloc_cpuacct, "struct cpuacct *ca = kzalloc(sizeof(*ca), GFP_KERNEL);")                \
    X(cpuacct_create, write_cont_subsys, "cont->subsys[cpuacct_subsys.subsys_id] = &ca->css;")                  \
    X(cpuacct_destroy, read_css, "kfree(container_ca(cont)); /* cont->subsys[id] */")                          \
    X(cpuacct_destroy, kfree_cpuacct, "kfree(container_ca(cont));")                                            \
    X(cpuusage_read, read_css, "struct cpuacct *ca = container_ca(cont);")                                     \
    X(cpuusage_read, spin_lock_irq, "spin_lock_irq(&ca->lock);")                                              \
    X(cpuusage_read, read_time, "time = ca->time;")                                                           \
    X(cpuusage_read, spin_unlock_irq, "spin_unlock_irq(&ca->lock);")                                          \
    X(cpuacct_charge, rcu_read_lock, "rcu_read_lock();")                                                      \
    X(cpuacct_charge, read_css, "ca = task_ca(task); /* container_subsys_state(task_container(task, ss)) */")  \
    X(cpuacct_charge, spin_lock_irqsave, "spin_lock_irqsave(&ca->lock, flags);")                              \
    X(cpuacct_charge, read_time, "ca->time = cputime64_add(ca->time, cputime); /* read */")                   \
    X(cpuacct_charge, write_time, "ca->time = cputime64_add(ca->time, cputime); /* write */")                 \
    X(cpuacct_charge, spin_unlock_irqrestore, "spin_unlock_irqrestore(&ca->lock, flags);")                    \
    X(cpuacct_charge, rcu_read_unlock, "rcu_read_unlock();")

namespace subsys::lbl {
CONTSIM_V7_CPUACCT_LABELS(CONTSIM_DEFINE_LABEL)
}

namespace subsys {

using core::task_struct;
using core::v7::cftype;
using core::v7::container;
using core::v7::container_subsys_state;

// CONFIG_HZ of 2.6.20 on i386 (HZ_250 is the Kconfig default); cputime_t is in jiffies there.
constexpr std::uint64_t HZ = 250;

// LL= notes say which lock protects a field when it is written.
struct cpuacct : sim::Object {
    explicit cpuacct(const std::string& name);
    container_subsys_state css;   // first member: container_of(NULL css) is NULL, which task_ca() relies on
    sim::spinlock_t lock;
    sim::Shared<std::uint64_t> time;  // cputime64_t, in jiffies. LL=lock
};

// The static `cpuacct_subsys`, one instance per modelled kernel.
class cpuacct_subsys_t : public core::v7::container_subsys {
public:
    explicit cpuacct_subsys_t(core::v7::KernelV7& k);
    int create(container* cont) override;
    void destroy(container* cont) override;
    int populate(container* cont) override;
    std::vector<const sim::Label*> labels() const override;
    // "cpuacct.usage": what the file shows (cpuusage_read(): milliseconds).
    void final_values(const container* cont, std::map<std::string, long>& out) const override;

    // cpuacct_charge(): called from account_user_time()/account_system_time()
    // (the scenario's `tick` op charges the running task's CPU time).
    void cpuacct_charge(task_struct* task, unsigned long cputime);

private:
    cpuacct* container_ca(container* cont, const sim::Label& l);
    int cpuusage_read(container* cont, const cftype* cft, std::string& out);

    cftype cft_usage;
};

}  // namespace subsys
