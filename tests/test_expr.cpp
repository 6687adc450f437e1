// Format v2's expression language (app/expr.h): what each form evaluates to,
// its totality rules (an index past the end, an unset name, overflow), and
// the exact message of each static error.
#include <catch2/catch.hpp>

#include "app/expr.h"

using namespace app::expr;

namespace {

Scope scope_with_read() {
    Scope s;
    s["g"] = {};
    s["r"].has_text = true;
    return s;
}

Env env_with_read() {
    Env e;
    e["g"] = {-16, ""};
    e["r"] = {0, "100\n101\nnot a pid\n102\n"};
    return e;
}

long long int_of(const std::string& text) {
    std::string err;
    ExprPtr e = parse(text, scope_with_read(), err);
    INFO(text << ": " << err);
    REQUIRE(e);
    REQUIRE(e->type() == Type::integer);
    return e->eval(env_with_read()).i;
}

std::string error_of(const std::string& text) {
    std::string err;
    ExprPtr e = parse(text, scope_with_read(), err);
    CHECK(!e);
    return err;
}

}  // namespace

TEST_CASE("expr: integers, names, errno names and operators evaluate as in C", "[expr]") {
    CHECK(int_of("1 + 2 - 4") == -1);
    CHECK(int_of("g") == -16);
    CHECK(int_of("$g") == -16);
    CHECK(int_of("g == -EBUSY") == 1);  // EBUSY is 16
    CHECK(int_of("g != 0 && !(g == 0)") == 1);
    CHECK(int_of("0 || 2") == 1);
    CHECK(int_of("3 <= 3") == 1);
    CHECK(int_of("3 < 3") == 0);
    CHECK(int_of("-(-5)") == 5);
    CHECK(int_of("1 + 2 == 3") == 1);  // + binds tighter than ==
}

TEST_CASE("expr: a read's text and the pids in it", "[expr]") {
    CHECK(int_of("r.pids[0]") == 100);
    CHECK(int_of("r.pids[2]") == 102);  // a line that is not a number is skipped
    CHECK(int_of("len(r.pids)") == 3);
    CHECK(int_of("len(r.text)") == 22);
    CHECK(int_of("r.text == '100\\n101\\nnot a pid\\n102\\n'") == 1);
    CHECK(int_of("r == 0") == 1);  // the name alone is the return value
}

TEST_CASE("expr: total -- past the end is -1, unset names are zero, sums saturate", "[expr]") {
    CHECK(int_of("r.pids[3]") == -1);
    CHECK(int_of("r.pids[0 - 1]") == -1);
    std::string err;
    ExprPtr e = parse("g + 1", scope_with_read(), err);
    REQUIRE(e);
    CHECK(e->eval(Env{}).i == 1);  // g not bound yet at run time: 0
    CHECK(int_of("999999999999 + 999999999999") == 1999999999998);
    Env big;
    big["g"] = {std::numeric_limits<long long>::max(), ""};
    CHECK(parse("g + g", scope_with_read(), err)->eval(big).i == std::numeric_limits<long long>::max());
    CHECK(parse("-g - g", scope_with_read(), err)->eval(big).i == std::numeric_limits<long long>::min());
}

TEST_CASE("expr: each static error names the column and what was expected", "[expr]") {
    CHECK(error_of("h == 0") == "unknown name \"h\" (bound so far: g, r; each thread's names are its own) at column 1");
    CHECK(error_of("g ==") == "expected a value at column 5");
    CHECK(error_of("g = 0") == "unexpected \"=\" at column 3");
    CHECK(error_of("g.text") == "\"g\" has no .text: only a read or a load binds a text at column 3");
    CHECK(error_of("r.size") == "unknown member \"size\": expected .text or .pids at column 3");
    CHECK(error_of("r.pids == 1") == "\"==\" cannot compare lists at column 8");
    CHECK(error_of("r.text == 1") == "\"==\" compares a text with an integer at column 8");
    CHECK(error_of("r.text < 'a'") == "\"<\" needs integers at column 8");
    // A type error points at the operator that needs the type.
    CHECK(error_of("g[0]") == "\"[\" indexes a list, not an integer at column 2");
    CHECK(error_of("len(g)") == "len() takes a list or a text, found an integer at column 6");
    CHECK(error_of("r.pids[0") == "expected \"]\" at column 9");
    CHECK(error_of("'abc") == "unterminated text (a text is in single quotes) at column 1");
    CHECK(error_of("1234567890123") == "number too large (at most 12 digits) at column 1");
    CHECK(error_of(std::string(40, '(') + "1" + std::string(40, ')')) == "expression nested more than 32 deep at column 33");
    CHECK(error_of(std::string(201, '1')) == "expression longer than 200 characters (201)");
    std::string err;
    CHECK(!parse("x", Scope{}, err));
    CHECK(err == "unknown name \"x\" (no earlier op binds one with \"as\"; each thread's names are its own) at column 1");
}

TEST_CASE("expr: errno names, each and index outside for_each, a bare $", "[expr]") {
    CHECK(error_of("g == -EINVALID") == "unknown errno name \"EINVALID\"; did you mean EINVAL? at column 7");
    CHECK(error_of("each == 0") == "\"each\" exists only in an op with \"for_each\" at column 1");
    CHECK(error_of("$ == 0") == "expected a name right after \"$\" at column 2");
}

TEST_CASE("expr: templates put integers in decimal and texts as they are", "[expr]") {
    Template t;
    std::string err;
    REQUIRE(parse_template("/dev/container/CS${r.pids[1] - 100}/x${g}", scope_with_read(), t, err));
    CHECK(t.eval(env_with_read()) == "/dev/container/CS1/x-16");
    CHECK(!parse_template("/a/${r.pids}", scope_with_read(), t, err));
    CHECK(err == "in \"${...}\" at column 4: a list cannot be written into a text (index it: l[0])");
    CHECK(!parse_template("/a/${g", scope_with_read(), t, err));
    CHECK(err == "\"${\" at column 4 has no closing \"}\"");
    CHECK(!parse_template("/a/${h}", scope_with_read(), t, err));
    CHECK(err == "in \"${...}\" at column 4: unknown name \"h\" (bound so far: g, r; each thread's names are its own) at column 1");
    CHECK(!is_template("/dev/container/CS1"));
}
