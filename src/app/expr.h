// Scenario format v2's expression language: what an op's "if", "repeat",
// "for_each", integer fields ("pid": "$g.pids[0]") and text templates
// ("path": "/dev/container/${name}") compute from the results earlier ops
// bound with "as". Small and total: statically typed (a type error is bad
// input, caught by `contsim check`), no loops, every expression evaluates to
// a value (an index past the end gives -1, an unset name its type's zero,
// sums saturate). The grammar is in docs/scenario-format.md ("Expressions").
// Bindings are a thread's own (like registers): evaluating one is not a step.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace app::expr {

enum class Type { integer, text, list };
const char* type_name(Type t);

struct Value {
    Type type = Type::integer;
    long long i = 0;
    std::string text;
    std::vector<long long> list;
};

// What an op bound under a name at run time: its return value, and for a
// `read` (or a lab `load`) the text it read.
struct Binding {
    long long ret = 0;
    std::string text;
};
using Env = std::map<std::string, Binding>;

// What the static check knows of a name: bound by a read (so `.text` and
// `.pids` exist) or not.
struct NameInfo {
    bool has_text = false;
    bool pointer = false;  // a lab pointer's value (its text names the target): "via" may use it
    bool handle = false;   // an open control file's fd: "handle" may use it
};
using Scope = std::map<std::string, NameInfo>;

struct Node;

class Expr {
public:
    Type type() const;
    Value eval(const Env& env) const;
    const std::string& source() const { return source_; }

private:
    friend std::shared_ptr<const Expr> parse(const std::string&, const Scope&, std::string&);
    std::shared_ptr<const Node> root_;
    std::string source_;
};
using ExprPtr = std::shared_ptr<const Expr>;

// nullptr and `error` set ("unknown name \"h\" at column 1 (bound so far: g)").
ExprPtr parse(const std::string& text, const Scope& scope, std::string& error);

// A text with ${expr} parts (integers in decimal, texts as they are).
struct Template {
    std::vector<std::variant<std::string, ExprPtr>> parts;
    std::string source;
    std::string eval(const Env& env) const;
};
// True when `text` has a ${...} part; parse_template() then fills `out` or sets `error`.
bool is_template(const std::string& text);
bool parse_template(const std::string& text, const Scope& scope, Template& out, std::string& error);

// The integers of a text, one per line that is one (a tasks file's pids).
std::vector<long long> pids_of(const std::string& text);

// The bound of "repeat" and of a list "for_each" walks: no loop without one.
inline constexpr long long kMaxIterations = 1000;

}  // namespace app::expr
