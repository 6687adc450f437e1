// The command-line conventions a user expects of a packaged tool: "did you
// mean" for a mistyped command or option, shell completion generated from
// the parser (so it cannot drift from it), --version, and `help COMMAND`.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/cli_completion.h"
#include "app/cli_suggest.h"
#include "app/scenario.h"
#include "cli_runner.h"

namespace fs = std::filesystem;
using test_cli::contsim;

namespace {

const std::vector<std::string> kCommands = {"run", "labels", "check", "explore", "merge", "test"};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A small parser shaped like contsim's, so the suggestion and completion
// texts are checked without depending on the real one's options.
struct MiniCli {
    CLI::App app{"mini"};
    std::string file, format, kernel, hidden;
    unsigned seed = 0;
    bool flag = false;
    MiniCli() {
        app.set_version_flag("--version", "mini 1");
        auto* run = app.add_subcommand("run", "Replay a scenario");
        run->add_option("file", file, "Scenario JSON file");
        run->add_option("--format", format, "Output format")->check(CLI::IsMember({"text", "json"}));
        run->add_option("--seed", seed, "The file's seed, or this one");
        run->add_flag("--nearest", flag, "Also the nearest [feasible] order");
        run->add_option("--internal", hidden, "Not for users")->group("");
        auto* labels = app.add_subcommand("labels", "List the labels");
        labels->add_option("--kernel", kernel, "Kernel name");
    }
    std::string suggest(std::vector<const char*> args) {
        args.insert(args.begin(), "contsim");
        return app::suggestion_for(app, static_cast<int>(args.size()), args.data());
    }
};

}  // namespace

TEST_CASE("did_you_mean: the closest candidate within the distance bound", "[cli][suggest]") {
    CHECK(app::did_you_mean("rnu", kCommands) == "run");  // a transposition is one edit
    CHECK(app::did_you_mean("explroe", kCommands) == "explore");
    CHECK(app::did_you_mean("chekc", kCommands) == "check");
    CHECK(app::did_you_mean("run", kCommands) == "run");
    CHECK_FALSE(app::did_you_mean("zzzzzz", kCommands).has_value());
    CHECK_FALSE(app::did_you_mean("rnu", {}).has_value());
}

TEST_CASE("did_you_mean: of equally close candidates the first is chosen", "[cli][suggest]") {
    CHECK(app::did_you_mean("ab", {"ac", "ad"}) == "ac");
    CHECK(app::did_you_mean("ab", {"ad", "ac"}) == "ad");
    // A closer candidate later in the list still wins.
    CHECK(app::did_you_mean("explroe", {"explorer", "explore"}) == "explore");
}

TEST_CASE("did_you_mean: the edit bound is a third of the word and at least one", "[cli][suggest]") {
    // 3 letters: one edit.
    CHECK(app::did_you_mean("rnx", {"run"}) == std::nullopt);
    CHECK(app::did_you_mean("tst", {"test"}) == "test");
    // 1 letter: still one edit, not zero.
    CHECK(app::did_you_mean("x", {"xy"}) == "xy");
    // 7 letters: two edits, not three.
    CHECK(app::did_you_mean("xeplroe", {"explore"}) == "explore");
    CHECK(app::did_you_mean("xeplreo", {"explore"}) == std::nullopt);
}

TEST_CASE("suggestion_for: the exact text for unknown commands and options", "[cli][suggest]") {
    MiniCli m;
    CHECK(m.suggest({"rnu", "x.json"}) == "contsim: unknown command \"rnu\"; did you mean \"run\"?");
    CHECK(m.suggest({"frobnicate"}) == "contsim: unknown command \"frobnicate\"; the commands are: run, labels");
    CHECK(m.suggest({"run", "f.json", "--sede", "3"}) ==
          "contsim: unknown option \"--sede\" for contsim run; did you mean \"--seed\"?");
    CHECK(m.suggest({"run", "f.json", "--fromat=json"}) ==
          "contsim: unknown option \"--fromat\" for contsim run; did you mean \"--format\"?");
    // contsim's own options are known after a command too.
    CHECK(m.suggest({"labels", "--verison"}) ==
          "contsim: unknown option \"--verison\" for contsim labels; did you mean \"--version\"?");
    CHECK(m.suggest({"--verison"}) == "contsim: unknown option \"--verison\" for contsim; did you mean \"--version\"?");
    // Nothing close, nothing unknown, or past "--": nothing to say.
    CHECK(m.suggest({"run", "f.json", "--zzzzzzzz"}).empty());
    CHECK(m.suggest({"run", "--seed"}).empty());
    CHECK(m.suggest({"run", "f.json", "--", "--sede"}).empty());
    CHECK(m.suggest({}).empty());
    CHECK(app::unknown_command_message(m.app, "lables") == "contsim: unknown command \"lables\"; did you mean \"labels\"?");
}

