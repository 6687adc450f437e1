#include "app/scenario_lab.h"

#include <cctype>

#include "app/scenario_flow.h"

namespace app::scenario_parse {

namespace lab = core::lab;

namespace {

bool valid_object_name(const std::string& n) {
    if (n.empty() || n.size() > 16 || n == "NULL") return false;
    if (!(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
    for (char ch : n)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')) return false;
    return true;
}

std::vector<std::string> names_of(const std::vector<lab::ObjectSpec>& objects) {
    std::vector<std::string> v;
    for (const auto& o : objects) v.push_back(o.name);
    return v;
}

std::string types_of(const lab::OpInfo& info) {
    std::string s;
    for (std::size_t i = 0; i < info.takes.size(); ++i)
        s += std::string(i == 0 ? "" : i + 1 == info.takes.size() ? " or " : ", ") + lab::type_name(info.takes[i]);
    return s;
}

// Collects which objects some op kmallocs (their pointer variable is then shared).
void note_kmallocs(const json& ops, std::vector<lab::ObjectSpec>& objects) {
    if (!ops.is_array()) return;
    for (const auto& op : ops)
        if (op.is_object() && op.value("op", json()) == "kmalloc" && op.contains("object") && op["object"].is_string())
            for (auto& o : objects)
                if (o.name == op["object"].get<std::string>()) o.reassigned = true;
}

}  // namespace

std::vector<std::string> lab_final_keys_of(const Ctx& c, const std::string& target, const std::string& where,
                                           const std::vector<lab::ObjectSpec>& objects) {
    auto paren = target.find('(');
    const std::string name = paren == std::string::npos ? target : target.substr(0, paren);
    auto o = std::find_if(objects.begin(), objects.end(), [&](auto& x) { return x.name == name; });
    const bool heap = o != objects.end() && (o->type == lab::Type::object || o->type == lab::Type::kref);
    if (paren != std::string::npos) {
        // NAME(N): the N-th kmalloc of NAME.
        const std::string n = target.substr(paren + 1);
        const bool number = n.size() >= 2 && n.back() == ')' && n[0] != '0' &&
                            n.substr(0, n.size() - 1).find_first_not_of("0123456789") == std::string::npos;
        if (!heap || !number)
            c.fail(where, fmt::format("unknown object \"{}\": expected a declared object, or NAME(N) for the N-th kmalloc "
                                      "of an object or kref NAME",
                                      target));
        return {"freed"};
    }
    if (o == objects.end())
        c.fail(where, fmt::format("unknown object \"{}\"; {}", target,
                                  objects.empty() ? std::string("no object is declared ($.objects)")
                                                  : expected_one_of(target, names_of(objects))));
    switch (o->type) {
    case lab::Type::integer:
    case lab::Type::atomic: return {"value"};
    case lab::Type::object: return {"value", "freed"};
    case lab::Type::kref: return {"value", "refcount", "freed"};
    default:
        c.fail(where, fmt::format("\"{}\" is a {}: it has no final value (an int, atomic, object or kref has)", target,
                                  lab::type_name(o->type)));
    }
}

std::vector<lab::ObjectSpec> parse_lab_objects(const Ctx& c, const json& root, bool lab_kernel) {
    std::vector<lab::ObjectSpec> out;
    if (!root.contains("objects")) return out;
    if (!lab_kernel) c.fail("$.objects", "only kernel \"lab\" declares objects");
    const json& objs = root["objects"];
    c.object(objs, "$.objects");
    if (objs.size() > 32) c.fail("$.objects", fmt::format("expected at most 32 objects, found {}", objs.size()));
    std::vector<std::string> types;
    for (const auto& [n, t] : lab::type_names()) types.push_back(n);
    for (auto it = objs.begin(); it != objs.end(); ++it) {
        const std::string w = "$.objects." + it.key();
        if (!valid_object_name(it.key()))
            c.fail(w, "expected an object name: a letter or _, then letters, digits or _, at most 16 (not NULL)");
        lab::ObjectSpec s;
        s.name = it.key();
        const json& v = it.value();
        std::string type;
        if (v.is_string()) {
            type = v.get<std::string>();
        } else if (v.is_object()) {
            c.only_keys(v, w, {"type", "value", "allocated", "comment"});
            type = c.str(c.need(v, w, "type"), w + ".type");
        } else {
            c.fail(w, fmt::format("expected a type ({}) or an object with \"type\", found {}", join(types), describe(v)));
        }
        const std::string tw = v.is_string() ? w : w + ".type";
        auto t = std::find_if(lab::type_names().begin(), lab::type_names().end(), [&](auto& p) { return p.first == type; });
        if (t == lab::type_names().end()) c.fail(tw, fmt::format("unknown type \"{}\"; {}", type, expected_one_of(type, types)));
        s.type = t->second;
        if (s.type == lab::Type::kref) s.value = 1;
        if (v.is_object() && v.contains("value")) {
            const std::string vw = w + ".value";
            switch (s.type) {
            case lab::Type::integer:
            case lab::Type::atomic:
            case lab::Type::object: s.value = c.integer(v["value"], vw, -2147483647L - 1, 2147483647L); break;
            case lab::Type::kref: s.value = c.integer(v["value"], vw, 1, 1000000); break;
            case lab::Type::pointer:
                if (!v["value"].is_null() && !v["value"].is_string())
                    c.fail(vw, "expected null or the name of an object or kref to point to, found " + describe(v["value"]));
                if (!v["value"].is_null()) s.points_to = v["value"].get<std::string>();
                break;
            default: c.fail(vw, fmt::format("a {} takes no value", type));
            }
        }
        if (v.is_object() && v.contains("allocated")) {
            if (s.type != lab::Type::object && s.type != lab::Type::kref)
                c.fail(w + ".allocated", "only an object or a kref may start unallocated");
            if (!v["allocated"].is_boolean())
                c.fail(w + ".allocated", "expected a boolean, found " + describe(v["allocated"]));
            s.allocated = v["allocated"].get<bool>();
        }
        out.push_back(s);
    }
    for (const auto& s : out) {
        if (s.points_to.empty()) continue;
        auto t = std::find_if(out.begin(), out.end(), [&](auto& o) { return o.name == s.points_to; });
        if (t == out.end() || (t->type != lab::Type::object && t->type != lab::Type::kref))
            c.fail("$.objects." + s.name + ".value",
                   fmt::format("expected null or the name of an object or kref to point to, found \"{}\"", s.points_to));
        if (!t->allocated)
            c.fail("$.objects." + s.name + ".value",
                   fmt::format("\"{}\" starts unallocated: a pointer to it would be NULL (use null)", s.points_to));
    }
    if (root.contains("setup")) note_kmallocs(root["setup"], out);
    if (root.contains("threads") && root["threads"].is_array())
        for (const auto& t : root["threads"])
            if (t.is_object() && t.contains("ops")) note_kmallocs(t["ops"], out);
    return out;
}

Op parse_lab_op(const Ctx& c, const json& j_in, const std::string& where, bool in_setup, expr::Scope& scope,
                const std::vector<lab::ObjectSpec>& objects) {
    c.object(j_in, where);
    Op op;
    op.where = where;
    op.op = c.str(c.need(j_in, where, "op"), where + ".op");
    std::vector<std::string> names;
    for (const auto& i : lab::ops()) names.push_back(i.name);
    const lab::OpInfo* info = lab::find_op(op.op);
    if (!info && container_op(op.op))
        c.fail(where + ".op", fmt::format("op \"{}\" is not available on kernel lab (it has no tasks, containers or "
                                          "files, only its objects); it has: {}",
                                          op.op, join(names)));
    if (!info) c.fail(where + ".op", fmt::format("unknown op \"{}\" on kernel lab; {}", op.op, expected_one_of(op.op, names)));
    json j = j_in;
    auto object_named = [&](const std::string& n) {
        return std::find_if(objects.begin(), objects.end(), [&](auto& o) { return o.name == n; });
    };
    std::vector<std::string> keys{"op", "comment", "as", "if", "repeat", "for_each"};
    const lab::ObjectSpec* obj = nullptr;
    if (!info->takes.empty()) {
        keys.push_back("object");
        if (info->via) keys.push_back("via");
        if (j.contains("object") && j.contains("via")) c.fail(where, "expected one of \"object\" and \"via\", not both");
        if (j.contains("via")) {
            if (!info->via) c.fail(where + ".via", fmt::format("op {} takes an object by name, not \"via\"", op.op));
            op.via = c.str(j["via"], where + ".via");
            if (!scope.count(op.via) || !scope.at(op.via).pointer)
                c.fail(where + ".via", fmt::format("expected the name of an earlier load or rcu_dereference of a pointer "
                                                   "(bound with \"as\"), found \"{}\"",
                                                   op.via));
        } else {
            op.object = c.str(c.need(j, where, "object"), where + ".object");
            auto o = object_named(op.object);
            if (o == objects.end())
                c.fail(where + ".object",
                       fmt::format("unknown object \"{}\"; {}", op.object,
                                   objects.empty() ? std::string("no object is declared ($.objects)")
                                                   : expected_one_of(op.object, names_of(objects))));
            if (std::find(info->takes.begin(), info->takes.end(), o->type) == info->takes.end())
                c.fail(where + ".object", fmt::format("op {} takes {}; \"{}\" is {} {}", op.op, types_of(*info), op.object,
                                                      o->type == lab::Type::integer || o->type == lab::Type::atomic ||
                                                              o->type == lab::Type::object
                                                          ? "an"
                                                          : "a",
                                                      lab::type_name(o->type)));
            obj = &*o;
        }
    }
    // A pointer's value is an object's name (or null), not an expression.
    const bool pointer_value = obj && obj->type == lab::Type::pointer && info->value;
    if (info->value) {
        keys.push_back("value");
        const json& v = c.need(j, where, "value");
        if (pointer_value) {
            op.pointer_value = true;
            if (!v.is_null()) {
                if (!v.is_string())
                    c.fail(where + ".value",
                           "expected null or the name of an object or kref to point to, found " + describe(v));
                op.value = v.get<std::string>();
                auto t = object_named(op.value);
                if (t == objects.end() || (t->type != lab::Type::object && t->type != lab::Type::kref))
                    c.fail(where + ".value", fmt::format("expected null or the name of an object or kref, found \"{}\"",
                                                         op.value));
            }
            j.erase("value");
        } else if (v.is_number_integer()) {
            op.number = c.integer(v, where + ".value", -2147483647L - 1, 2147483647L);
        } else if (!v.is_string()) {
            c.fail(where + ".value", "expected an integer or an integer expression, found " + describe(v));
        }
    }
    if (op.op == "kmalloc") {
        keys.push_back("gfp");
        if (j.contains("gfp")) {
            std::string g = c.str(j["gfp"], where + ".gfp");
            if (g != "GFP_KERNEL" && g != "GFP_ATOMIC")
                c.fail(where + ".gfp", fmt::format("expected \"GFP_KERNEL\" or \"GFP_ATOMIC\", found \"{}\"", g));
            op.atomic_gfp = g == "GFP_ATOMIC";
        }
    }
    parse_flow(c, j, where, in_setup, op.op, scope, op.flow);
    if (in_setup && j.contains("as")) {
        // The lab has one task, init.
        if (!j["as"].is_number_integer() || j["as"].get<long>() != 1)
            c.fail(where + ".as", "the lab has one task, init: \"as\" may only be 1 (or a name to bind the result "
                                  "to), found " + describe(j["as"]));
        op.as = 1;
    }
    c.only_keys(j, where, keys);
    const bool pointer_read = op.op == "rcu_dereference" || (op.op == "load" && obj && obj->type == lab::Type::pointer);
    expr::NameInfo bound;
    bound.has_text = op.op == "load" || op.op == "rcu_dereference" || op.op == "atomic_read";
    bound.pointer = pointer_read;
    bind_flow(op.flow, bound, scope);
    return op;
}

}  // namespace app::scenario_parse
