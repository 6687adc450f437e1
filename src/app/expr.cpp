#include "app/expr.h"

#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "app/nearest_name.h"
#include "core/errno_names.h"

namespace app::expr {

const char* type_name(Type t) {
    switch (t) {
    case Type::integer: return "an integer";
    case Type::text: return "a text";
    case Type::list: return "a list";
    }
    return "?";
}

struct Node {
    enum class Kind { integer, text, name, member, index, len, unary, binary };
    explicit Node(Kind k) : kind(k) {}
    Kind kind;
    Type type = Type::integer;
    long long i = 0;       // integer literal
    std::string s;         // text literal, name, member ("text"/"pids"), operator
    std::shared_ptr<const Node> a, b;
};

namespace {

using NodePtr = std::shared_ptr<const Node>;

// A parse error: what was expected, and the column.
struct ParseFail {
    std::string what;
};

long long saturate(__int128 v) {
    if (v > std::numeric_limits<long long>::max()) return std::numeric_limits<long long>::max();
    if (v < std::numeric_limits<long long>::min()) return std::numeric_limits<long long>::min();
    return static_cast<long long>(v);
}

Value eval_node(const Node& n, const Env& env) {
    Value v;
    switch (n.kind) {
    case Node::Kind::integer: v.i = n.i; return v;
    case Node::Kind::text: v.type = Type::text; v.text = n.s; return v;
    case Node::Kind::name: {
        auto it = env.find(n.s);
        v.i = it == env.end() ? 0 : it->second.ret;
        return v;
    }
    case Node::Kind::member: {
        auto it = env.find(n.a->s);
        const std::string text = it == env.end() ? std::string() : it->second.text;
        if (n.s == "text") {
            v.type = Type::text;
            v.text = text;
        } else {
            v.type = Type::list;
            v.list = pids_of(text);
        }
        return v;
    }
    case Node::Kind::index: {
        Value l = eval_node(*n.a, env);
        long long k = eval_node(*n.b, env).i;
        v.i = k >= 0 && static_cast<unsigned long long>(k) < l.list.size() ? l.list[static_cast<std::size_t>(k)] : -1;
        return v;
    }
    case Node::Kind::len: {
        Value x = eval_node(*n.a, env);
        v.i = static_cast<long long>(x.type == Type::text ? x.text.size() : x.list.size());
        return v;
    }
    case Node::Kind::unary: {
        long long x = eval_node(*n.a, env).i;
        v.i = n.s == "!" ? !x : saturate(-static_cast<__int128>(x));
        return v;
    }
    case Node::Kind::binary: {
        if (n.s == "&&") {
            v.i = eval_node(*n.a, env).i && eval_node(*n.b, env).i;
            return v;
        }
        if (n.s == "||") {
            v.i = eval_node(*n.a, env).i || eval_node(*n.b, env).i;
            return v;
        }
        Value x = eval_node(*n.a, env), y = eval_node(*n.b, env);
        if (x.type == Type::text) {
            v.i = n.s == "==" ? x.text == y.text : x.text != y.text;
            return v;
        }
        if (n.s == "+") v.i = saturate(static_cast<__int128>(x.i) + y.i);
        else if (n.s == "-") v.i = saturate(static_cast<__int128>(x.i) - y.i);
        else if (n.s == "==") v.i = x.i == y.i;
        else if (n.s == "!=") v.i = x.i != y.i;
        else if (n.s == "<") v.i = x.i < y.i;
        else if (n.s == "<=") v.i = x.i <= y.i;
        else if (n.s == ">") v.i = x.i > y.i;
        else if (n.s == ">=") v.i = x.i >= y.i;
        return v;
    }
    }
    return v;
}

// Recursive descent over the grammar in docs/scenario-format.md.
class Parser {
public:
    Parser(const std::string& t, const Scope& s) : text_(t), scope_(s) {}