TEST_CASE("completion_script: bash and zsh from the parser definition", "[cli][completion]") {
    MiniCli m;
    const std::string bash = app::completion_script(m.app, "bash");
    CHECK(bash == app::completion_script(m.app, "bash"));
    CHECK(contains(bash, "complete -F _contsim contsim\n"));
    CHECK(contains(bash, "compgen -W 'run labels --help --version'"));
    CHECK(contains(bash, "run) opts='--help --format --seed --nearest' valued=' --format --seed ' positional=files ;;"));
    CHECK(contains(bash, "labels) opts='--help --kernel' valued=' --kernel ' positional=none ;;"));
    CHECK_FALSE(contains(bash, "--internal"));

    const std::string zsh = app::completion_script(m.app, "zsh");
    CHECK(zsh.rfind("#compdef contsim\n", 0) == 0);
    CHECK(contains(zsh, "'run:Replay a scenario'"));
    CHECK(contains(zsh, "'--seed[The file'\\''s seed, or this one]:value:_files'"));
    CHECK(contains(zsh, "'--nearest[Also the nearest [feasible\\] order]'"));
    CHECK_FALSE(contains(zsh, "--internal"));

    CHECK_THROWS_AS(app::completion_script(m.app, "fish"), app::InputError);
}

TEST_CASE("CLI: a mistyped command or option gets a did-you-mean line", "[cli][suggest]") {
    auto r = contsim("rnu x.json");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "contsim: unknown command \"rnu\"; did you mean \"run\"?"));

    r = contsim("explore f.json --sede 3");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "contsim: unknown option \"--sede\" for contsim explore; did you mean \"--seed\"?"));
}

TEST_CASE("CLI: completion bash and zsh print the generated scripts", "[cli][completion]") {
    auto r = contsim("completion bash");
    CHECK(r.status == 0);
    CHECK(contains(r.out, "complete -F _contsim contsim"));
    CHECK(contains(r.out, "explore"));
    CHECK(contains(r.out, "--strategy"));

    // The script is bash, and completes from what the parser defines.
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path() / "test-cli-runs";
    fs::create_directories(dir);
    fs::path script = dir / "completion-test.bash", out = dir / "completion-test.out";
    {
        std::ofstream f(script, std::ios::binary | std::ios::trunc);
        f << r.out
          << "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _contsim;"
             " echo \"${COMPREPLY[*]}\"; }\n"
             "t contsim expl\nt contsim explore --strat\nt contsim help mer\n";
    }
    std::string cmd = "bash '" + script.string() + "' >'" + out.string() + "' 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
    CHECK(test_cli::slurp(out) == "explore\n--strategy\nmerge\n");
    fs::remove(script);
    fs::remove(out);

    r = contsim("completion zsh");
    CHECK(r.status == 0);
    CHECK(r.out.rfind("#compdef contsim\n", 0) == 0);
    CHECK(contains(r.out, "'explore:Explore the interleavings"));
}

TEST_CASE("CLI: --version prints the project version", "[cli]") {
    auto r = contsim("--version");
    CHECK(r.status == 0);
    CHECK(r.out.rfind("contsim 0.11.0", 0) == 0);
}

TEST_CASE("CLI: help and help COMMAND", "[cli]") {
    auto r = contsim("help");
    CHECK(r.status == 0);
    for (const char* c : {"run", "labels", "check", "explore", "merge", "test", "completion"}) {
        INFO(c);
        CHECK(contains(r.out, c));
    }

    r = contsim("help explore");
    CHECK(r.status == 0);
    auto direct = contsim("explore --help");
    CHECK(direct.status == 0);
    CHECK(r.out == direct.out);
    CHECK(contains(r.out, "--strategy"));

    r = contsim("help nosuch");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "nosuch"));
}
