#include "subsys/cpuacct.h"

#include <cerrno>

#include <fmt/format.h>

#include "sim/kernel/rcu.h"
#include "sim/kernel/slab.h"

namespace subsys {

using namespace sim;
using core::v7::KernelV7;

cpuacct::cpuacct(const std::string& name)
    : Object("cpuacct"), css(this), lock(this, "lock", "&ca->lock"), time(this, "time", 0) {
    set_name(name);
    css.set_name(name);
}

cpuacct_subsys_t::cpuacct_subsys_t(KernelV7& k) : container_subsys(k, "cpuacct", HOOK_POPULATE) {
    cft_usage.name = "cpuacct.usage";
    cft_usage.read = [this](container* c, const cftype* cft, std::string& out) { return cpuusage_read(c, cft, out); };
}

std::vector<const Label*> cpuacct_subsys_t::labels() const {
    using namespace subsys::lbl;
    return {CONTSIM_V7_CPUACCT_LABELS(CONTSIM_LIST_LABEL)};
}

// container_of(container_subsys_state(cont, &cpuacct_subsys), struct cpuacct, css)
cpuacct* cpuacct_subsys_t::container_ca(container* cont, const Label& l) {
    container_subsys_state* css = cont->subsys[subsys_id].read(l);
    return css ? static_cast<cpuacct*>(css->object) : nullptr;
}

int cpuacct_subsys_t::create(container* cont) {
    namespace yp = lbl::cpuacct_create;
    auto* ca = kzalloc<cpuacct>(yp::kzalloc_cpuacct, GFP_KERNEL,
                                cont->parent ? "cpuacct(" + cont->dname + ")" : std::string("top_cpuacct"));
    if (!ca) return -ENOMEM;
    // spin_lock_init(&ca->lock): the model's lock is created unlocked.
    cont->subsys[subsys_id].write(&ca->css, yp::write_cont_subsys);
    return 0;
}

// No refcnt check of its own: container_rmdir()'s css busy test is relied on,
// and nothing waits for a grace period before the free.
void cpuacct_subsys_t::destroy(container* cont) {
    namespace yp = lbl::cpuacct_destroy;
    kfree(container_ca(cont, yp::read_css), yp::kfree_cpuacct);
}

int cpuacct_subsys_t::populate(container* cont) { return kernel.container_add_file(cont, &cft_usage); }

// The usage in milliseconds: time * 1000 / HZ (do_div), as "%llu".
int cpuacct_subsys_t::cpuusage_read(container* cont, const cftype*, std::string& out) {
    namespace yp = lbl::cpuusage_read;
    cpuacct* ca = container_ca(cont, yp::read_css);
    spin_lock(ca->lock, yp::spin_lock_irq);  // irqs are not modelled
    std::uint64_t time = ca->time.read(yp::read_time);
    spin_unlock(ca->lock, yp::spin_unlock_irq);
    time *= 1000;
    time /= HZ;
    out = fmt::format("{}", time);
    return 0;  // simple_read_from_buffer(): the whole buffer at offset 0
}

// task_ca(): task->containers->container[ss->hierarchy]->subsys[id], with
// neither task_lock nor css_get: only the RCU read section keeps ca alive.
void cpuacct_subsys_t::cpuacct_charge(task_struct* task, unsigned long cputime) {
    namespace yp = lbl::cpuacct_charge;
    if (subsys_id < 0) return;  // cpuacct_subsys.subsys_id: set once at registration (not a step)
    rcu_read_lock(yp::rcu_read_lock);
    cpuacct* ca = container_ca(kernel.task_container(task, this), yp::read_css);
    if (ca) {
        spin_lock(ca->lock, yp::spin_lock_irqsave);
        std::uint64_t t = ca->time.read(yp::read_time);
        ca->time.write(t + cputime, yp::write_time);
        spin_unlock(ca->lock, yp::spin_unlock_irqrestore);
    }
    rcu_read_unlock(yp::rcu_read_unlock);
}


// Not a step: the end state, as cpuusage_read() prints it (time * 1000 / HZ).
void cpuacct_subsys_t::final_values(const container* cont, std::map<std::string, long>& out) const {
    const container_subsys_state* css = cont->subsys[subsys_id].peek();
    if (!css || css->object->freed) return;
    out["cpuacct.usage"] = static_cast<long>(static_cast<const cpuacct*>(css->object)->time.peek() * 1000 / HZ);
}

}  // namespace subsys
