// contsim: replay a containers-list race from a JSON scenario.
// Exit codes: 0 = matches expect (or clean), 1 = findings or mismatch, 2 = bad input or usage,
// 3 = contsim itself crashed (a bug in the model: a fault the model does not turn into a finding),
// 4 = explore: inconclusive (the search did not cover every execution and found no violation).
#include "sim/asan.h"
#include <csignal>
#include <cstring>
#include <iostream>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/cli_checks.h"
#include "app/cli_completion.h"
#include "app/cli_suggest.h"
#include "app/cli_test.h"
#include "app/cli_explore.h"
#include "app/play_server.h"
#include "app/nearest.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "app/terminal.h"
#include "app/text_fit.h"
#include "core/lab/lab.h"
#include "app/version.h"

namespace {

// --nearest after an infeasible run: the closest feasible order, as text or JSON.
nlohmann::json nearest_json(const std::optional<app::Nearest>& n) {
    if (!n) return nullptr;
    return {{"schedule_token", n->run.token},
            {"moved_steps", n->run.moved},
            {"repairs", n->notes},
            {"violations", n->run.violation_set()},
            {"reaches_drawn_outcome", n->reaches_target},
            {"runs_tried", n->tried}};
}

std::string nearest_text(const app::Scenario& sc, const std::optional<app::Nearest>& n, const app::TextStyle& st) {
    if (!n)
        return app::fit_line(fmt::format("Nearest feasible order: none found within {} repairs of the drawn one.",
                                         app::kMaxRepairs), st.width) + "\n";
    std::string out = fmt::format("Nearest feasible order ({} step{} moved, {} run{} tried):\n", n->run.moved,
                                  n->run.moved == 1 ? "" : "s", n->tried, n->tried == 1 ? "" : "s");
    for (const auto& note : n->notes) out += app::fit_line("  - " + note, st.width) + "\n";
    std::string v;
    for (const auto& k : n->run.violation_set()) v += (v.empty() ? "" : ", ") + k;
    std::string drawn;
    if (n->target)
        for (const auto& k : *n->target) drawn += (drawn.empty() ? "" : ", ") + k;
    out += app::fit_line(fmt::format("  violations: {}{}", v.empty() ? "none" : v,
                                     !n->target ? ""
                                     : n->reaches_target
                                         ? " (the drawn outcome)"
                                         : " (not the drawn outcome: " + (drawn.empty() ? "none" : drawn) + ")"),
                         st.width) + "\n";
    out += app::fit_line(fmt::format("  replay: contsim run {} --schedule {}", sc.file, n->run.token), st.width) + "\n\n";
    return out + app::report_text(n->run, st);
}

struct RunArgs {
    std::string file, format = "text";
    std::optional<std::string> token, kernel;
    std::optional<std::uint64_t> seed;
    std::vector<std::string> fixes;
    std::uint32_t max_steps = 20000;
    bool nearest = false;
    std::optional<std::size_t> width;
    bool focus = false;
    std::string colour = "auto";
    std::optional<std::uint32_t> at;
};

int cmd_run(const RunArgs& a) {
    if (a.at && a.format != "dot") throw app::InputError("--at: only --format dot draws the state at a step");
    app::Scenario sc = app::load_scenario(a.file, {a.kernel, a.fixes});
    for (const auto& w : sc.warnings) std::cerr << "contsim: warning: " << w << "\n";
    app::RunOptions opt;
    opt.token = a.token;
    opt.seed = a.seed;
    opt.max_steps = a.max_steps;
    if (a.format == "dot" && a.at) {
        // The state after step STEP: the same run, stopped there.
        app::RunResult whole = app::run_scenario(sc, opt);
        if (*a.at > whole.steps)
            throw app::InputError(fmt::format("--at: step {} is past the run's last step ({})", *a.at, whole.steps));
        opt.stop_after = *a.at;
        if (!opt.token) opt.token = whole.token;  // the same order, whatever the file's schedule says
        opt.seed.reset();
        app::RunResult r = app::run_scenario(sc, opt);
        std::cout << app::report_dot(r, *a.at);
        return 0;  // a run stopped part-way is a picture, not a verdict
    }
    app::RunResult r = app::run_scenario(sc, opt);
    // The whole run drawn: the exit code says whether it matched `expect`, as text and JSON do.
    if (a.format == "dot") {
        std::cout << app::report_dot(r, r.steps);
        return r.exit_code();
    }
    if (a.format == "chrome-trace") {
        std::cout << app::report_chrome_trace(r).dump() << "\n";
        return r.exit_code();
    }
    const bool nearest = a.nearest;
    const std::string& format = a.format;
    std::optional<app::Nearest> n;
    bool search = nearest && r.infeasible;
    if (search) n = app::find_nearest(sc, opt);
    if (format == "json") {
        nlohmann::json j = app::report_json(r);
        if (nearest) j["nearest"] = search ? nearest_json(n) : nlohmann::json(nullptr);
        std::cout << j.dump(2) << "\n";
    } else {
        app::TextStyle st{app::output_width(a.width), a.focus, app::output_colour(a.colour)};
        std::cout << app::report_text(r, st);
        if (search)
            std::cout << "\n" << nearest_text(sc, n, st);
        else if (nearest)
            std::cout << "\n--nearest: the drawn order can happen; nothing to bend.\n";
    }
    return r.exit_code();
}

int cmd_labels(const std::string& kernel, const std::string& file) {
    if (kernel.empty() == file.empty()) throw app::InputError("labels: give --kernel K or a scenario FILE (one of them)");
    if (!file.empty()) {
        // The file's kernel, with its objects on a lab (whose labels name them).
        app::Scenario sc = app::load_scenario(file);
        auto k = core::make_kernel(sc.kernel, sc.fixes);
        if (auto* lab = dynamic_cast<core::lab::LabKernel*>(k.get())) lab->set_objects(sc.objects);
        for (const sim::Label* l : k->labels()) std::cout << fmt::format("{:<52} {}\n", l->name, l->c_line);
        return 0;
    }
    auto k = core::make_kernel(kernel, {});
    if (!k) {
        std::string names;
        for (auto& n : core::kernel_names()) names += (names.empty() ? "" : ", ") + n;
        throw app::InputError(fmt::format("--kernel: unknown kernel \"{}\"; expected one of: {}", kernel, names));
    }
    for (const sim::Label* l : k->labels()) std::cout << fmt::format("{:<52} {}\n", l->name, l->c_line);
    return 0;
}

int cmd_check(const std::vector<std::string>& files) {
    int rc = 0;
    for (const auto& f : files) {
        try {
            app::Scenario sc = app::load_scenario(f);
            for (const auto& w : sc.warnings) std::cerr << "contsim: warning: " << w << "\n";
            std::cout << f << ": ok" << (sc.warnings.empty() ? "" : " (with warnings)") << "\n";
        } catch (const app::InputError& e) {
            std::cerr << "contsim: " << e.what() << "\n";
            rc = 2;
        }
    }
    return rc;
}

// What --help ends with: the names a user must otherwise look up, and the exit codes.
std::string footer() {
    auto list = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    };
    return "Kernels: " + list(core::kernel_names()) + "\n" + "Fixes (--fix): " + list(core::fix_names()) + "\n" +
           "Strategies (explore --strategy): dpor, dfs, bounded, pct, random\n"
           "Exit codes: 0 matches expect (explore: no violation reachable, search complete); 1 findings or a mismatch "
           "(explore: a violation is reachable); 2 bad input or usage; 3 an internal error (a bug in contsim); "
           "4 explore: inconclusive (the search did not finish and found no violation).\n"
           "Docs: README.md, docs/ (scenario-format.md, explore.md, ci.md, output-format.md).";
}

}  // namespace

