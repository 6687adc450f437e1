#include "core/lab/lab.h"

#include <mutex>
#include <set>

#include <fmt/format.h>

#include "sim/kernel/check.h"
#include "sim/kernel/rcu.h"
#include "sim/kernel/slab.h"
#include "core/mm.h"
#include "sim/machine.h"

namespace core::lab {

namespace {

// Names that must outlive every machine (cell fields, lock classes): one
// copy per process.
const char* intern(const std::string& s) {
    static std::mutex lock;
    static std::set<std::string> names;
    std::lock_guard<std::mutex> g(lock);
    return names.insert(s).first->c_str();
}

bool heap_type(Type t) { return t == Type::object || t == Type::kref; }

}  // namespace

LabObj::LabObj(const char* inst_name, Type t, const char* family_name, long initial)
    : Object(type_name(t)),
      kind(t),
      family(family_name),
      mx(this, "", family_name),
      spin(this, "", family_name),
      rw(this, "", family_name),
      sem(this, "", family_name),
      at(this, "", false, t == Type::atomic ? static_cast<int>(initial) : 0),
      ref(this, "kref"),
      val(this, t == Type::integer ? "" : "val", t == Type::kref ? 0 : initial),
      ptr(this, "", nullptr) {
    set_name(inst_name);
    if (t == Type::kref) ref.refcount.counter = static_cast<int>(initial);
}

// A declared name: its instance (locks, ints, atomics, pointers: one for the
// whole run) or, for an object or kref, the pointer variable that holds the
// current one -- a shared cell when some op kmallocs it (then every use reads
// it, a step), else a constant.
struct LabKernel::Named {
    ObjectSpec spec;
    LabObj* inst = nullptr;
    std::unique_ptr<sim::Shared<LabObj*>> slot;  // kmalloc'ed somewhere: `d = kmalloc(...)` races with its readers
    int allocs = 0;
    const char* family = nullptr;  // the name, interned at boot
};

LabKernel::LabKernel(std::set<Fix> fixes) : Kernel(std::move(fixes)) {}
LabKernel::~LabKernel() = default;

bool LabKernel::has_op(const std::string& op) const { return find_op(op) != nullptr; }

void LabKernel::set_objects(std::vector<ObjectSpec> specs) { specs_ = std::move(specs); }

std::vector<const sim::Label*> LabKernel::labels() const {
    std::vector<const sim::Label*> out;
    for (const OpInfo& i : ops())
        if (i.takes.empty()) out.push_back(label_for(i.name, "", Type::integer));
    out.push_back(label_for("null_deref", "", Type::integer));
    for (const ObjectSpec& s : specs_) {
        for (const OpInfo& i : ops())
            if (!i.takes.empty())
                if (const sim::Label* l = label_for(i.name, s.name, s.type)) out.push_back(l);
        if (heap_type(s.type)) {
            out.push_back(label_for("kmalloc", s.name, s.type, true));
            out.push_back(label_for("call_rcu_free", s.name, s.type));
            if (s.type == Type::kref) out.push_back(label_for("kref_release", s.name, s.type));
        }
    }
    return out;
}

LabObj* LabKernel::make_instance(Named& n, const char* inst_name) {
    return sim::Machine::current().arena().create<LabObj>(inst_name, n.spec.type, n.family,
                                                          n.spec.type == Type::kref && n.spec.value == 0 ? 1 : n.spec.value);
}

void LabKernel::boot() {
    create_init_task();
    // Pointers last: they may point at any object.
    for (const ObjectSpec& s : specs_) {
        auto n = std::make_unique<Named>();
        n->spec = s;
        n->family = intern(s.name);
        if (!heap_type(s.type) || s.allocated) {
            n->inst = make_instance(*n, n->family);
            instances_.push_back(n->inst);
        }
        if (heap_type(s.type) && s.reassigned)
            n->slot = std::make_unique<sim::Shared<LabObj*>>(&sim::global_object(), n->family, n->inst);
        named_.push_back(std::move(n));
    }
    for (auto& n : named_)
        if (n->spec.type == Type::pointer && !n->spec.points_to.empty())
            if (Named* t = named(n->spec.points_to)) n->inst->ptr.init(t->inst);
}

LabKernel::Named* LabKernel::named(const std::string& name) {
    for (auto& n : named_)
        if (n->spec.name == name) return n.get();
    return nullptr;
}

LabObj* LabKernel::instance_named(const std::string& name) const {
    for (LabObj* o : instances_)
        if (name == o->name()) return o;
    return nullptr;
}

// The declared name's current instance (reading its pointer variable when
// some op reassigns it). NULL is an oops, as in the kernel.
LabObj* LabKernel::instance(const LabOp& op, const sim::Label& l, bool null_ok) {
    sim::Machine& m = sim::Machine::current();
    Named* n = named(op.object);
    LabObj* o = n->slot ? n->slot->read(l) : n->inst;
    if (!o && !null_ok) m.null_deref(l, op.object + " is NULL");
    return o;
}

namespace {

void free_after_grace_period(void* arg) {
    auto* o = static_cast<LabObj*>(arg);
    sim::kfree(o, *label_for("call_rcu_free", o->family, o->kind));
}

}  // namespace

int LabKernel::lab_op(const LabOp& op, std::string& text) {
    sim::Machine& m = sim::Machine::current();
    const OpInfo* info = find_op(op.op);
    if (!info) return -ENOSYS;
    if (info->takes.empty()) {
        const sim::Label& l = *label_for(op.op, "", Type::integer);
        if (op.op == "rcu_read_lock") sim::rcu_read_lock(l);
        if (op.op == "rcu_read_unlock") sim::rcu_read_unlock(l);
        if (op.op == "synchronize_rcu") sim::synchronize_rcu(l);
        if (op.op == "msleep") {
            // schedule_timeout(): the CPU sleeps, a quiescent state for RCU.
            m.yield(l, &sim::rcu_cell(), sim::Access::rcu_lock);
            sim::might_sleep_check(m, l, "msleep");
            m.rcu_qsctr_inc();
            if (m.tracing()) m.record(&sim::rcu_cell(), sim::Access::rcu_lock, sim::Value{}, sim::Value{});
        }
        return 0;
    }
    // The family names the label: through a pointer, the instance's own.
    Named* n = nullptr;
    LabObj* via = nullptr;  // the instance a pointer value names (the thread holds it: no step)
    std::string family = op.object;
    Type t = Type::integer;
    if (op.via) {
        via = instance_named(op.object);
        if (!via) {
            if (op.op == "kfree") return 0;  // kfree(NULL) does nothing (mm/slab.c)
            // A NULL pointer value (""): the oops comes before any access.
            m.null_deref(*label_for("null_deref", "", Type::integer), "the pointer is NULL");
            return 0;
        }
        family = via->family;
        t = via->kind;
    } else {
        n = named(op.object);
        if (!n) return -ENOENT;
        t = n->spec.type;
    }
    const sim::Label* lp = label_for(op.op, family, t, op.atomic_gfp);
    if (!lp) return -EINVAL;
    const sim::Label& l = *lp;
    LabObj* fixed = n && !heap_type(t) ? n->inst : nullptr;
    // An object or kref: through the pointer, or the name's current instance.
    auto target = [&](bool null_ok = false) { return via ? via : instance(op, l, null_ok); };

    if (op.op == "mutex_lock") sim::mutex_lock(fixed->mx, l);
    else if (op.op == "mutex_unlock") sim::mutex_unlock(fixed->mx, l);
    else if (op.op == "spin_lock" || op.op == "spin_lock_irq") sim::spin_lock(fixed->spin, l);
    else if (op.op == "spin_unlock" || op.op == "spin_unlock_irq") sim::spin_unlock(fixed->spin, l);
    else if (op.op == "read_lock") sim::read_lock(fixed->rw, l);
    else if (op.op == "read_unlock") sim::read_unlock(fixed->rw, l);
    else if (op.op == "write_lock") sim::write_lock(fixed->rw, l);
    else if (op.op == "write_unlock") sim::write_unlock(fixed->rw, l);
    else if (op.op == "down_read") sim::down_read(fixed->sem, l);
    else if (op.op == "up_read") sim::up_read(fixed->sem, l);
    else if (op.op == "down_write") sim::down_write(fixed->sem, l);
    else if (op.op == "up_write") sim::up_write(fixed->sem, l);
    else if (op.op == "atomic_read") return sim::atomic_read(fixed->at, l);
    else if (op.op == "atomic_set") sim::atomic_set(fixed->at, static_cast<int>(op.value), l);
    else if (op.op == "atomic_inc") sim::atomic_inc(fixed->at, l);
    else if (op.op == "atomic_dec") sim::atomic_dec(fixed->at, l);
    else if (op.op == "atomic_dec_and_test") return sim::atomic_dec_and_test(fixed->at, l) ? 1 : 0;
    else if (op.op == "rcu_assign_pointer" || (op.op == "store" && t == Type::pointer)) {
        LabObj* target = nullptr;
        if (!op.target.empty()) {
            Named* tn = named(op.target);
            target = tn->slot ? tn->slot->read(l) : tn->inst;
        }
        if (op.op == "store") fixed->ptr.write(target, l);
        else sim::rcu_assign_pointer(fixed->ptr, target, l);
    } else if (op.op == "rcu_dereference" || (op.op == "load" && t == Type::pointer)) {
        LabObj* p = op.op == "load" ? fixed->ptr.read(l) : sim::rcu_dereference(fixed->ptr, l);
        text = p ? p->name() : "";
        return p ? 1 : 0;
    } else if (op.op == "load") {
        LabObj* o = fixed ? fixed : target();
        long v = o->val.read(l);
        text = std::to_string(v);
        return static_cast<int>(v);
    } else if (op.op == "store") {
        LabObj* o = fixed ? fixed : target();
        o->val.write(op.value, l);
    } else if (op.op == "kmalloc") {
        // The name is copied into the object (Object::set_name): nothing is
        // interned here, inside a run (a snapshot restore would undo it).
        const std::string inst_name = fmt::format("{}({})", n->spec.name, ++n->allocs);
        LabObj* o = sim::kmalloc<LabObj>(l, op.atomic_gfp ? sim::GFP_ATOMIC : sim::GFP_KERNEL, inst_name.c_str(), t,
                                         n->family, t == Type::kref ? 1 : 0);
        if (o) instances_.push_back(o);
        n->slot->write(o, l);
        return o ? 0 : -ENOMEM;
    } else if (op.op == "kfree") {
        // kfree(NULL) does nothing (mm/slab.c); the pointer was read, though.
        sim::kfree(target(true), l);
    } else if (op.op == "call_rcu") {
        sim::call_rcu(&free_after_grace_period, target(), l);
    } else if (op.op == "kref_get") {
        sim::kref_get(target()->ref, l);
    } else if (op.op == "kref_put") {
        LabObj* o = target();
        return sim::kref_put(o->ref, [o](sim::kref*) { sim::kfree(o, *label_for("kref_release", o->family, o->kind)); }, l);
    }
    return 0;
}

std::string LabKernel::held_locks() const {
    std::string out;
    for (const auto& n : named_) {
        const LabObj* o = n->inst;
        if (!o) continue;
        const bool held = (n->spec.type == Type::mutex && o->mx.owner >= 0) ||
                          (n->spec.type == Type::spinlock && o->spin.owner >= 0) ||
                          (n->spec.type == Type::rwlock && (o->rw.writer >= 0 || o->rw.readers > 0)) ||
                          (n->spec.type == Type::rwsem && (o->sem.writer >= 0 || o->sem.readers > 0));
        if (held) out += (out.empty() ? "" : ", ") + n->spec.name;
    }
    return out;
}

// Values by declared name for `expect.final` ("x": {"value": 2}, "r":
// {"refcount": 1}); freed instances are the groups ("d": {"freed": true}).
std::vector<NodeState> LabKernel::nodes() const {
    std::vector<NodeState> out;
    for (const auto& n : named_) {
        const LabObj* o = n->slot ? n->slot->peek() : n->inst;
        if (!o || o->freed) continue;
        switch (n->spec.type) {
        case Type::integer:
        case Type::object: out.push_back({n->spec.name, static_cast<int>(o->val.peek()), {}, {{"value", o->val.peek()}}}); break;
        case Type::atomic: out.push_back({n->spec.name, o->at.counter, {}, {{"value", o->at.counter}}}); break;
        case Type::kref:
            out.push_back({n->spec.name, o->ref.refcount.counter, {},
                           {{"refcount", o->ref.refcount.counter}, {"value", o->val.peek()}}});
            break;
        default: break;
        }
    }
    return out;
}

std::vector<GroupState> LabKernel::groups() const {
    std::vector<GroupState> out;
    for (const LabObj* o : instances_)
        if (heap_type(o->kind)) out.push_back({o->name(), o->kind == Type::kref ? o->ref.refcount.counter : 0, {}, o->freed});
    return out;
}

std::vector<std::string> LabKernel::final_state_lines() const {
    std::vector<std::string> out{fmt::format("  {:<16} {:<9} {}", "object", "type", "state")};
    auto holder = [](int cpu) { return cpu < 0 ? std::string("free") : fmt::format("held by CPU {}", cpu); };
    for (const auto& n : named_) {
        const ObjectSpec& s = n->spec;
        const LabObj* o = n->slot ? n->slot->peek() : n->inst;
        std::string state;
        switch (s.type) {
        case Type::mutex: state = holder(o->mx.owner); break;
        case Type::spinlock: state = holder(o->spin.owner); break;
        case Type::rwlock:
        case Type::rwsem: {
            const int w = s.type == Type::rwlock ? o->rw.writer : o->sem.writer;
            const int r = s.type == Type::rwlock ? o->rw.readers : o->sem.readers;
            state = w >= 0 ? holder(w) + " (writer)" : r > 0 ? fmt::format("{} reader{}", r, r == 1 ? "" : "s") : "free";
            break;
        }
        case Type::integer: state = fmt::format("value {}", o->val.peek()); break;
        case Type::atomic: state = fmt::format("value {}", o->at.counter); break;
        case Type::pointer: state = o->ptr.peek() ? fmt::format("-> {}", o->ptr.peek()->name()) : "NULL"; break;
        case Type::kref:
        case Type::object:
            if (!o) {
                state = "NULL";
            } else {
                state = fmt::format("-> {}: ", o->name());
                if (s.type == Type::kref) state += fmt::format("refcount {}, ", o->ref.refcount.counter);
                state += fmt::format("val {}{}", o->val.peek(), o->freed ? " (freed)" : "");
            }
            break;
        }
        out.push_back(fmt::format("  {:<16} {:<9} {}", s.name, type_name(s.type), state));
    }
    return out;
}

void LabKernel::reachable(std::set<const sim::Object*>& out) const {
    for (const task_struct* t : tasks_) {
        out.insert(t);
        if (t->mm.peek()) out.insert(t->mm.peek());
    }
    for (const auto& n : named_) {
        LabObj* cur = n->slot ? n->slot->peek() : n->inst;
        if (cur) out.insert(cur);
        if (n->spec.type == Type::pointer && n->inst->ptr.peek()) out.insert(n->inst->ptr.peek());
    }
}

}  // namespace core::lab
