// The lab kernel's vocabulary: object types, ops, and each op's label and C
// line. The C lines are the kernel's own calls (include/linux/mutex.h,
// spinlock.h, rwsem.h, rcupdate.h, kref.h, slab.h, asm/atomic.h of 2.6.20).
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "core/lab/lab.h"

namespace core::lab {

const std::vector<std::pair<std::string, Type>>& type_names() {
    static const std::vector<std::pair<std::string, Type>> t{
        {"mutex", Type::mutex},   {"spinlock", Type::spinlock}, {"rwlock", Type::rwlock},
        {"rwsem", Type::rwsem},   {"int", Type::integer},       {"atomic", Type::atomic},
        {"kref", Type::kref},     {"object", Type::object},     {"pointer", Type::pointer}};
    return t;
}

const char* type_name(Type t) {
    for (const auto& [n, v] : type_names())
        if (v == t) return n.c_str();
    return "?";
}

const std::vector<OpInfo>& ops() {
    using T = Type;
    static const std::vector<OpInfo> o{
        {"mutex_lock", {T::mutex}},
        {"mutex_unlock", {T::mutex}},
        {"spin_lock", {T::spinlock}},
        {"spin_unlock", {T::spinlock}},
        {"spin_lock_irq", {T::spinlock}},
        {"spin_unlock_irq", {T::spinlock}},
        {"read_lock", {T::rwlock}},
        {"read_unlock", {T::rwlock}},
        {"write_lock", {T::rwlock}},
        {"write_unlock", {T::rwlock}},
        {"down_read", {T::rwsem}},
        {"up_read", {T::rwsem}},
        {"down_write", {T::rwsem}},
        {"up_write", {T::rwsem}},
        {"rcu_read_lock", {}},
        {"rcu_read_unlock", {}},
        {"synchronize_rcu", {}},
        {"msleep", {}},
        {"call_rcu", {T::object, T::kref}, false, true},
        {"rcu_assign_pointer", {T::pointer}, true},
        {"rcu_dereference", {T::pointer}},
        {"atomic_read", {T::atomic}},
        {"atomic_set", {T::atomic}, true},
        {"atomic_inc", {T::atomic}},
        {"atomic_dec", {T::atomic}},
        {"atomic_dec_and_test", {T::atomic}},
        {"kref_get", {T::kref}, false, true},
        {"kref_put", {T::kref}, false, true},
        {"kmalloc", {T::object, T::kref}},
        {"kfree", {T::object, T::kref}, false, true},
        {"load", {T::integer, T::object, T::kref, T::pointer}, false, true},
        {"store", {T::integer, T::object, T::kref, T::pointer}, true, true},
    };
    return o;
}

const OpInfo* find_op(const std::string& name) {
    for (const OpInfo& i : ops())
        if (name == i.name) return &i;
    return nullptr;
}

namespace {

std::string c_line(const std::string& op, const std::string& x, Type t, bool atomic_gfp) {
    const bool ptr = t == Type::object || t == Type::kref;
    if (op == "rcu_read_lock" || op == "rcu_read_unlock" || op == "synchronize_rcu") return op + "();";
    if (op == "null_deref") return "v = p->val; /* p is NULL */";
    if (op == "msleep") return "msleep(10); /* sleeps: a quiescent state */";
    if (op == "call_rcu") return fmt::format("call_rcu(&{0}->rcu, {0}_free_rcu);", x);
    if (op == "call_rcu_free") return fmt::format("kfree({0}); /* {0}_free_rcu(), after a grace period */", x);
    if (op == "rcu_assign_pointer") return fmt::format("rcu_assign_pointer({}, p);", x);
    if (op == "rcu_dereference") return fmt::format("p = rcu_dereference({});", x);
    if (op == "atomic_read") return fmt::format("v = atomic_read(&{});", x);
    if (op == "atomic_set") return fmt::format("atomic_set(&{}, v);", x);
    if (op == "atomic_dec_and_test") return fmt::format("if (atomic_dec_and_test(&{}))", x);
    if (op == "kref_get") return fmt::format("kref_get(&{}->kref);", x);
    if (op == "kref_put") return fmt::format("kref_put(&{0}->kref, {0}_release);", x);
    if (op == "kref_release") return fmt::format("kfree({0}); /* {0}_release() */", x);
    if (op == "kmalloc")
        return fmt::format("{} = kmalloc(sizeof(*{}), {});", x, x, atomic_gfp ? "GFP_ATOMIC" : "GFP_KERNEL");
    if (op == "kfree") return fmt::format("kfree({});", x);
    if (op == "load") return t == Type::pointer ? fmt::format("p = {};", x) : ptr ? fmt::format("v = {}->val;", x) : fmt::format("v = {};", x);
    if (op == "store") return t == Type::pointer ? fmt::format("{} = p;", x) : ptr ? fmt::format("{}->val = v;", x) : fmt::format("{} = v;", x);
    return fmt::format("{}(&{});", op, x);  // the locks, atomic_inc/dec
}

struct Interned {
    std::string name, line;
    sim::Label label{nullptr, nullptr};
};

}  // namespace

const sim::Label* label_for(const std::string& op, const std::string& object, Type t, bool atomic_gfp) {
    // Labels the ops table does not list: a kref's release and call_rcu's callback.
    const bool helper = op == "kref_release" || op == "call_rcu_free" || op == "null_deref";
    const OpInfo* info = find_op(op);
    if (!helper && !info) return nullptr;
    const bool objectless = (info && info->takes.empty()) || op == "null_deref";
    if (info && !objectless && std::find(info->takes.begin(), info->takes.end(), t) == info->takes.end()) return nullptr;
    const std::string fn = op == "kmalloc" && atomic_gfp ? "kmalloc_atomic" : op;
    const std::string name = objectless ? fn + ":call" : fn + ":" + object;
    static std::mutex lock;
    static std::map<std::string, std::unique_ptr<Interned>> table;
    std::lock_guard<std::mutex> g(lock);
    auto it = table.find(name);
    if (it != table.end()) return &it->second->label;
    auto e = std::make_unique<Interned>();
    e->name = name;
    e->line = c_line(op, object, t, atomic_gfp);
    e->label = sim::Label{e->name.c_str(), e->line.c_str()};
    return &table.emplace(name, std::move(e)).first->second->label;
}

}  // namespace core::lab
