// Option values CLI11 would otherwise accept wrongly: it converts "-1" to an
// unsigned by wrapping (so `--seed -1` became a seed and `--max-runs -1` no
// bound) and lets NaN through a Range check (comparisons with NaN are false).
#pragma once
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

namespace app {

// Digits only, at most `max`.
inline CLI::Validator whole_number(std::uint64_t max = UINT64_MAX) {
    return CLI::Validator(
        [max](std::string& s) -> std::string {
            std::uint64_t v = 0;
            const char* end = s.data() + s.size();
            auto [p, ec] = std::from_chars(s.data(), end, v);
            if (s.empty() || s[0] == '+' || ec != std::errc() || p != end || v > max)
                return "expected a whole number from 0 to " + std::to_string(max) + ", found " + s;
            return "";
        },
        "UINT");
}

// A finite number (not nan, not inf).
inline CLI::Validator finite_number() {
    return CLI::Validator(
        [](std::string& s) -> std::string {
            char* end = nullptr;
            double v = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
                return "expected a finite number, found " + s;
            return "";
        },
        "NUMBER");
}

}  // namespace app
