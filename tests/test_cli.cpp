// The command line, end to end: the real contsim binary (CONTSIM_BINARY) run
// from the repository root, with its stdout, stderr and exit status captured.
// Exit codes: 0 = matches expect (or clean), 1 = findings or mismatch,
// 2 = bad input or usage.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/kernel.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kNegative = "scenarios/attach-exit/v7-1-cs1-negative-nearest.json";

struct Result {
    int status = -1;
    std::string out, err;
};

fs::path tmp_dir() {
    fs::path d = fs::path(CONTSIM_BINARY).parent_path() / "test-cli";
    fs::create_directories(d);
    return d;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// ASan prints a harmless warning (three lines) when an exception unwinds a
// fiber stack (sim::Abort); the sanitizer build must not fail on it.
std::string without_asan_fiber_warning(const std::string& err) {
    std::string out;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
        if (line.find("ASan is ignoring requested __asan_handle_no_return") != std::string::npos ||
            line == "False positive error reports may follow" ||
            line == "For details see https://github.com/google/sanitizers/issues/189")
            continue;
        out += line + "\n";
    }
    return out;
}

// Runs `contsim ARGS` in the source directory (so scenario paths are relative).
Result contsim(const std::string& args) {
    static int n = 0;
    std::string stem = "run-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    fs::path out = tmp_dir() / (stem + ".out"), err = tmp_dir() / (stem + ".err");
    std::string cmd = "cd " + quote(CONTSIM_SOURCE_DIR) + " && " + quote(CONTSIM_BINARY) + " " + args + " >" +
                      quote(out.string()) + " 2>" + quote(err.string()) + " </dev/null";
    int st = std::system(cmd.c_str());
    Result r;
    r.status = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(out);
    r.err = without_asan_fiber_warning(slurp(err));
    fs::remove(out);
    fs::remove(err);
    return r;
}

json negative() {
    std::ifstream in(fs::path(CONTSIM_SOURCE_DIR) / kNegative);
    return json::parse(in);
}

std::string write_file(const std::string& name, const std::string& text) {
    fs::path p = tmp_dir() / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    REQUIRE(out);
    return p.string();
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
}

}  // namespace

TEST_CASE("CLI: run on a bad file exits 2 with the message on stderr", "[cli]") {
    SECTION("not JSON") {
        std::string f = write_file("bad-syntax.json", R"({"name",})");
        Result r = contsim("run " + quote(f));
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err == "contsim: " + f +
                           ": $: expected valid JSON: parse error at line 1, column 8: syntax error while parsing "
                           "object separator - unexpected ','; expected ':'\n");
    }
    SECTION("unknown op") {
        json j = negative();
        j["threads"][1]["ops"][0]["op"] = "vfork";
        std::string f = write_file("bad-op.json", j.dump(2));
        Result r = contsim("run " + quote(f));
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err == "contsim: " + f +
                           ": $.threads[1].ops[0].op: unknown op \"vfork\"; did you mean \"fork\"? expected one of: "
                           "fork, exit, mount, mkdir, rmdir, write, read, attach, setuid, capability\n");
    }
    SECTION("a schedule that cannot be followed") {
        json j = negative();
        j["schedule"] = {{{"cpu", "CPU1"}, {"through", "attach_task:read_oldcont"}}};
        std::string f = write_file("bad-schedule.json", j.dump(2));
        Result r = contsim("run " + quote(f));
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err == "contsim: " + f +
                           ": $.schedule[0]: CPU1 finished before executing attach_task:read_oldcont (after step "
                           "26)\n");
    }
    SECTION("a missing file") {
        Result r = contsim("run scenarios/no-such-scenario.json");
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: scenarios/no-such-scenario.json: cannot open file\n");
    }
    SECTION("a bad --schedule token") {
        Result r = contsim(std::string("run --schedule 'a-b' ") + kNegative);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err == "contsim: --schedule: schedule token 'a-b': expected a CPU letter a-z at offset 1, found '-'\n");
    }
    SECTION("an unknown --fix") {
        Result r = contsim(std::string("run --fix exit-rcu ") + kNegative);
        CHECK(r.status == 2);
        CHECK(r.err == std::string("contsim: ") + kNegative +
                           ": --fix: unknown fix \"exit-rcu\"; expected one of: exit-task-lock, attach-pin-oldcg, "
                           "attach-recheck-exiting, release-under-task-lock\n");
    }
}

