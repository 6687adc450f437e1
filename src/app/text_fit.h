// Text that fits a width: display columns (UTF-8 code points, ANSI colour
// codes take none), padding and word wrapping for the report's columns.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace app {

std::size_t display_width(const std::string& s);
std::string pad(const std::string& s, std::size_t w);
// Lines of at most w columns, cut at spaces where possible; continuation
// lines start with `indent` more spaces than the text.
std::vector<std::string> wrap(const std::string& text, std::size_t w, std::size_t indent = 2);
// The first w columns ("…" ends a cut).
std::string truncate(const std::string& s, std::size_t w);
// A whole line fitted to w columns: wrapped, continuation lines indented
// under the line's own indent plus two (w == 0: unchanged).
std::string fit_line(const std::string& line, std::size_t w);

// ANSI SGR colours for a terminal.
namespace colour {
inline const char* const red = "\x1b[31m";
inline const char* const yellow = "\x1b[33m";
inline const char* const cyan = "\x1b[36m";
inline const char* const dim = "\x1b[2m";
inline const char* const bold = "\x1b[1m";
inline const char* const reset = "\x1b[0m";
}  // namespace colour

}  // namespace app
