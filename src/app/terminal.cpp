#include "app/terminal.h"

#include <cstdlib>
#include <cstring>

#include <sys/ioctl.h>
#include <unistd.h>

namespace app {

namespace {
constexpr std::size_t kMaxWidth = 1000;  // wider than any screen: a bogus COLUMNS
}

std::size_t output_width(std::optional<std::size_t> forced) {
    if (forced) return *forced;
    if (const char* c = std::getenv("COLUMNS")) {
        char* end = nullptr;
        long v = std::strtol(c, &end, 10);
        if (end != c && *end == '\0' && v > 0 && static_cast<std::size_t>(v) <= kMaxWidth)
            return static_cast<std::size_t>(v);
    }
    struct winsize ws {};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

bool output_colour(const std::string& mode) {
    if (mode == "always") return true;
    if (mode == "never") return false;
    const char* no = std::getenv("NO_COLOR");
    return ::isatty(STDOUT_FILENO) && !(no && *no);
}

}  // namespace app
