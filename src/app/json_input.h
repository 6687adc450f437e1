// Reading a JSON input file within fixed limits: its size, its nesting (the
// parser recurses: a deep enough nest would overflow the stack) and numbers
// it cannot hold are refused with InputError, never a crash.
#pragma once
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace app {

constexpr std::size_t kMaxInputBytes = 16 * 1024 * 1024;
constexpr int kMaxInputDepth = 64;

// The file's text; throws InputError("FILE: cannot open file", "FILE: $: expected at most ...").
std::string read_input_file(const std::string& file);
// Parses `text` (from `file`, for messages); throws InputError naming the
// file and "$" with what was wrong (syntax, nesting, a number out of range).
nlohmann::json parse_input_json(const std::string& text, const std::string& file);

}  // namespace app
