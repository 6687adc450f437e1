// Kernel error numbers the model returns, and their names for scenarios.
// Linux's <errno.h> values are the kernel's own (asm-generic/errno-base.h).
#pragma once
#include <cerrno>
#include <optional>
#include <string>
#include <vector>

namespace core {

// 0 -> "0", -3 -> "-ESRCH"
std::string result_name(int r);
// "-ESRCH" -> -3; "0" -> 0
std::optional<int> parse_result(const std::string& s);
// Every errno name the model knows, without the sign: "EPERM", ...
std::vector<std::string> errno_names();

}  // namespace core
