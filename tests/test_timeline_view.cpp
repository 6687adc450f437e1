// The text timeline as a teaching view: it fits a width (columns wrap inside
// themselves), --focus folds what does not matter, marks racing accesses and
// shows waits, and colour appears only where asked (a terminal, no NO_COLOR).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "app/report.h"
#include "app/runner.h"
#include "app/scenario.h"
#include "app/text_fit.h"
#include "app/timeline_facts.h"

namespace fs = std::filesystem;

namespace {

const std::string kSeed = std::string(CONTSIM_SOURCE_DIR) + "/scenarios/attach-exit/v7-1-cs1-negative.json";
const std::string kNearest = "a10b15a4b8a8b3";  // the nearest feasible order (docs/races/attach-exit.md)

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// The timeline's rows: from the header's rule to the blank line after.
std::vector<std::string> timeline_rows(const std::string& text) {
    std::vector<std::string> rows;
    bool in = false;
    for (const std::string& l : lines_of(text)) {
        if (l.rfind("----  ", 0) == 0) {
            in = true;
            continue;
        }
        if (in && l.empty()) break;
        if (in) rows.push_back(l);
    }
    return rows;
}

// The command's stdout (and stderr with `errors`: ASan's fiber warning is on
// stderr under the sanitizers, so width checks read stdout alone).
std::string sh(const std::string& cmd, bool errors = false) {
    fs::path out = fs::path(CONTSIM_BINARY).parent_path() / ("timeline-view-" + std::to_string(::getpid()) + ".out");
    int st = std::system((cmd + " > '" + out.string() + (errors ? "' 2>&1" : "' 2>/dev/null") + " </dev/null").c_str());
    REQUIRE(st != -1);
    std::ifstream in(out);
    std::stringstream s;
    s << in.rdbuf();
    fs::remove(out);
    return s.str();
}

}  // namespace

TEST_CASE("text_fit: widths count code points and skip colour codes, wraps cut at spaces") {
    CHECK(app::display_width("CS1->count 0→-1") == 15);
    CHECK(app::display_width("\x1b[31m>>> x\x1b[0m") == 5);
    CHECK(app::wrap("atomic_dec(&cont->count);  CS1->count 1→0", 20) ==
          std::vector<std::string>{"atomic_dec(&cont->co", "  unt);  CS1->count", "  1→0"});
    CHECK(app::wrap("if (notify_on_release(cont))  [CS1->flags = 0]", 30) ==
          std::vector<std::string>{"if (notify_on_release(cont))", "  [CS1->flags = 0]"});
    CHECK(app::truncate("… 10 steps (exit_mm, mmput)", 12) == "… 10 steps …");
    CHECK(app::fit_line("  BUG: refcount underflow: CS1->count 0 -> -1 at step 42", 30) ==
          "  BUG: refcount underflow:\n    CS1->count 0 -> -1 at step\n    42");
}

TEST_CASE("machine records each wait while tracing: who holds the lock since when") {
    app::Scenario sc = app::load_scenario(kSeed);
    app::RunResult r = app::run_scenario(sc);  // the drawn order: CPU1 blocks at exit_mm's task_lock
    const auto& w = r.machine->waits();
    REQUIRE(w.size() == 1);
    CHECK(w[0].cpu == 1);
    CHECK(w[0].after_step == 14);
    CHECK(std::string(w[0].at->name) == "exit_mm:task_lock");
    CHECK(w[0].lock->display() == "T1->alloc_lock");
    CHECK(w[0].holder == 0);
    CHECK(w[0].since == 11);
    CHECK(w[0].until == 0);  // the run stopped there
    CHECK(app::wait_text(r, w[0]) == "waits for T1->alloc_lock, held by CPU0 since step 11");
}

TEST_CASE("timeline facts of the seed race: the T1->container accesses race, waits merge, hand-off found") {
    app::Scenario sc = app::load_scenario(kSeed);
    app::RunOptions o;
    o.token = kNearest;
    app::RunResult r = app::run_scenario(sc, o);
    app::TimelineFacts f = app::timeline_facts(r);
    // T1->flags (7 read, 11 PF_EXITING), T1->container (25 read by exit, 29 attach's write, 30 the hack).
    CHECK(f.racing == std::set<std::uint32_t>{7, 11, 25, 29, 30});
    // CS1->count's two decrements are atomic against each other: not a race, but the finding names both.
    CHECK(f.finding_steps.count(42) == 1);
    CHECK(f.finding_steps.count(32) == 1);
    // CPU0 waits at task_lock while exit takes it three times: one wait, released last at step 24.
    // (Exit's call_rcu callback also waits, for CPU0's grace period: a delayed free, not shown.)
    REQUIRE(r.machine->waits().size() == 4);  // CPU0 three times at task_lock, the callback once
    REQUIRE(f.waits.size() == 1);
    CHECK(f.waits[0].cpu == 0);
    CHECK(f.waits[0].until == 24);
    REQUIRE(f.handoffs.size() == 1);
    CHECK(f.handoffs[0].release == 24);
    CHECK(f.handoffs[0].acquire == 26);
}

