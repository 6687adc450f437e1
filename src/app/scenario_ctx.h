// What scenario parsing shares across its files: the error context (every
// message names the file, the JSON path and what was expected).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/nearest_name.h"
#include "app/scenario.h"

namespace app::scenario_parse {

using nlohmann::json;

inline std::string describe(const json& v) {
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "the string " + v.dump();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "the number " + v.dump();
    case json::value_t::number_float: return "the number " + v.dump();
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "a value";
    }
}

inline std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
}

// Collects the context (file) and builds errors with the JSON path.
struct Ctx {
    std::string file;
    // One line, whatever the input held: a control character a string of
    // the file carried into the message (a JSON "\n" or "\u0000") is
    // written as an escape, so the message neither breaks nor stops early.
    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw InputError(printable(fmt::format("{}: {}: {}", file, where, what)));
    }
    static std::string printable(const std::string& s) {
        std::string out;
        for (unsigned char ch : s) {
            if (ch == '\n') out += "\\n";
            else if (ch == '\t') out += "\\t";
            else if (ch < 0x20 || ch == 0x7f) out += fmt::format("\\x{:02x}", ch);
            else out += static_cast<char>(ch);
        }
        return out;
    }
    const json& need(const json& obj, const std::string& where, const char* key) const {
        if (!obj.contains(key)) fail(where, fmt::format("missing required key \"{}\"", key));
        return obj.at(key);
    }
    std::string str(const json& v, const std::string& where) const {
        if (!v.is_string()) fail(where, "expected a string, found " + describe(v));
        return v.get<std::string>();
    }
    int integer(const json& v, const std::string& where, long lo, long hi) const {
        if (!v.is_number_integer()) fail(where, "expected an integer, found " + describe(v));
        bool huge = v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi);
        long x = huge ? hi : v.get<long>();
        if (huge || x < lo || x > hi)
            fail(where, fmt::format("expected an integer from {} to {}, found {}", lo, hi, v.dump()));
        return static_cast<int>(x);
    }
    void only_keys(const json& obj, const std::string& where, const std::vector<std::string>& allowed) const {
        for (auto it = obj.begin(); it != obj.end(); ++it)
            if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
                fail(where + "." + it.key(), "unknown key; " + expected_one_of(it.key(), allowed));
    }
    void object(const json& v, const std::string& where) const {
        if (!v.is_object()) fail(where, "expected an object, found " + describe(v));
    }
    void array(const json& v, const std::string& where) const {
        if (!v.is_array()) fail(where, "expected an array, found " + describe(v));
    }
};

// An op of the container kernels (fork, attach, mount, ...).
bool container_op(const std::string& op);

}  // namespace app::scenario_parse
