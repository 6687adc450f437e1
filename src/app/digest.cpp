#include "app/digest.h"

#include <fmt/format.h>

namespace app {

std::uint64_t fnv1a64(const std::string& s) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::string digest_hex(const std::string& s) { return fmt::format("{:016x}", fnv1a64(s)); }

}  // namespace app
