// A set of work-unit indices as sorted, disjoint half-open ranges: which of a
// search's units are done, for `explore --resume`. Ranges, not a bitmap or a
// list, because a sampled search may have 10^9 units (--runs) and its done
// units are nearly always one range.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace app {

class UnitSet {
public:
    using Range = std::pair<std::uint64_t, std::uint64_t>;  // [first, second)
    void add(std::uint64_t first, std::uint64_t last);     // [first, last)
    void add(const UnitSet& o);
    bool contains(std::uint64_t i) const;
    std::uint64_t size() const;  // units in the set
    std::uint64_t below(std::uint64_t i) const;  // units in the set less than i
    // The index just after the n-th index (from 1) not in the set, or `limit`
    // if fewer than n of the indices below `limit` are missing.
    std::uint64_t after_nth_missing(std::uint64_t n, std::uint64_t limit) const;
    const std::vector<Range>& ranges() const { return r_; }
    // Refuses (false) ranges that are empty, unsorted or overlapping.
    bool assign(const std::vector<Range>& ranges);

private:
    std::vector<Range> r_;
};

}  // namespace app
