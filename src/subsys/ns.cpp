// Placeholder: see ns.h.
#include "subsys/ns.h"

#include <cerrno>

#include "sim/kernel/slab.h"

namespace subsys {

ns_subsys_t::ns_subsys_t(core::v7::KernelV7& k) : container_subsys(k, "ns", 0) {}
// Minimal create/destroy so that boot and mkdir work until the real
// subsystem replaces this file: a kzalloc'ed struct embedding the css.
namespace {
struct ns_stub : sim::Object {
    explicit ns_stub(const std::string& n) : sim::Object("ns"), css(this) {
        set_name("ns(" + n + ")");
        css.set_name(name());
    }
    container_subsys_state css;
};
constexpr sim::Label kCreate{"ns_create:kzalloc", "kzalloc(sizeof(struct ns), GFP_KERNEL); /* stub */"};
constexpr sim::Label kDestroy{"ns_destroy:kfree", "kfree(container_of(cont->subsys[id], ...)); /* stub */"};
}  // namespace
int ns_subsys_t::create(container* cont) {
    auto* s = sim::kzalloc<ns_stub>(kCreate, sim::GFP_KERNEL, cont->dname.empty() ? cont->name() : cont->dname);
    if (!s) return -ENOMEM;
    cont->subsys[subsys_id].init(&s->css);
    return 0;
}
void ns_subsys_t::destroy(container* cont) { sim::kfree(cont->subsys[subsys_id].peek()->object, kDestroy); }
std::vector<const sim::Label*> ns_subsys_t::labels() const { return {&kCreate, &kDestroy}; }
int ns_subsys_t::ns_container_clone(task_struct* tsk) { return kernel.container_clone(tsk, this); }  // as 7/7 posts it

}  // namespace subsys
