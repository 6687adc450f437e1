// Which valid name a mistyped one was reaching for: the command line's "did
// you mean" and every scenario error that lists valid names (nearest first).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace app {

// Optimal string alignment distance: Levenshtein plus adjacent transpositions
// ("rnu" is one edit from "run"), the commonest typing slip.
std::size_t osa_distance(const std::string& a, const std::string& b);

// The candidate closest to `word`, if within max(1, word.size() / 3) edits;
// of equally close candidates, the first.
std::optional<std::string> did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// `candidates` ordered by distance to `word` (a stable sort: equals keep their order).
std::vector<std::string> nearest_first(const std::string& word, const std::vector<std::string>& candidates);

// `did you mean "cpuset"? expected one of: cpuset, cpuacct, ...` (nearest
// first), or `expected one of: ...` when nothing is close.
std::string expected_one_of(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace app
