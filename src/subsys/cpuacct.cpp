// Placeholder: see cpuacct.h.
#include "subsys/cpuacct.h"

#include <cerrno>

#include "sim/kernel/slab.h"

namespace subsys {

cpuacct_subsys_t::cpuacct_subsys_t(core::v7::KernelV7& k) : container_subsys(k, "cpuacct", 0) {}
// Minimal create/destroy so that boot and mkdir work until the real
// subsystem replaces this file: a kzalloc'ed struct embedding the css.
namespace {
struct cpuacct_stub : sim::Object {
    explicit cpuacct_stub(const std::string& n) : sim::Object("cpuacct"), css(this) {
        set_name("cpuacct(" + n + ")");
        css.set_name(name());
    }
    container_subsys_state css;
};
constexpr sim::Label kCreate{"cpuacct_create:kzalloc", "kzalloc(sizeof(struct cpuacct), GFP_KERNEL); /* stub */"};
constexpr sim::Label kDestroy{"cpuacct_destroy:kfree", "kfree(container_of(cont->subsys[id], ...)); /* stub */"};
}  // namespace
int cpuacct_subsys_t::create(container* cont) {
    auto* s = sim::kzalloc<cpuacct_stub>(kCreate, sim::GFP_KERNEL, cont->dname.empty() ? cont->name() : cont->dname);
    if (!s) return -ENOMEM;
    cont->subsys[subsys_id].init(&s->css);
    return 0;
}
void cpuacct_subsys_t::destroy(container* cont) { sim::kfree(cont->subsys[subsys_id].peek()->object, kDestroy); }
std::vector<const sim::Label*> cpuacct_subsys_t::labels() const { return {&kCreate, &kDestroy}; }
void cpuacct_subsys_t::cpuacct_charge(task_struct*, unsigned long) {}

}  // namespace subsys
