#include "core/errno_names.h"

#include <array>
#include <utility>

namespace core {

namespace {
constexpr std::array<std::pair<int, const char*>, 18> kNames{{
    {EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EIO, "EIO"}, {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"}, {EBUSY, "EBUSY"}, {EEXIST, "EEXIST"}, {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"}, {EINVAL, "EINVAL"}, {ENOSPC, "ENOSPC"}, {E2BIG, "E2BIG"}, {ERANGE, "ERANGE"},
    {EBADF, "EBADF"}, {EAGAIN, "EAGAIN"}, {ENFILE, "ENFILE"}, {ENOSYS, "ENOSYS"},
}};
}

std::string result_name(int r) {
    if (r >= 0) return std::to_string(r);
    for (auto& [n, s] : kNames)
        if (n == -r) return std::string("-") + s;
    return std::to_string(r);
}

std::vector<std::string> errno_names() {
    std::vector<std::string> v;
    for (auto& [n, name] : kNames) v.push_back(name);
    return v;
}

std::optional<int> parse_result(const std::string& s) {
    if (s == "0") return 0;
    for (auto& [n, name] : kNames)
        if (s == std::string("-") + name) return -n;
    return std::nullopt;
}

}  // namespace core
