#include "app/unit_set.h"

#include <algorithm>

namespace app {

void UnitSet::add(std::uint64_t first, std::uint64_t last) {
    if (first >= last) return;
    // Fast path: appending after the last range (how workers record them).
    if (r_.empty() || first > r_.back().second) {
        r_.emplace_back(first, last);
        return;
    }
    if (first >= r_.back().first) {
        r_.back().second = std::max(r_.back().second, last);
        return;
    }
    r_.emplace_back(first, last);
    std::sort(r_.begin(), r_.end());
    std::vector<Range> merged;
    for (const Range& x : r_) {
        if (!merged.empty() && x.first <= merged.back().second)
            merged.back().second = std::max(merged.back().second, x.second);
        else
            merged.push_back(x);
    }
    r_ = std::move(merged);
}

void UnitSet::add(const UnitSet& o) {
    for (const Range& x : o.r_) add(x.first, x.second);
}

bool UnitSet::contains(std::uint64_t i) const {
    auto it = std::upper_bound(r_.begin(), r_.end(), Range{i, UINT64_MAX});
    return it != r_.begin() && i < std::prev(it)->second;
}

std::uint64_t UnitSet::size() const {
    std::uint64_t n = 0;
    for (const Range& x : r_) n += x.second - x.first;
    return n;
}

std::uint64_t UnitSet::below(std::uint64_t i) const {
    std::uint64_t n = 0;
    for (const Range& x : r_) {
        if (x.first >= i) break;
        n += std::min(x.second, i) - x.first;
    }
    return n;
}

std::uint64_t UnitSet::after_nth_missing(std::uint64_t n, std::uint64_t limit) const {
    std::uint64_t at = 0;  // the first index not yet looked at
    for (const Range& x : r_) {
        const std::uint64_t gap = std::min(x.first, limit) - std::min(at, limit);
        if (n <= gap) return at + n;
        n -= gap;
        at = x.second;
    }
    if (at >= limit || n >= limit - at) return limit;  // (no overflow for n near 2^64)
    return at + n;
}

bool UnitSet::assign(const std::vector<Range>& ranges) {
    for (std::size_t i = 0; i < ranges.size(); ++i)
        if (ranges[i].first >= ranges[i].second || (i && ranges[i].first <= ranges[i - 1].second)) return false;
    r_ = ranges;
    return true;
}

}  // namespace app
