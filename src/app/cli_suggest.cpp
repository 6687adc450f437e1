#include "app/cli_suggest.h"
#include "app/nearest_name.h"

#include <algorithm>

namespace app {

namespace {

bool visible(const CLI::App* sub) { return !sub->get_group().empty(); }

std::vector<std::string> long_names(const CLI::App& app) {
    std::vector<std::string> out;
    for (const CLI::Option* o : app.get_options())
        for (const std::string& n : o->get_lnames()) out.push_back(n);
    return out;
}

}  // namespace

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