TEST_CASE("CLI: usage errors exit 2", "[cli]") {
    for (const char* args : {"", "frobnicate", "run", "run --bogus scenarios/attach-exit/v7-1-cs1-negative-nearest.json",
                             "run --format xml scenarios/attach-exit/v7-1-cs1-negative-nearest.json",
                             "run --max-steps 0 scenarios/attach-exit/v7-1-cs1-negative-nearest.json", "labels", "check",
                             "--bogus"}) {
        INFO("contsim " << args);
        Result r = contsim(args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK_FALSE(r.err.empty());
    }
    Result r = contsim(std::string("run --bogus ") + kNegative);
    CHECK(r.err.find("--bogus") != std::string::npos);
    // --help is not an error.
    r = contsim("--help");
    CHECK(r.status == 0);
    CHECK(r.out.find("run") != std::string::npos);
}

TEST_CASE("CLI: check validates without running", "[cli]") {
    SECTION("a good file") {
        Result r = contsim(std::string("check ") + kNegative);
        CHECK(r.status == 0);
        CHECK(r.out == std::string(kNegative) + ": ok\n");
        CHECK(r.err.empty());
    }
    SECTION("several good files, including one whose run would fail") {
        // check does not run: a copy without expect (run exits 1) is still ok.
        json j = negative();
        j.erase("expect");
        std::string f = write_file("check-noexpect.json", j.dump(2));
        Result r = contsim(std::string("check ") + kNegative + " " + quote(f));
        CHECK(r.status == 0);
        CHECK(r.out == std::string(kNegative) + ": ok\n" + f + ": ok\n");
        CHECK(r.err.empty());
    }
    SECTION("a bad file among good ones: every file is checked, exit 2") {
        json j = negative();
        j["kernel"] = "nope";
        std::string f = write_file("check-bad.json", j.dump(2));
        Result r = contsim(std::string("check ") + quote(f) + " " + kNegative);
        CHECK(r.status == 2);
        CHECK(r.out == std::string(kNegative) + ": ok\n");
        CHECK(r.err == "contsim: " + f +
                           ": $.kernel: unknown kernel \"nope\"; expected one of: lab, containers-v7, cpuset-2.6.20, "
                           "containers-v7-1\n");
    }
}

TEST_CASE("CLI: labels lists every label with its C line", "[cli]") {
    Result r = contsim("labels --kernel containers-v7-1");
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    CHECK(lines.size() > 20);
    std::string want = "attach_task:read_oldcont";
    want.resize(52, ' ');
    want += " oldcont = tsk->container;";
    CHECK(std::count(lines.begin(), lines.end(), want) == 1);
    std::string exit_line = "container_exit:read_container";
    exit_line.resize(52, ' ');
    exit_line += " cont = tsk->container;";
    CHECK(std::count(lines.begin(), lines.end(), exit_line) == 1);
}

TEST_CASE("CLI: labels --kernel nope exits 2 with the exact message", "[cli]") {
    Result r = contsim("labels --kernel nope");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    const auto names = core::kernel_names();
    REQUIRE(std::find(names.begin(), names.end(), "containers-v7-1") != names.end());
    CHECK(r.err == "contsim: --kernel: unknown kernel \"nope\"; expected one of: " + join(names) + "\n");
}

TEST_CASE("CLI: run exits 0 on a match, 1 on findings without expect", "[cli]") {
    Result r = contsim(std::string("run ") + kNegative);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("attach-exit-negative-count") != std::string::npos);

    json j = negative();
    j.erase("expect");
    std::string f = write_file("run-noexpect.json", j.dump(2));
    r = contsim("run " + quote(f));
    CHECK(r.status == 1);
    CHECK(r.err.empty());

    // An expect that does not match is also exit 1.
    j = negative();
    j["expect"]["violations"] = {"count-mismatch"};
    f = write_file("run-mismatch.json", j.dump(2));
    r = contsim("run --format json " + quote(f));
    CHECK(r.status == 1);
    json out = json::parse(r.out);
    CHECK(out["exit_code"] == 1);
    CHECK(out["expect"]["matches"] == false);
    CHECK(out["expect"]["mismatches"] ==
          json::array({"violations: expected [count-mismatch], found [count-mismatch, refcount-underflow]"}));
}

TEST_CASE("CLI: --format json and the schedule token round trip", "[cli][determinism]") {
    Result r = contsim(std::string("run --format json ") + kNegative);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    json first = json::parse(r.out);
    CHECK(first["format"] == "contsim-run/2");
    CHECK(first["file"] == kNegative);
    CHECK(first["exit_code"] == 0);
    CHECK(first["violations"] == json::array({"count-mismatch", "refcount-underflow"}));
    CHECK(first["expect"]["matches"] == true);
    REQUIRE(first["schedule_token"].is_string());
    std::string token = first["schedule_token"];
    CHECK_FALSE(token.empty());
    REQUIRE(first["trace"].is_array());
    CHECK(first["trace"].size() == first["steps"].get<std::size_t>());

    // A copy without the schedule: on its own it runs serially and misses the race...
    json j = negative();
    j.erase("schedule");
    std::string f = write_file("token-noschedule.json", j.dump(2));
    r = contsim("run --format json " + quote(f));
    CHECK(r.status == 1);
    json serial = json::parse(r.out);
    CHECK(serial["trace"] != first["trace"]);

    // ...but with the token it replays the identical run.
    r = contsim("run --format json --schedule " + quote(token) + " " + quote(f));
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    json replay = json::parse(r.out);
    CHECK(replay["file"] == f);
    CHECK(replay["schedule_token"] == first["schedule_token"]);
    CHECK(replay["steps"] == first["steps"]);
    CHECK(replay["trace"] == first["trace"]);
    CHECK(replay["trace"].dump() == first["trace"].dump());
    CHECK(replay["findings"] == first["findings"]);
    CHECK(replay["violations"] == first["violations"]);
    CHECK(replay["final"] == first["final"]);
    CHECK(replay["threads"] == first["threads"]);
    CHECK(replay["exit_code"] == 0);
}

TEST_CASE("CLI: 50 runs of the same command give byte-identical stdout", "[cli][determinism]") {
    for (const char* format : {"json", "text"}) {
        INFO("--format " << format);
        std::string args = std::string("run --format ") + format + " " + kNegative;
        Result first = contsim(args);
        REQUIRE(first.status == 0);
        REQUIRE_FALSE(first.out.empty());
        int same = 1;
        for (int i = 1; i < (std::string(format) == "json" ? 50 : 10); ++i) {
            Result r = contsim(args);
            if (r.status == 0 && r.out == first.out && r.err == first.err) ++same;
        }
        CHECK(same == (std::string(format) == "json" ? 50 : 10));
    }
}
