#include "subsys/bc.h"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "sim/kernel/slab.h"

namespace subsys {

using namespace sim;
using core::v7::KernelV7;

namespace {
// Cell names: "bc_parms[BC_NUMFILES].held", ...
#define BC_PARM_NAMES(r)                                                                                \
    {"bc_parms[" #r "].barrier", "bc_parms[" #r "].limit", "bc_parms[" #r "].held", "bc_parms[" #r "].minheld", \
     "bc_parms[" #r "].maxheld", "bc_parms[" #r "].failcnt"}
const char* const bc_parm_names[BC_RESOURCES][6] = {
    BC_PARM_NAMES(BC_KMEMSIZE), BC_PARM_NAMES(BC_PRIVVMPAGES), BC_PARM_NAMES(BC_PHYSPAGES),
    BC_PARM_NAMES(BC_NUMTASKS), BC_PARM_NAMES(BC_NUMFILES)};
#undef BC_PARM_NAMES

// bc_resource_show()'s __get_free_page().
struct show_page : Object {
    show_page() : Object("page") { set_name("page"); }
};

// include/bc/beancounter.h
void bc_init_resource(bc_resource_parm* parm, unsigned long bar, unsigned long lim) {
    parm->barrier.init(bar);
    parm->limit.init(lim);
    parm->held.init(0);
    parm->minheld.init(0);
    parm->maxheld.init(0);
    parm->failcnt.init(0);
}

// lib/vsprintf.c simple_strtoul() for base 10: digits only, no sign, no
// whitespace; an empty string is 0 with *endp at its NUL; overflow wraps.
unsigned long simple_strtoul(const char* cp, const char** endp) {
    unsigned long result = 0;
    while (*cp >= '0' && *cp <= '9') result = result * 10 + static_cast<unsigned long>(*cp++ - '0');
    *endp = cp;
    return result;
}
}  // namespace

bc_resource_parm::bc_resource_parm(Object* bc, int res)
    : barrier(bc, bc_parm_names[res][0], 0),
      limit(bc, bc_parm_names[res][1], 0),
      held(bc, bc_parm_names[res][2], 0),
      minheld(bc, bc_parm_names[res][3], 0),
      maxheld(bc, bc_parm_names[res][4], 0),
      failcnt(bc, bc_parm_names[res][5], 0) {}

beancounter::beancounter(const std::string& name)
    : Object("beancounter"),
      css(this),
      bc_lock(this, "bc_lock", "&bc->bc_lock"),
      bc_parms{{{this, 0}, {this, 1}, {this, 2}, {this, 3}, {this, 4}}} {
    set_name(name);
    css.set_name(name);  // &bc->css prints as the beancounter
}

bc_subsys_t::bc_subsys_t(KernelV7& k) : container_subsys(k, "bc", HOOK_POPULATE), init_bc("init_bc") {
    // struct bc_resource bc_dummy_res: every slot of bc_resources[] until a
    // resource registers; it has no cftype names, so populate skips it.
    bc_dummy_res.bcr_name = "dummy";
    bc_dummy_res.bcr_init = [](beancounter* bc, int i) {  // bc_dummy_init()
        bc_init_resource(&bc->bc_parms[i], BC_MAXVALUE, BC_MAXVALUE);
        return 0;
    };
    bc_resources.fill(&bc_dummy_res);
    // kernel/bc/misc.c: bc_files_resource, registered by an __initcall
    // (bc_misc_init_resource) long before any task can open a file.
    bc_files_resource.bcr_name = "numfiles";
    bc_files_resource.bcr_init = [](beancounter* bc, int) {  // bc_files_init()
        bc_init_resource(&bc->bc_parms[BC_NUMFILES], BC_NUMFILES_BARRIER, BC_NUMFILES_LIMIT);
        return 0;
    };
    bc_register_resource(BC_NUMFILES, &bc_files_resource);
    // bc_init_early() up to its container_register_subsys() call, which the
    // kernel's boot() makes. (6/6 calls bc_init_early() first thing in
    // start_kernel(), before container_init_early(); see docs/fidelity/bc-ns.md.)
    bc_init_early();
}

std::vector<const Label*> bc_subsys_t::labels() const {
    using namespace subsys::lbl;
    return {CONTSIM_V7_BC_LABELS(CONTSIM_LIST_LABEL)};
}

void bc_subsys_t::bc_init_early() {
    // spin_lock_init(&init_bc.bc_lock): created unlocked. held and the rest
    // are zero (a static).
    for (int i = 0; i < BC_RESOURCES; i++) {
        init_bc.bc_parms[i].barrier.init(BC_MAXVALUE);
        init_bc.bc_parms[i].limit.init(BC_MAXVALUE);
    }
}

void bc_subsys_t::bc_register_resource(int res_id, bc_resource* br) {
    static const char* const attrnames[BC_ATTRS] = {"held", "maxheld", "minheld", "barrier", "limit", "failcnt"};
    // BUG_ON(bc_resources[res_id] != &bc_dummy_res); BUG_ON(res_id >= BC_RESOURCES): not
    // checked: the one call (the constructor, before any run) registers the
    // constant BC_NUMFILES into a dummy slot.
    bc_resources[res_id] = br;
    br->res_id = res_id;
    for (int attr = 0; attr < BC_ATTRS; attr++) {
        /* Construct a file handler for each attribute of this resource;
         * the name is of the form "bc.<resname>.<attrname>" */
        cftype* cft = &br->cft_attrs[attr];
        cft->private_ = attr;
        cft->name = "bc." + br->bcr_name + "." + attrnames[attr];
        cft->read = [this](container* c, const cftype* f, std::string& out) { return bc_resource_show(c, f, out); };
        cft->write = [this](container* c, const cftype* f, const std::string& b) { return bc_resource_store(c, f, b); };
    }
}

bc_resource* bc_subsys_t::resource_of(const cftype* cft) const {
    for (bc_resource* r : bc_resources)
        if (cft >= r->cft_attrs.data() && cft < r->cft_attrs.data() + BC_ATTRS) return r;
    return nullptr;
}

/* Update the beancounter for a container */
// With no label the container is not visible yet and is written without a step.
void bc_subsys_t::set_container_bc(container* cont, beancounter* bc, const Label* l) {
    if (l)
        cont->subsys[subsys_id].write(&bc->css, *l);
    else
        cont->subsys[subsys_id].init(&bc->css);
}

/* Retrieve the beancounter for a container */
beancounter* bc_subsys_t::container_bc(container* cont, const Label& l) {
    container_subsys_state* css = cont->subsys[subsys_id].read(l);
    return css ? static_cast<beancounter*>(css->object) : nullptr;  // container_of(css, struct beancounter, css)
}

/* Retrieve the beancounter for a task */
beancounter* bc_subsys_t::task_bc(task_struct* task, const Label& l) {
    return container_bc(kernel.task_container(task, this), l);
}

// --- container_subsys hooks --------------------------------------------------

int bc_subsys_t::create(container* cont) {
    namespace yp = lbl::bc_create;
    if (!cont->parent) {
        /* Early initialization for top container */
        set_container_bc(cont, &init_bc, &yp::write_cont_subsys_top);
        init_bc.css.container.write(cont, yp::write_css_container_top);
        return 0;
    }
    beancounter* new_bc = kmalloc<beancounter>(yp::kmem_cache_alloc, GFP_KERNEL, "bc(" + cont->dname + ")");
    if (!new_bc) return -ENOMEM;
    all_bcs_.push_back(new_bc);
    // spin_lock_init(&new_bc->bc_lock): created unlocked. new_bc is not
    // visible to any other CPU yet: initialised without steps.
    for (int i = 0; i < BC_RESOURCES; i++) {
        int err;
        if ((err = bc_resources[i]->bcr_init(new_bc, i))) {
            // for (i--; i >= 0; i--) bcr_fini(new_bc): no resource has one.
            kfree(new_bc, yp::kmem_cache_free);
            return err;
        }
    }
    new_bc->css.container.init(cont);
    set_container_bc(cont, new_bc, nullptr);
    return 0;
}

// As posted: no check of held. Only rmdir's css refcnt test (every charged
// file holds a css reference) keeps f_bc from dangling.
void bc_subsys_t::destroy(container* cont) {
    namespace yp = lbl::bc_destroy;
    beancounter* bc = container_bc(cont, yp::read_css);
    kfree(bc, yp::kmem_cache_free);
}

int bc_subsys_t::populate(container* cont) {
    int err;
    for (int res = 0; res < BC_RESOURCES; res++) {
        bc_resource* bcr = bc_resources[res];
        for (int attr = 0; attr < BC_ATTRS; attr++) {
            const cftype* cft = &bcr->cft_attrs[attr];
            if (cft->name.empty()) continue;
            err = kernel.container_add_file(cont, cft);
            if (err < 0) return err;
        }
    }
    return 0;
}

// --- charging ------------------------------------------------------------------

int bc_subsys_t::bc_charge(beancounter* bc, int res, unsigned long val, int strict) {
    namespace yp = lbl::bc_charge;
    spin_lock(bc->bc_lock, yp::spin_lock);
    int ret = bc_charge_locked(bc, res, val, strict);
    spin_unlock(bc->bc_lock, yp::spin_unlock);
    return ret;
}

// BC_LIMIT may fill up to limit, BC_BARRIER up to barrier, BC_FORCE always.
int bc_subsys_t::bc_charge_locked(beancounter* bc, int res, unsigned long val, int strict) {
    namespace yp = lbl::bc_charge_locked;
    if (val > BC_MAXVALUE)  // every caller charges 1
        core::v7::kernel_bug_at("kernel/bc/beancounter.c", "bc_charge_locked",
                                fmt::format("BUG_ON(val > BC_MAXVALUE): val is {}", val));
    bc_resource_parm* parm = &bc->bc_parms[res];
    unsigned long new_held = parm->held.read(yp::read_held) + val;
    bool ok = false;
    switch (strict) {
    case BC_LIMIT:
        if (new_held > parm->limit.read(yp::read_limit)) break;
        [[fallthrough]];
    case BC_BARRIER:
        if (new_held > parm->barrier.read(yp::read_barrier)) {
            if (strict == BC_BARRIER) break;
            // if (parm->held < parm->barrier && bc_resources[res]->bcr_barrier_hit):
            // no resource has a barrier_hit callback; the comparison still reads.
            (void)(parm->held.read(yp::read_held) < parm->barrier.read(yp::read_barrier));
        }
        [[fallthrough]];
    case BC_FORCE:
        parm->held.write(new_held, yp::write_held);
        // bc_adjust_maxheld(parm)
        if (parm->maxheld.read(yp::read_maxheld) < parm->held.read(yp::read_maxheld))
            parm->maxheld.write(parm->held.peek(), yp::write_maxheld);
        ok = true;
        break;
    default:  // every caller passes BC_LIMIT or BC_BARRIER
        core::v7::kernel_bug_at("kernel/bc/beancounter.c", "bc_charge_locked",
                                fmt::format("BUG(): strict is {}", strict));
        break;
    }
    if (ok) return 0;
    // if (bc_resources[res]->bcr_limit_hit): no resource has one.
    parm->failcnt.write(parm->failcnt.read(yp::read_failcnt) + 1, yp::write_failcnt);
    return -ENOMEM;
}

void bc_subsys_t::bc_uncharge(beancounter* bc, int res, unsigned long val) {
    namespace yp = lbl::bc_uncharge;
    spin_lock(bc->bc_lock, yp::spin_lock);
    bc_uncharge_locked(bc, res, val);
    spin_unlock(bc->bc_lock, yp::spin_unlock);
}

void bc_subsys_t::bc_uncharge_locked(beancounter* bc, int res, unsigned long val) {
    namespace yp = lbl::bc_uncharge_locked;
    if (val > BC_MAXVALUE)  // every caller uncharges 1
        core::v7::kernel_bug_at("kernel/bc/beancounter.c", "bc_uncharge_locked",
                                fmt::format("BUG_ON(val > BC_MAXVALUE): val is {}", val));
    bc_resource_parm* parm = &bc->bc_parms[res];
    unsigned long held = parm->held.read(yp::read_held);
    if (val > held) {
        // The clamp hides the underflow: only the console shows it.
        console_.push_back(
            fmt::format("BC: Uncharging too much of {}: {} vs {}", bc_resources[res]->bcr_name, val, held));
        val = held;
    }
    parm->held.write(held - val, yp::write_held);
    // bc_adjust_minheld(parm)
    if (parm->minheld.read(yp::read_minheld) > parm->held.peek()) parm->minheld.write(parm->held.peek(), yp::write_minheld);
}

int bc_subsys_t::bc_change_param(beancounter* bc, int res, unsigned long bar, unsigned long lim) {
    namespace yp = lbl::bc_change_param;
    if (bar > lim) return -EINVAL;
    if (bar > BC_MAXVALUE || lim > BC_MAXVALUE) return -EINVAL;
    spin_lock(bc->bc_lock, yp::spin_lock);  // spin_lock_irq
    // bcr_change: no resource has one.
    bc->bc_parms[res].barrier.write(bar, yp::write_barrier);
    bc->bc_parms[res].limit.write(lim, yp::write_limit);
    spin_unlock(bc->bc_lock, yp::spin_unlock);
    return 0;
}

// kernel/bc/misc.c. css_get_current() is legal because task_lock(current)
// keeps current in its container while the reference is taken.
int bc_subsys_t::bc_file_charge(core::v7::file* file) {
    namespace yp = lbl::bc_file_charge;
    task_struct* cur = kernel.current();
    task_lock(cur, yp::task_lock);
    beancounter* bc = task_bc(cur, yp::read_css);
    core::v7::css_get_current(&bc->css);
    task_unlock(cur, yp::task_unlock);

    int sev = cur->has_capability(core::CAP_SYS_ADMIN) ? BC_LIMIT : BC_BARRIER;  // capable(CAP_SYS_ADMIN)
    if (bc_charge(bc, BC_NUMFILES, 1, sev)) {
        core::v7::css_put(&bc->css);
        return -EMFILE;
    }
    file->f_bc.write(&bc->css, yp::write_f_bc);
    charged_.push_back(file);
    return 0;
}

void bc_subsys_t::bc_file_uncharge(core::v7::file* file) {
    container_subsys_state* css = file->f_bc.read(lbl::bc_file_uncharge::read_f_bc);
    beancounter* bc = static_cast<beancounter*>(css->object);
    bc_uncharge(bc, BC_NUMFILES, 1);
    core::v7::css_put(&bc->css);
    auto it = std::find(charged_.begin(), charged_.end(), file);
    if (it != charged_.end()) charged_.erase(it);
}

// --- the bc.<res>.<attr> files ---------------------------------------------------

// Reads bc_parms without bc_lock, as posted.
int bc_subsys_t::bc_resource_show(container* cont, const cftype* cft, std::string& out) {
    namespace yp = lbl::bc_resource_show;
    beancounter* bc = container_bc(cont, yp::read_css);
    int idx = cft->private_;
    bc_resource* res = resource_of(cft);
    Object* page = kmalloc<show_page>(yp::get_free_page, GFP_KERNEL);
    if (!page) return -ENOMEM;
    bc_resource_parm& p = bc->bc_parms[res->res_id];
    Shared<unsigned long>* field = nullptr;
    switch (idx) {
    case BC_RES_HELD: field = &p.held; break;
    case BC_RES_BARRIER: field = &p.barrier; break;
    case BC_RES_LIMIT: field = &p.limit; break;
    case BC_RES_MAXHELD: field = &p.maxheld; break;
    case BC_RES_MINHELD: field = &p.minheld; break;
    case BC_RES_FAILCNT: field = &p.failcnt; break;
    }
    int retval = -EINVAL;
    if (field) {
        out = fmt::format("{}\n", field->read(yp::read_parm));
        retval = 0;  // simple_read_from_buffer() returns the length; the model reports 0
    }
    kfree(page, yp::free_page);
    return retval;
}

// Only barrier and limit are writable; any other attribute (and any value
// with a trailing newline, as `echo` writes it: simple_strtoul() stops at
// '\n' and *end != '\0') is -EINVAL.
int bc_subsys_t::bc_resource_store(container* cont, const cftype* cft, const std::string& buf) {
    namespace yp = lbl::bc_resource_store;
    beancounter* bc = container_bc(cont, yp::read_css);  // before manage_mutex, as posted
    int idx = cft->private_;
    bc_resource* res = resource_of(cft);
    int ret = 0;
    if (buf.size() >= 64) return -E2BIG;  // char buffer[64]
    // copy_from_user(buffer, userbuf, nbytes); buffer[nbytes] = 0;

    kernel.container_manage_lock(yp::lock_manage_mutex);
    if (kernel.container_is_removed(cont, yp::test_removed)) {
        ret = -ENODEV;
    } else {
        ret = -EINVAL;
        const char* end;
        unsigned long val = simple_strtoul(buf.c_str(), &end);
        if (*end == '\0') {
            switch (idx) {
            case BC_RES_BARRIER:
                ret = bc_change_param(bc, res->res_id, val, bc->bc_parms[res->res_id].limit.read(yp::read_limit));
                break;
            case BC_RES_LIMIT:
                ret = bc_change_param(bc, res->res_id, bc->bc_parms[res->res_id].barrier.read(yp::read_barrier), val);
                break;
            }
            // if (ret == 0) ret = nbytes: the model reports 0 for success.
        }
    }
    kernel.container_manage_unlock(yp::unlock_manage_mutex);
    return ret;
}

// --- after the run -----------------------------------------------------------

void bc_subsys_t::reachable(std::set<const Object*>& out) const {
    for (const core::v7::file* f : charged_) out.insert(f);  // an open file is live state
}

// css.refcnt = the charged files + the css_get op's references; any other
// css_get (a holder the model does not know) shows up as a mismatch.
void bc_subsys_t::check_invariants(std::vector<Finding>& out) const {
    std::vector<const beancounter*> all{&init_bc};
    all.insert(all.end(), all_bcs_.begin(), all_bcs_.end());
    for (const core::v7::file* f : charged_) {
        const container_subsys_state* css = f->f_bc.peek();
        if (css && css->object->freed)
            out.push_back({"dangling-pointer",
                           fmt::format("BUG: dangling pointer: open file {}->f_bc points at freed {}", f->name(),
                                       css->object->name()),
                           0, -1, {}, {}});
    }
    for (const beancounter* bc : all) {
        if (bc->freed) continue;
        int files = static_cast<int>(std::count_if(charged_.begin(), charged_.end(), [&](const core::v7::file* f) {
            return f->f_bc.peek() == &bc->css;
        }));
        auto mismatch = [&](const std::string& what, long long have) {
            out.push_back({"count-mismatch",
                           fmt::format("BUG: count mismatch: {}->{} is {} but {} open file{} {} charged to it", bc->name(),
                                       what, have, files, files == 1 ? "" : "s", files == 1 ? "is" : "are"),
                           0, -1, {}, {}});
        };
        if (bc->css.refcnt.counter != files + kernel.css_references_held(&bc->css))
            mismatch("css.refcnt", bc->css.refcnt.counter);
        unsigned long held = bc->bc_parms[BC_NUMFILES].held.peek();
        if (held != static_cast<unsigned long>(files))
            mismatch("bc_parms[BC_NUMFILES].held", static_cast<long long>(held));
    }
}


void bc_subsys_t::final_values(const container* cont, std::map<std::string, long>& out) const {
    const container_subsys_state* css = cont->subsys[subsys_id].peek();
    if (!css || css->object->freed) return;
    const auto* bc = static_cast<const beancounter*>(css->object);
    for (const bc_resource* r : bc_resources) {
        if (!r || r->bcr_name == "dummy") continue;
        const bc_resource_parm& p = bc->bc_parms[static_cast<std::size_t>(r->res_id)];
        const std::string k = "bc." + r->bcr_name + ".";
        out[k + "held"] = static_cast<long>(p.held.peek());
        out[k + "maxheld"] = static_cast<long>(p.maxheld.peek());
        out[k + "minheld"] = static_cast<long>(p.minheld.peek());
        out[k + "barrier"] = static_cast<long>(p.barrier.peek());
        out[k + "limit"] = static_cast<long>(p.limit.peek());
        out[k + "failcnt"] = static_cast<long>(p.failcnt.peek());
    }
}

}  // namespace subsys
