#include "sim/object.h"

#include <cstdio>

#include "sim/access.h"
#include "sim/machine.h"
#include "sim/value.h"

namespace sim {

Object::Object(const char* type_name) : type(type_name), self_(this, "") {
    Machine* m = Machine::current_or_null();
    serial = m ? m->next_serial() : 0;
}

Object::Object(const char* type_name, Static) : type(type_name), serial(0), self_(this, "", 0) {}

void Object::set_name(const std::string& n) { std::snprintf(name_, sizeof name_, "%s", n.c_str()); }

Cell::Cell(Object* owner_obj, const char* field_name) : owner(owner_obj), field(field_name) {
    Machine* m = Machine::current_or_null();
    id = m ? m->next_cell_id() : 0;
}

std::string Cell::display() const {
    if (!owner || !*owner->name()) return field;
    if (!*field) return owner->name();
    return std::string(owner->name()) + "->" + field;
}

Object& global_object() {
    static Object& g = []() -> Object& {
        static Object o("kernel", Object::Static{});  // serial 0: never a machine's (those start at 1)
        return o;
    }();
    return g;
}

std::string Value::str() const {
    switch (kind) {
    case Kind::none: return "";
    case Kind::integer: return std::to_string(i);
    case Kind::object: return o ? std::string(o->name()) : std::string("NULL");
    }
    return "";
}

const char* access_name(Access a) {
    switch (a) {
    case Access::read: return "read";
    case Access::write: return "write";
    case Access::rmw: return "read-modify-write";
    case Access::acquire:
    case Access::acquire_shared: return "acquire";
    case Access::release:
    case Access::release_shared: return "release";
    case Access::alloc: return "alloc";
    case Access::free: return "free";
    case Access::rcu_lock: return "rcu-lock";
    case Access::rcu_unlock: return "rcu-unlock";
    case Access::rcu_sync: return "rcu-sync";
    case Access::rcu_call: return "rcu-call";
    case Access::rcu_assign: return "rcu-assign";
    case Access::rcu_deref: return "rcu-deref";
    }
    return "?";
}

}  // namespace sim