// Last line of defence: a fault in the model must not look like a kernel
// finding or a scenario error. Not under ASan, whose own report is better.
void on_fault(int sig) {
    const char* msg = "contsim: internal error: the simulator itself crashed (signal ";
    ssize_t ignored = ::write(2, msg, std::strlen(msg));
    char num[4] = {static_cast<char>('0' + sig / 10 % 10), static_cast<char>('0' + sig % 10), ')', '\n'};
    ignored = ::write(2, num, sizeof num);
    const char* tail = "contsim: this is a bug in contsim's model, not in your scenario; please report the command line\n";
    ignored = ::write(2, tail, std::strlen(tail));
    (void)ignored;
    ::_exit(3);
}

void install_fault_handlers() {
#if !CONTSIM_ASAN
    static char altstack[64 * 1024];  // faults may come from a fiber's small stack
    stack_t ss{};
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    ::sigaltstack(&ss, nullptr);
    struct sigaction sa{};
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_ONSTACK;
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::sigaction(sig, &sa, nullptr);
#endif
}

int main(int argc, char** argv) {
    install_fault_handlers();
    // A closed pipe (`contsim run S | head -1`) ends contsim quietly, by
    // SIGPIPE (shell status 141), whatever disposition it inherited.
    ::signal(SIGPIPE, SIG_DFL);
    CLI::App cli{"contsim: deterministic replay of races in Linux generic process containers (V7, 2007)", "contsim"};
    cli.require_subcommand(1);
    cli.set_version_flag("--version", std::string("contsim ") + app::version());

    RunArgs ra;
    auto* run = cli.add_subcommand("run", "Replay a scenario and print the timeline, findings and final state");
    run->add_option("file", ra.file, "Scenario JSON file")->required();
    run->add_option("--format", ra.format,
                    "Output format: text, json, chrome-trace (Perfetto, chrome://tracing), dot (Graphviz)")
        ->check(CLI::IsMember({"text", "json", "chrome-trace", "dot"}));
    run->add_option("--schedule", ra.token, "Replay this schedule token instead of the file's schedule");
    run->add_option("--fix", ra.fixes, "Apply a named fix (repeatable)");
    run->add_option("--kernel", ra.kernel, "Run on this kernel instead of the file's");
    run->add_option("--seed", ra.seed, "Random schedule with this seed instead of the file's schedule")
        ->check(app::whole_number());
    run->add_option("--max-steps", ra.max_steps, "Step bound (livelock guard)")->check(CLI::Range(1u, 10000000u));
    run->add_flag("--nearest", ra.nearest,
                  "If the drawn schedule cannot happen, also find and print the nearest order that can");
    run->add_option("--width", ra.width, "Fit the text timeline to N columns (default: COLUMNS, the terminal's)")
        ->check(CLI::Range(std::size_t{20}, std::size_t{1000}));
    run->add_flag("--focus", ra.focus,
                  "Text: show the steps that matter (findings, racing accesses marked ◆, lock waits), fold the rest");
    run->add_option("--color", ra.colour, "Colour the text: auto (a terminal without NO_COLOR), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    run->add_option("--at", ra.at, "With --format dot: the objects after this step (default: the end)")
        ->check(CLI::Range(0u, 10000000u));

    std::string lkernel;
    auto* labels = cli.add_subcommand("labels", "List every yield-point label of a kernel with the C line it mirrors");
    std::string lfile;
    labels->add_option("--kernel", lkernel, "Kernel name");
    labels->add_option("file", lfile, "A scenario file: its kernel's labels (a lab's name the file's objects)");

    std::vector<std::string> files;
    auto* check = cli.add_subcommand("check", "Validate scenario files without running them");
    check->add_option("files", files, "Scenario JSON files")->required();

    app::ExploreArgs ea;
    auto* explore = app::add_explore_command(cli, ea);
    app::MergeArgs ma;
    auto* merge = app::add_merge_command(cli, ma);
    app::TestArgs ta;
    auto* test = app::add_test_command(cli, ta);

    app::PlayArgs pa;
    auto* play = cli.add_subcommand("play", "Be the scheduler: a local web page that steps the race CPU by CPU");
    play->add_option("paths", pa.paths, "Scenario files or directories (levels: files with a \"play\" block)")
        ->required();
    play->add_option("--port", pa.port, "TCP port (0: any free port; the URL is printed)")->check(CLI::Range(0, 65535));
    play->add_option("--host", pa.host, "Address to listen on (default 127.0.0.1: this machine only)");
    play->add_flag("--check", pa.check, "Replay each level's solution: it must win within par (no server)");
    play->add_option("--web-dir", pa.web_dir, "Serve the page's files from this directory (for editing web/play)");

    std::string shell;
    auto* completion = cli.add_subcommand("completion", "Print a bash or zsh completion script for contsim");
    completion->add_option("shell", shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
    std::string topic;
    auto* help = cli.add_subcommand("help", "Print the help of contsim, or of one command");
    help->add_option("command", topic, "A command");
    cli.footer(footer());

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = cli.exit(e);
        if (rc != 0) {
            std::string hint = app::suggestion_for(cli, argc, argv);
            if (!hint.empty()) std::cerr << hint << "\n";
        }
        return rc == 0 ? 0 : 2;
    }
    int rc = 2;
    try {
        if (*run) rc = cmd_run(ra);
        else if (*labels) rc = cmd_labels(lkernel, lfile);
        else if (*check) rc = cmd_check(files);
        else if (*explore) rc = app::cmd_explore(ea);
        else if (*merge) rc = app::cmd_merge(ma);
        else if (*test) rc = app::cmd_test(ta);
        else if (*play) rc = app::cmd_play(pa);
        else if (*completion) {
            std::cout << app::completion_script(cli, shell);
            rc = 0;
        } else if (*help) {
            // `help explore` prints what `explore --help` does (the chosen
            // subcommand is `help`, so cli.help() would describe it instead).
            if (topic.empty()) {
                std::cout << cli.get_formatter()->make_help(&cli, cli.get_name(), CLI::AppFormatMode::Normal);
            } else {
                auto found = cli.get_subcommands([&topic](const CLI::App* s) { return s->check_name(topic); });
                if (found.empty()) {
                    std::cerr << app::unknown_command_message(cli, topic) << "\n";
                    return 2;
                }
                std::cout << found.front()->help(cli.get_name());
            }
            rc = 0;
        }
    } catch (const app::InputError& e) {
        std::cerr << "contsim: " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "contsim: out of memory: the input asks for more than this machine can give\n";
        return 2;
    } catch (const std::exception& e) {
        // Never an abort: a bug in contsim is reported as one (exit 3, README).
        std::cerr << "contsim: internal error (a bug in contsim): " << e.what() << "\n";
        return 3;
    }
    // A report that could not be written is not a result (e.g. stdout on a full disk).
    std::cout.flush();
    if (!std::cout) {
        std::cerr << "contsim: cannot write the report to standard output\n";
        return 2;
    }
    return rc;
}
