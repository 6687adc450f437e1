#include "app/cli_suggest.h"

#include <algorithm>

namespace app {

namespace {

// Optimal string alignment: Levenshtein plus adjacent transpositions ("rnu"
// is one edit from "run"), the commonest typing slip.
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

bool visible(const CLI::App* sub) { return !sub->get_group().empty(); }

std::vector<std::string> long_names(const CLI::App& app) {
    std::vector<std::string> out;
    for (const CLI::Option* o : app.get_options())
        for (const std::string& n : o->get_lnames()) out.push_back(n);
    return out;
}

}  // namespace

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

std::string unknown_command_message(const CLI::App& root, const std::string& word) {
    std::vector<std::string> names;
    for (const CLI::App* sub : root.get_subcommands([](const CLI::App* s) { return visible(s); }))
        names.push_back(sub->get_name());
    std::string msg = "contsim: unknown command \"" + word + "\"; ";
    if (auto m = did_you_mean(word, names)) return msg + "did you mean \"" + *m + "\"?";
    msg += "the commands are: ";
    for (std::size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
    return msg;
}

std::string suggestion_for(const CLI::App& root, int argc, const char* const* argv) {
    if (argc < 2 || argv[1] == nullptr) return "";
    const std::string first = argv[1];
    const CLI::App* sub = nullptr;
    if (first.empty() || first[0] != '-') {
        auto found = root.get_subcommands([&first](const CLI::App* s) { return s->check_name(first); });
        if (found.empty()) return unknown_command_message(root, first);
        sub = found.front();
    }
    // An option of contsim itself (--help, --version) is accepted after a
    // subcommand too: CLI11 hands what a subcommand does not know back to it.
    std::vector<std::string> names = sub ? long_names(*sub) : std::vector<std::string>{};
    for (const std::string& n : long_names(root)) names.push_back(n);
    const std::string where = sub ? "contsim " + sub->get_name() : "contsim";
    for (int i = sub ? 2 : 1; i < argc && argv[i]; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;  // the rest are positional
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) continue;
        const std::string name = arg.substr(2, arg.find('=') - 2);  // npos - 2: to the end
        if (std::find(names.begin(), names.end(), name) != names.end()) continue;
        if (auto m = did_you_mean(name, names))
            return "contsim: unknown option \"--" + name + "\" for " + where + "; did you mean \"--" + *m + "\"?";
    }
    return "";
}

}  // namespace app