    NodePtr parse_all() {
        NodePtr n = disjunction();
        skip();
        if (pos_ < text_.size()) fail(fmt::format("unexpected \"{}\"", text_.substr(pos_, 1)));
        return n;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { fail_at(pos_, what); }
    [[noreturn]] void fail_at(std::size_t pos, const std::string& what) const {
        throw ParseFail{fmt::format("{} at column {}", what, pos + 1)};
    }
    void skip() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    }
    bool eat(const char* tok) {
        skip();
        std::string t(tok);
        if (text_.compare(pos_, t.size(), t) != 0) return false;
        // "<" is not the start of "<=", "=" alone is no operator.
        if ((t == "<" || t == ">" || t == "!") && pos_ + 1 < text_.size() && text_[pos_ + 1] == '=') return false;
        pos_ += t.size();
        return true;
    }
    static NodePtr make(Node n) { return std::make_shared<const Node>(std::move(n)); }
    // A type error points at the operator (`at`) that needs the type.
    void need(const NodePtr& n, Type t, const std::string& what, std::size_t at) const {
        if (n->type != t) fail_at(at, fmt::format("{} needs {}, found {}", what, type_name(t), type_name(n->type)));
    }
    std::size_t op_at() {
        skip();
        return pos_;
    }
    NodePtr binary(const std::string& op, NodePtr a, NodePtr b) {
        Node n(Node::Kind::binary);
        n.s = op;
        n.a = std::move(a);
        n.b = std::move(b);
        return make(std::move(n));
    }
    // Every nesting goes through unary(): the one place that bounds the depth.
    void enter() {
        if (++depth_ > 32) fail("expression nested more than 32 deep");
    }
    // a || b || ... and a && b && ...: integers, C's truth.
    NodePtr logical(const char* op, NodePtr (Parser::*next)()) {
        NodePtr a = (this->*next)();
        for (std::size_t at = op_at(); eat(op); at = op_at()) {
            NodePtr b = (this->*next)();
            const std::string what = std::string("\"") + op + "\"";
            need(a, Type::integer, what, at);
            need(b, Type::integer, what, at);
            a = binary(op, a, b);
        }
        return a;
    }
    NodePtr disjunction() { return logical("||", &Parser::conjunction); }
    NodePtr conjunction() { return logical("&&", &Parser::comparison); }
    NodePtr comparison() {
        NodePtr a = sum();
        const std::size_t at = op_at();
        for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
            if (!eat(op)) continue;
            NodePtr b = sum();
            std::string o(op);
            bool equality = o == "==" || o == "!=";
            if (a->type == Type::list || b->type == Type::list) fail_at(at, "\"" + o + "\" cannot compare lists");
            if (a->type != b->type)
                fail_at(at, fmt::format("\"{}\" compares {} with {}", o, type_name(a->type), type_name(b->type)));
            if (!equality && a->type != Type::integer) fail_at(at, "\"" + o + "\" needs integers");
            return binary(o, a, b);
        }
        return a;
    }
    NodePtr sum() {
        NodePtr a = unary();
        for (;;) {
            const std::size_t at = op_at();
            std::string op = eat("+") ? "+" : eat("-") ? "-" : "";
            if (op.empty()) return a;
            NodePtr b = unary();
            need(a, Type::integer, "\"" + op + "\"", at);
            need(b, Type::integer, "\"" + op + "\"", at);
            a = binary(op, a, b);
        }
    }
    NodePtr unary() {
        enter();
        NodePtr r;
        if (eat("!")) {
            r = unary_of("!");
        } else if (eat("-")) {
            r = unary_of("-");
        } else {
            r = postfix();
        }
        --depth_;
        return r;
    }
    NodePtr unary_of(const std::string& op) {
        const std::size_t at = pos_ - 1;  // the operator just eaten
        NodePtr x = unary();
        need(x, Type::integer, "\"" + op + "\"", at);
        Node n(Node::Kind::unary);
        n.s = op;
        n.a = x;
        return make(std::move(n));
    }
    NodePtr postfix() {
        NodePtr a = primary();
        for (;;) {
            const std::size_t at = op_at();
            if (eat("[")) {
                if (a->type != Type::list) fail_at(at, fmt::format("\"[\" indexes a list, not {}", type_name(a->type)));
                NodePtr k = disjunction();
                need(k, Type::integer, "an index", at);
                if (!eat("]")) fail("expected \"]\"");
                Node n(Node::Kind::index);
                n.a = a;
                n.b = k;
                a = make(std::move(n));
            } else if (eat(".")) {
                std::size_t at = pos_;
                std::string m = ident();
                if (a->kind != Node::Kind::name) {
                    pos_ = at;
                    fail("\".\" follows a name bound with \"as\"");
                }
                if (m != "text" && m != "pids") {
                    pos_ = at;
                    fail(fmt::format("unknown member \"{}\": expected .text or .pids", m));
                }
                if (!scope_.at(a->s).has_text) {
                    pos_ = at;
                    fail(fmt::format("\"{}\" has no .{}: only a read or a load binds a text", a->s, m));
                }
                Node n(Node::Kind::member);
                n.type = m == "text" ? Type::text : Type::list;
                n.s = m;
                n.a = a;
                a = make(std::move(n));
            } else {
                return a;
            }
        }
    }
    std::string ident() {
        skip();
        std::size_t b = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
            ++pos_;
        if (b == pos_ || std::isdigit(static_cast<unsigned char>(text_[b]))) {
            pos_ = b;
            fail("expected a name");
        }
        return text_.substr(b, pos_ - b);
    }
    NodePtr primary() {
        skip();
        if (pos_ >= text_.size()) fail("expected a value");
        char ch = text_[pos_];
        if (std::isdigit(static_cast<unsigned char>(ch))) {
            std::size_t b = pos_;
            while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
            if (pos_ - b > 12) {
                pos_ = b;
                fail("number too large (at most 12 digits)");
            }
            Node n(Node::Kind::integer);
            n.i = std::stoll(text_.substr(b, pos_ - b));
            return make(std::move(n));
        }
        if (ch == '\'') {
            std::size_t close = text_.find('\'', pos_ + 1);
            if (close == std::string::npos) fail("unterminated text (a text is in single quotes)");
            Node n(Node::Kind::text);
            n.type = Type::text;
            n.s = text_.substr(pos_ + 1, close - pos_ - 1);
            // "\n" in a text is a newline (a read's text ends with one).
            for (std::size_t p; (p = n.s.find("\\n")) != std::string::npos;) n.s.replace(p, 2, "\n");
            pos_ = close + 1;
            return make(std::move(n));
        }
        if (eat("(")) {
            NodePtr x = disjunction();
            if (!eat(")")) fail("expected \")\"");
            return x;
        }
        if (ch == '$') {  // "$g": the sigil is optional in expressions
            ++pos_;
            if (pos_ >= text_.size() || !(std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
                fail("expected a name right after \"$\"");
        }
        std::size_t at = pos_;
        std::string id = ident();
        if (id == "len") {
            if (!eat("(")) fail("expected \"(\" after len");
            NodePtr x = disjunction();
            if (x->type == Type::integer) fail("len() takes a list or a text, found an integer");
            if (!eat(")")) fail("expected \")\"");
            Node n(Node::Kind::len);
            n.a = x;
            return make(std::move(n));
        }
        if (auto e = core::parse_result("-" + id); e && id.size() > 1 && id[0] == 'E') {
            Node n(Node::Kind::integer);  // an errno name: ENOENT is 2, so "-ENOENT" reads as in C
            n.i = -*e;
            return make(std::move(n));
        }
        if (!scope_.count(id)) {
            pos_ = at;
            if (id == "each" || id == "index")
                fail(fmt::format("\"{}\" exists only in an op with \"for_each\"", id));
            if (id.size() > 1 && id[0] == 'E' && id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string::npos) {
                auto near = app::did_you_mean(id, core::errno_names());
                fail(fmt::format("unknown errno name \"{}\"{}", id, near ? "; did you mean " + *near + "?" : ""));
            }
            std::string bound;
            for (const auto& [name, info] : scope_) bound += (bound.empty() ? "" : ", ") + name;
            fail(fmt::format("unknown name \"{}\" ({}; each thread's names are its own)", id,
                             bound.empty() ? "no earlier op binds one with \"as\"" : "bound so far: " + bound));
        }
        Node n(Node::Kind::name);
        n.s = id;
        return make(std::move(n));
    }

    const std::string& text_;
    const Scope& scope_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

}  // namespace

Type Expr::type() const { return root_->type; }
Value Expr::eval(const Env& env) const { return eval_node(*root_, env); }

ExprPtr parse(const std::string& text, const Scope& scope, std::string& error) {
    if (text.size() > 200) {
        error = fmt::format("expression longer than 200 characters ({})", text.size());
        return nullptr;
    }
    Parser p(text, scope);
    try {
        auto e = std::make_shared<Expr>();
        e->root_ = p.parse_all();
        e->source_ = text;
        return e;
    } catch (const ParseFail& f) {
        error = f.what;
    }
    return nullptr;
}

bool is_template(const std::string& text) { return text.find("${") != std::string::npos; }

bool parse_template(const std::string& text, const Scope& scope, Template& out, std::string& error) {
    out = Template{};
    out.source = text;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t open = text.find("${", pos);
        if (open == std::string::npos) {
            out.parts.emplace_back(text.substr(pos));
            break;
        }
        if (open > pos) out.parts.emplace_back(text.substr(pos, open - pos));
        std::size_t close = text.find('}', open);
        if (close == std::string::npos) {
            error = fmt::format("\"${{\" at column {} has no closing \"}}\"", open + 1);
            return false;
        }
        std::string inner_error;
        ExprPtr e = parse(text.substr(open + 2, close - open - 2), scope, inner_error);
        if (!e) {
            error = fmt::format("in \"${{...}}\" at column {}: {}", open + 1, inner_error);
            return false;
        }
        if (e->type() == Type::list) {
            error = fmt::format("in \"${{...}}\" at column {}: a list cannot be written into a text (index it: l[0])",
                                open + 1);
            return false;
        }
        out.parts.emplace_back(e);
        pos = close + 1;
    }
    return true;
}

std::string Template::eval(const Env& env) const {
    std::string s;
    for (const auto& part : parts) {
        if (const auto* lit = std::get_if<std::string>(&part)) {
            s += *lit;
            continue;
        }
        Value v = std::get<ExprPtr>(part)->eval(env);
        s += v.type == Type::text ? v.text : std::to_string(v.i);
    }
    return s;
}

std::vector<long long> pids_of(const std::string& text) {
    std::vector<long long> out;
    std::size_t b = 0;
    while (b < text.size()) {
        std::size_t e = text.find('\n', b);
        if (e == std::string::npos) e = text.size();
        std::string line = text.substr(b, e - b);
        if (!line.empty() && line.size() <= 12 && line.find_first_not_of("0123456789") == std::string::npos)
            out.push_back(std::stoll(line));
        b = e + 1;
    }
    return out;
}

}  // namespace app::expr
