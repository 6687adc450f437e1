#include "app/nearest_name.h"

#include <algorithm>

namespace app {

std::size_t osa_distance(const std::string& a, const std::string& b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i)
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[n][m];
}

std::optional<std::string> did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::optional<std::string> best;
    std::size_t best_d = limit + 1;
    for (const std::string& c : candidates) {
        const std::size_t d = osa_distance(word, c);
        if (d < best_d) {  // strictly less: the first of equals stays
            best = c;
            best_d = d;
        }
    }
    return best;
}

std::vector<std::string> nearest_first(const std::string& word, const std::vector<std::string>& candidates) {
    std::vector<std::pair<std::size_t, std::string>> v;
    for (const std::string& c : candidates) v.emplace_back(osa_distance(word, c), c);
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [d, c] : v) out.push_back(std::move(c));
    return out;
}

std::string expected_one_of(const std::string& word, const std::vector<std::string>& candidates) {
    std::string list;
    for (const std::string& c : nearest_first(word, candidates)) list += (list.empty() ? "" : ", ") + c;
    if (auto m = did_you_mean(word, candidates)) return "did you mean \"" + *m + "\"? expected one of: " + list;
    return "expected one of: " + list;
}

}  // namespace app
