#include "app/json_input.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "app/scenario.h"

namespace app {

std::string read_input_file(const std::string& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) throw InputError(file + ": cannot open file");
    const auto size = std::filesystem::file_size(file, ec);
    if (ec) throw InputError(file + ": cannot open file");
    if (size > kMaxInputBytes)
        throw InputError(fmt::format("{}: $: expected at most {} bytes, the file has {}", file, kMaxInputBytes, size));
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file + ": cannot open file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

namespace {
// The deepest nesting of arrays and objects, strings skipped.
int nesting(const std::string& text) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}
}  // namespace

nlohmann::json parse_input_json(const std::string& text, const std::string& file) {
    if (int d = nesting(text); d > kMaxInputDepth)
        throw InputError(fmt::format("{}: $: expected arrays and objects nested at most {} deep, found {}", file,
                                     kMaxInputDepth, d));
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        // parse_error (syntax) and out_of_range (a number JSON cannot hold, e.g. 1e999).
        std::string msg = e.what();
        auto p = msg.find("] ");
        throw InputError(fmt::format("{}: $: expected valid JSON: {}", file, p == std::string::npos ? msg : msg.substr(p + 2)));
    }
}

}  // namespace app
