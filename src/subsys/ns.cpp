#include "subsys/ns.h"

#include <cerrno>

#include "sim/kernel/slab.h"
#include "subsys/nsproxy.h"

namespace subsys {

using namespace sim;
using core::v7::KernelV7;

namespace {
// current. The runner boots the kernel with no task on the CPU; boot-time
// callers (container_register_subsys -> ns_create(dummytop)) run as init_task.
task_struct* current_task(KernelV7& k) {
    task_struct* cur = k.current();
    return cur ? cur : k.task_by_pid(1);
}
}  // namespace

nscont::nscont(const std::string& name) : Object("nscont"), css(this) {
    set_name(name);
    css.set_name(name);
}

// 7/7 assumption: no fork/exit/attach/populate callbacks (mainline's
// ns_cgroup has none either); can_attach only.
ns_subsys_t::ns_subsys_t(KernelV7& k) : container_subsys(k, "ns", HOOK_CAN_ATTACH) {}

std::vector<const Label*> ns_subsys_t::labels() const {
    using namespace subsys::lbl;
    return {CONTSIM_V7_NS_LABELS(CONTSIM_LIST_LABEL) CONTSIM_V7_NSPROXY_LABELS(CONTSIM_LIST_LABEL)};
}

ns_ids ns_subsys_t::task_namespaces(const task_struct* tsk) const {
    auto it = task_ns_.find(tsk);
    return it == task_ns_.end() ? ns_ids{} : it->second;
}

/*
 * Rules: you can only create a container if
 * 1. you are capable(CAP_SYS_ADMIN)
 * 2. the target container is a descendant of your own container
 */
// As quoted in #11552/#18013 up to the capable() test. 7/7 assumption: the
// rest is mainline ns_create() (rule 2 as container_is_descendant(), then
// kzalloc), with no special case for the top container, so registration
// allocates dummytop's nscont too (as init, which is capable).
int ns_subsys_t::create(container* cont) {
    task_struct* cur = current_task(kernel);
    if (!cur->has_capability(core::CAP_SYS_ADMIN)) return -EPERM;  // capable(CAP_SYS_ADMIN)
    // Rule 2 is KernelV7's container_is_descendant() (3/7). At boot there is
    // no task on the CPU: registration runs as init_task and cont is dummytop,
    // init's own container, so the rule holds without the walk.
    if (kernel.current() && !kernel.container_is_descendant(cont)) return -EPERM;
    nscont* ns = kzalloc<nscont>(lbl::ns_create::kzalloc, GFP_KERNEL,
                                 "ns(" + (cont->parent ? cont->dname : std::string("top")) + ")");
    if (!ns) return -ENOMEM;
    // cont is not visible to any other CPU yet (or, for dummytop, nothing
    // reads the new slot before registration ends): no steps.
    cont->subsys[subsys_id].init(&ns->css);
    ns->css.container.init(cont);
    return 0;
}

// 7/7 assumption: ns_destroy() is kfree(container_ns(cont)), as in mainline.
void ns_subsys_t::destroy(container* cont) {
    namespace yp = lbl::ns_destroy;
    container_subsys_state* css = cont->subsys[subsys_id].read(yp::read_css);
    kfree(css ? css->object : nullptr, yp::kfree);
}

// 7/7 assumption: mainline 2.6.24's ns_can_attach(), in V7's names:
//   1. you can only enter a container which is a child of your current one
//      (and has no members yet: count counts container groups in V7);
//   2. you can only place another task if you have CAP_SYS_ADMIN and the
//      destination is a descendant of your own container.
int ns_subsys_t::can_attach(container* new_cont, task_struct* tsk) {
    namespace yp = lbl::ns_can_attach;
    task_struct* cur = current_task(kernel);
    if (cur != tsk) {
        if (!cur->has_capability(core::CAP_SYS_ADMIN)) return -EPERM;
        if (!kernel.container_is_descendant(new_cont)) return -EPERM;
    }
    if (atomic_read(new_cont->count, yp::read_count) != 0) return -EPERM;
    container* orig = kernel.task_container(tsk, this);
    if (orig && orig != new_cont->parent) return -EPERM;
    return 0;
}

// As quoted in #11652: a no-op ("Not cloning container for unused
// subsystem") while the ns hierarchy is unmounted.
int ns_subsys_t::ns_container_clone(task_struct* tsk) { return kernel.container_clone(tsk, this); }

}  // namespace subsys
