#include "app/scenario_flow.h"

#include <cctype>

namespace app::scenario_parse {

namespace {

// Integer fields an expression may give, by op. A fork's or clone's pid is
// not among them: the pids a run can have are known before it starts.
bool int_field(const std::string& op, const std::string& key) {
    if (key == "pid") return op == "attach";
    if (key == "cputime") return op == "tick";
    if (key == "uid" || key == "euid" || key == "suid") return op == "setuid";
    if (key == "value") return op == "store" || op == "atomic_set";  // the lab's (a pointer store's is a name)
    return false;
}

// Text fields that may have ${...} parts. A mount point is not: the mounts
// are known before the run.
bool text_field(const std::string& op, const std::string& key) {
    if (key == "path")
        return op == "attach" || op == "mkdir" || op == "rmdir" || op == "read" || op == "write" || op == "css_get" ||
               op == "css_put" || op == "open";
    if (key == "value") return op == "write" || op == "module_param";
    return false;
}

// A name "as" may bind: lower case first (errno names are capitals), not a
// word the language keeps for itself.
bool valid_name(const std::string& n) {
    if (n.empty() || n.size() > 32 || !(std::islower(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
    for (char ch : n)
        if (!(std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch)) || ch == '_'))
            return false;
    return n != "len" && n != "each" && n != "index";
}

expr::ExprPtr expression(const Ctx& c, const json& v, const std::string& where, const expr::Scope& scope,
                         expr::Type want) {
    if (!v.is_string())
        c.fail(where, fmt::format("expected {} expression written as a string (e.g. \"{}\"), found {}",
                                  want == expr::Type::integer ? "an integer" : want == expr::Type::list ? "a list" : "a text",
                                  want == expr::Type::list ? "$r.pids" : "g == 0", describe(v)));
    std::string text = v.get<std::string>();
    std::string error;
    expr::ExprPtr e = expr::parse(text, scope, error);
    if (!e) c.fail(where, fmt::format("expected an expression: {} in \"{}\"", error, text));
    if (e->type() != want)
        c.fail(where, fmt::format("expected {} expression, found {} (\"{}\")", want == expr::Type::integer ? "an integer"
                                                                           : want == expr::Type::list ? "a list"
                                                                                                      : "a text",
                                  expr::type_name(e->type()), text));
    return e;
}

}  // namespace

void parse_flow(const Ctx& c, json& j, const std::string& where, bool in_setup, const std::string& op,
                const expr::Scope& scope, OpFlow& flow) {
    if (in_setup && j.contains("as") && !j["as"].is_string() && !j["as"].is_number_integer())
        c.fail(where + ".as", "expected a pid (the task performing the op) or a name to bind the op's result to, found " +
                                  describe(j["as"]));
    if (j.contains("as") && (!in_setup || j["as"].is_string())) {
        const std::string w = where + ".as";
        if (!j["as"].is_string())
            c.fail(w, std::string("expected a name to bind the op's result to") +
                          (in_setup ? "" : " (a thread's ops run as its task)") + ", found " + describe(j["as"]));
        flow.bind = j["as"].get<std::string>();
        if (!valid_name(flow.bind))
            c.fail(w, fmt::format("expected a name: a lower-case letter or _, then lower-case letters, digits or _, "
                                  "at most 32 characters (not len, each or index); found \"{}\"",
                                  flow.bind));
        j.erase("as");  // not the set-up's "as": PID
    }
    if (j.contains("if")) flow.cond = expression(c, j["if"], where + ".if", scope, expr::Type::integer);
    if (j.contains("repeat") && j.contains("for_each"))
        c.fail(where, "expected at most one of \"repeat\" and \"for_each\"");
    if (j.contains("repeat")) {
        const json& r = j["repeat"];
        const std::string w = where + ".repeat";
        if (r.is_number_integer()) {
            int n = c.integer(r, w, 0, static_cast<long>(expr::kMaxIterations));
            std::string unused;
            flow.repeat = expr::parse(std::to_string(n), {}, unused);
        } else if (r.is_string()) {
            flow.repeat = expression(c, r, w, scope, expr::Type::integer);
        } else {
            c.fail(w, fmt::format("expected a number of times (0 to {}) or an integer expression, found {}",
                                  expr::kMaxIterations, describe(r)));
        }
    }
    expr::Scope inner = scope;
    if (j.contains("for_each")) {
        flow.for_each = expression(c, j["for_each"], where + ".for_each", scope, expr::Type::list);
        inner["each"] = {};
        inner["index"] = {};
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string key = it.key();
        const std::string w = where + "." + key;
        if (!it.value().is_string()) continue;
        const bool dollar_brace = expr::is_template(it.value().get<std::string>());
        if (dollar_brace && int_field(op, key))
            c.fail(w, fmt::format("an integer field is an expression itself: write {} without ${{...}} (e.g. \"t + 1\")",
                                  key));
        if (dollar_brace && !text_field(op, key) && key != "comment")
            c.fail(w, fmt::format("{}'s {} cannot have ${{...}} parts: it is known before the run (only a path of "
                                  "attach, mkdir, rmdir, read, write, css_get or css_put, and a value of write or "
                                  "module_param, are computed)",
                                  op, key));
        if (int_field(op, key)) {
            flow.ints[key] = expression(c, it.value(), w, inner, expr::Type::integer);
        } else if (text_field(op, key) && expr::is_template(it.value().get<std::string>())) {
            expr::Template t;
            std::string error;
            if (!expr::parse_template(it.value().get<std::string>(), inner, t, error))
                c.fail(w, fmt::format("expected a text with ${{expression}} parts: {}", error));
            if (key == "path" && t.source[0] != '/')
                c.fail(w, fmt::format("expected an absolute path, found \"{}\"", t.source));
            flow.texts[key] = t;
        }
    }
    // Placeholders the op's own checks accept: the run computes the values.
    for (const auto& [key, e] : flow.ints) j[key] = key == "cputime" ? 1 : 0;
}

void bind_flow(const OpFlow& flow, const expr::NameInfo& bound, expr::Scope& scope) {
    if (flow.bind.empty()) return;
    // Rebound, a name keeps what it had: which op binds it last is the run's business.
    expr::NameInfo& n = scope[flow.bind];
    n.has_text = n.has_text || bound.has_text;
    n.pointer = n.pointer || bound.pointer;
    n.handle = n.handle || bound.handle;
}

}  // namespace app::scenario_parse
