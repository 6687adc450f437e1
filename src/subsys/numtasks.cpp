// Placeholder: see numtasks.h.
#include "subsys/numtasks.h"

#include <cerrno>

#include "sim/kernel/slab.h"

namespace subsys {

// 5/6 registers fork and exit callbacks (move_task): the stub keeps the flags
// (empty callbacks) so need_forkexit_callback behaves as with the real one.
numtasks_subsys_t::numtasks_subsys_t(core::v7::KernelV7& k) : container_subsys(k, "numtasks", HOOK_FORK | HOOK_EXIT) {}
// Minimal create/destroy so that boot and mkdir work until the real
// subsystem replaces this file: a kzalloc'ed struct embedding the css.
namespace {
struct numtasks_stub : sim::Object {
    explicit numtasks_stub(const std::string& n) : sim::Object("numtasks"), css(this) {
        set_name("numtasks(" + n + ")");
        css.set_name(name());
    }
    container_subsys_state css;
};
constexpr sim::Label kCreate{"numtasks_create:kzalloc", "kzalloc(sizeof(struct numtasks), GFP_KERNEL); /* stub */"};
constexpr sim::Label kDestroy{"numtasks_destroy:kfree", "kfree(container_of(cont->subsys[id], ...)); /* stub */"};
}  // namespace
int numtasks_subsys_t::create(container* cont) {
    auto* s = sim::kzalloc<numtasks_stub>(kCreate, sim::GFP_KERNEL, cont->dname.empty() ? cont->name() : cont->dname);
    if (!s) return -ENOMEM;
    cont->subsys[subsys_id].init(&s->css);
    return 0;
}
void numtasks_subsys_t::destroy(container* cont) { sim::kfree(cont->subsys[subsys_id].peek()->object, kDestroy); }
std::vector<const sim::Label*> numtasks_subsys_t::labels() const { return {&kCreate, &kDestroy}; }
int numtasks_subsys_t::numtasks_allow_fork(task_struct*) { return 0; }

}  // namespace subsys
