// What the terminal standard output goes to asks of the text report: its
// width and whether it wants colour.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace app {

// --width N if given; else COLUMNS if it holds a width; else the terminal's
// (TIOCGWINSZ) when standard output is one; else 0, the natural layout
// (pipes stay byte-stable).
std::size_t output_width(std::optional<std::size_t> forced);

// --color always|never|auto: auto is a terminal and no NO_COLOR (no-color.org:
// set and not empty).
bool output_colour(const std::string& mode);

}  // namespace app