TEST_CASE("focus view of the seed race: folded rows, racing pair marked, waits as rows") {
    app::Scenario sc = app::load_scenario(kSeed);
    app::RunOptions o;
    o.token = kNearest;
    app::RunResult r = app::run_scenario(sc, o);
    app::TextStyle st;
    st.focus = true;
    auto rows = timeline_rows(app::report_text(r, st));
    CHECK(rows.size() == 23);
    auto has = [&](const std::string& row) { return std::find(rows.begin(), rows.end(), row) != rows.end(); };
    const std::string blank(58, ' ');
    CHECK(has("      … 3 steps (attach_task)                                    |"));
    CHECK(has("  25  " + blank + " | ◆ cont = tsk->container;  [T1->container = CS1]"));
    CHECK(has("  29  ◆ rcu_assign_pointer(tsk->container, cont);  T1->container |"));
    CHECK(has("      waits for T1->alloc_lock, held by CPU1 since step 13       |"));
    CHECK(has("      " + blank + " | … 10 steps (exit_mm, mmput, __exit_files, …)"));
    CHECK(has("      >>> refcount-underflow"));
    // Without --focus: every step, no marks, no wait rows (the layout docs quote).
    auto full = timeline_rows(app::report_text(r));
    CHECK(std::none_of(full.begin(), full.end(), [](const std::string& l) {
        return l.find("◆") != std::string::npos || l.find("waits for") != std::string::npos;
    }));
    CHECK(std::count_if(full.begin(), full.end(), [](const std::string& l) { return std::isdigit(l[3]); }) == 48);
}

TEST_CASE("every shipped scenario's report fits 80 columns, focused or not") {
    std::vector<fs::path> files;
    for (auto& e : fs::recursive_directory_iterator(fs::path(CONTSIM_SOURCE_DIR) / "scenarios"))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() > 150);
    for (const fs::path& p : files) {
        app::Scenario sc = app::load_scenario(p.string());
        app::RunResult r = app::run_scenario(sc);
        for (bool focus : {false, true}) {
            app::TextStyle st{80, focus, false};
            for (const std::string& l : lines_of(app::report_text(r, st))) {
                INFO(p.string() << (focus ? " --focus" : "") << ": " << l);
                CHECK(app::display_width(l) <= 80);
            }
        }
    }
}

TEST_CASE("colour: only when asked, and only codes around text") {
    app::Scenario sc = app::load_scenario(kSeed);
    app::RunOptions o;
    o.token = kNearest;
    app::RunResult r = app::run_scenario(sc, o);
    app::TextStyle plain{0, true, false}, coloured{0, true, true};
    const std::string a = app::report_text(r, plain), b = app::report_text(r, coloured);
    CHECK(a.find('\x1b') == std::string::npos);
    CHECK(b.find("\x1b[31m>>> refcount-underflow\x1b[0m") != std::string::npos);
    // Colour codes removed, the text is the plain one.
    CHECK(std::regex_replace(b, std::regex("\x1b\\[[0-9;]*m"), "") == a);
}

TEST_CASE("contsim run: COLUMNS and --width fit, a terminal gets colour unless NO_COLOR, pipes stay plain") {
    const std::string run = "cd '" + std::string(CONTSIM_SOURCE_DIR) + "' && ";
    const std::string bin = std::string("'") + CONTSIM_BINARY + "'";
    const std::string demo = bin + " run scenarios/attach-exit/v7-1-cs1-negative.json --nearest --focus";
    auto widest = [](const std::string& text) {
        std::size_t m = 0;
        for (std::string l : lines_of(text)) {
            if (!l.empty() && l.back() == '\r') l.pop_back();
            m = std::max(m, app::display_width(l));
        }
        return m;
    };
    // make demo at 80 columns: not a row wraps on the terminal.
    CHECK(widest(sh(run + "COLUMNS=80 " + demo)) <= 80);
    CHECK(widest(sh(run + demo + " --width 100")) <= 100);
    const std::string natural = sh(run + demo);
    CHECK(widest(natural) > 100);  // a pipe without COLUMNS: the natural layout
    CHECK(natural.find('\x1b') == std::string::npos);
    CHECK(sh(run + demo + " --color always").find("\x1b[31m") != std::string::npos);
    // A terminal (script(1) gives the command a pty).
    CHECK(sh(run + "script -qec \"" + demo + " 2>/dev/null\" /dev/null").find("\x1b[31m") != std::string::npos);
    CHECK(sh(run + "NO_COLOR=1 script -qec \"" + demo + " 2>/dev/null\" /dev/null").find('\x1b') == std::string::npos);
    CHECK(sh(run + bin + " run scenarios/attach-exit/v7-1-cs1-negative.json --width 10", true).find(
              "--width: Value 10 not in range 20 to 1000") != std::string::npos);
    CHECK(sh(run + bin + " run scenarios/attach-exit/v7-1-cs1-negative.json --at 3", true).find(
              "--at: only --format dot draws the state at a step") != std::string::npos);
}
