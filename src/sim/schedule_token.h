// A schedule token is the run-length encoding of the CPU picked at each step:
// CPU index 0..25 as a letter, followed by a repeat count when above one.
// "a4b2a" = CPU0 four steps, CPU1 two steps, CPU0 one step.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sim {

struct Run {
    int cpu;
    unsigned count;
};

std::string encode_token(const std::vector<Run>& runs);
// The runs of a sequence of picks ({0,0,1} -> {{0,2},{1,1}}): its context
// switches are size() - 1.
std::vector<Run> runs_of(const std::vector<int>& picks);
// The most steps a token may name: no run can be longer (--max-steps' bound),
// and decoding a longer one would only allocate without end.
constexpr std::size_t kMaxTokenSteps = 10000000;
// Returns nullopt and sets `error` when the token is malformed or too long.
std::optional<std::vector<int>> decode_token(const std::string& token, std::string& error);

}  // namespace sim
