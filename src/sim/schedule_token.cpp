#include "sim/schedule_token.h"

#include <cctype>

namespace sim {

std::string encode_token(const std::vector<Run>& runs) {
    std::string s;
    for (const Run& r : runs) {
        s += static_cast<char>('a' + r.cpu);
        if (r.count > 1) s += std::to_string(r.count);
    }
    return s.empty() ? "-" : s;
}

std::optional<std::vector<int>> decode_token(const std::string& token, std::string& error) {
    std::vector<int> picks;
    if (token == "-") return picks;
    std::size_t i = 0;
    while (i < token.size()) {
        char c = token[i];
        if (c < 'a' || c > 'z') {
            error = "schedule token '" + token + "': expected a CPU letter a-z at offset " +
                    std::to_string(i) + ", found '" + std::string(1, c) + "'";
            return std::nullopt;
        }
        ++i;
        unsigned long n = 1;
        if (i < token.size() && std::isdigit(static_cast<unsigned char>(token[i]))) {
            n = 0;
            while (i < token.size() && std::isdigit(static_cast<unsigned char>(token[i]))) {
                n = n * 10 + static_cast<unsigned long>(token[i] - '0');
                if (n > 10000000) {
                    error = "schedule token '" + token + "': run length too large";
                    return std::nullopt;
                }
                ++i;
            }
            if (n == 0) {
                error = "schedule token '" + token + "': run length 0 at offset " + std::to_string(i);
                return std::nullopt;
            }
        }
        if (picks.size() + n > kMaxTokenSteps) {
            error = "schedule token: more than " + std::to_string(kMaxTokenSteps) + " steps (the most --max-steps allows)";
            return std::nullopt;
        }
        picks.insert(picks.end(), n, c - 'a');
    }
    return picks;
}

std::vector<Run> runs_of(const std::vector<int>& picks) {
    std::vector<Run> runs;
    for (int c : picks) {
        if (!runs.empty() && runs.back().cpu == c)
            ++runs.back().count;
        else
            runs.push_back({c, 1});
    }
    return runs;
}

}  // namespace sim
