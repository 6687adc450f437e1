// Placeholder: see bc.h.
#include "subsys/bc.h"

#include <cerrno>

#include "sim/kernel/slab.h"

namespace subsys {

bc_subsys_t::bc_subsys_t(core::v7::KernelV7& k) : container_subsys(k, "bc", 0) {}
// Minimal create/destroy so that boot and mkdir work until the real
// subsystem replaces this file: a kzalloc'ed struct embedding the css.
namespace {
struct bc_stub : sim::Object {
    explicit bc_stub(const std::string& n) : sim::Object("bc"), css(this) {
        set_name("bc(" + n + ")");
        css.set_name(name());
    }
    container_subsys_state css;
};
constexpr sim::Label kCreate{"bc_create:kzalloc", "kzalloc(sizeof(struct bc), GFP_KERNEL); /* stub */"};
constexpr sim::Label kDestroy{"bc_destroy:kfree", "kfree(container_of(cont->subsys[id], ...)); /* stub */"};
}  // namespace
int bc_subsys_t::create(container* cont) {
    auto* s = sim::kzalloc<bc_stub>(kCreate, sim::GFP_KERNEL, cont->dname.empty() ? cont->name() : cont->dname);
    if (!s) return -ENOMEM;
    cont->subsys[subsys_id].init(&s->css);
    return 0;
}
void bc_subsys_t::destroy(container* cont) { sim::kfree(cont->subsys[subsys_id].peek()->object, kDestroy); }
std::vector<const sim::Label*> bc_subsys_t::labels() const { return {&kCreate, &kDestroy}; }
int bc_subsys_t::bc_file_charge(core::v7::file*) { return 0; }
void bc_subsys_t::bc_file_uncharge(core::v7::file*) {}

}  // namespace subsys
