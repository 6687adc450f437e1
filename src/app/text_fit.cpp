#include "app/text_fit.h"

namespace app {

namespace {

// Length of the ANSI escape sequence at s[i] (ESC '[' ... final letter), else 0.
std::size_t escape_length(const std::string& s, std::size_t i) {
    if (s[i] != '\x1b' || i + 1 >= s.size() || s[i + 1] != '[') return 0;
    std::size_t j = i + 2;
    while (j < s.size() && !(s[j] >= '@' && s[j] <= '~')) ++j;
    return j < s.size() ? j - i + 1 : s.size() - i;
}

// Byte offset where display column `col` starts (s.size() if past the end).
std::size_t offset_of_column(const std::string& s, std::size_t col) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size();) {
        if (std::size_t e = escape_length(s, i)) {
            i += e;
            continue;
        }
        if (n == col) return i;
        ++n;
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    }
    return s.size();
}

}  // namespace

std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (std::size_t e = escape_length(s, i)) {
            i += e - 1;
            continue;
        }
        n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    }
    return n;
}

std::string pad(const std::string& s, std::size_t w) {
    std::size_t n = display_width(s);
    return n >= w ? s : s + std::string(w - n, ' ');
}

std::vector<std::string> wrap(const std::string& text, std::size_t w, std::size_t indent) {
    std::vector<std::string> out;
    std::string rest = text;
    const std::string lead(indent, ' ');
    while (display_width(rest) > w && w > indent + 1) {
        // The last space at or before column w (a word longer than the
        // column is cut mid-word rather than left to overflow).
        std::size_t limit = offset_of_column(rest, w);
        std::size_t cut = rest.rfind(' ', limit);
        if (cut == std::string::npos || display_width(rest.substr(0, cut)) < w / 3) cut = limit;
        std::string piece = rest.substr(0, cut);
        while (!piece.empty() && piece.back() == ' ') piece.pop_back();
        out.push_back(piece);
        rest = lead + rest.substr(cut < rest.size() && rest[cut] == ' ' ? cut + 1 : cut);
    }
    out.push_back(rest);
    return out;
}

std::string truncate(const std::string& s, std::size_t w) {
    if (display_width(s) <= w) return s;
    if (w == 0) return "";
    return s.substr(0, offset_of_column(s, w - 1)) + "…";
}

std::string fit_line(const std::string& line, std::size_t w) {
    if (w == 0 || display_width(line) <= w) return line;
    std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || indent + 12 > w) indent = 0;
    std::string out;
    for (const std::string& l : wrap(line.substr(indent), w - indent, 2))
        out += (out.empty() ? "" : "\n") + std::string(indent, ' ') + l;
    return out;
}

}  // namespace app
