// Inputs contsim must refuse (exit 2, a message naming the file and what was
// expected), never abort on: issue 11's list, as each is fixed.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "cli_runner.h"

namespace fs = std::filesystem;
using test_cli::contsim;

namespace {
fs::path scratch(const std::string& name, const std::string& text) {
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path() / "test-never-abort";
    fs::create_directories(dir);
    fs::path p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}
}  // namespace

TEST_CASE("never abort: a number JSON cannot hold is bad input", "[cli][abort]") {
    fs::path p = scratch("big.json", R"({"name": "x", "kernel": "containers-v7-1", "threads": [{"cpu": "CPU0", "task": 1e999, "ops": []}]})");
    for (const char* cmd : {"run", "explore", "check"}) {
        test_cli::Cli r = contsim(std::string(cmd) + " '" + p.string() + "'");
        INFO(cmd);
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: " + p.string() + ": $: expected valid JSON: number overflow parsing '1e999'\n");
    }
}

TEST_CASE("never abort: nesting deeper than the parser should recurse is bad input", "[cli][abort]") {
    fs::path p = scratch("deep.json", std::string(100000, '[') + std::string(100000, ']'));
    test_cli::Cli r = contsim("run '" + p.string() + "'");
    CHECK(r.status == 2);
    CHECK(r.err == "contsim: " + p.string() + ": $: expected arrays and objects nested at most 64 deep, found 100000\n");
}

TEST_CASE("never abort: a file larger than 16 MiB is refused before it is read", "[cli][abort]") {
    fs::path p = scratch("huge.json", "");
    fs::resize_file(p, 16 * 1024 * 1024 + 1);
    test_cli::Cli r = contsim("check '" + p.string() + "'");
    CHECK(r.status == 2);
    CHECK(r.err == "contsim: " + p.string() + ": $: expected at most 16777216 bytes, the file has 16777217\n");
    fs::remove(p);
}

TEST_CASE("a report that cannot be written is an error, not a silent exit 0", "[cli][abort]") {
    fs::path err = scratch("full.err", "");
    std::string cmd = std::string("cd '") + CONTSIM_SOURCE_DIR + "' && '" + CONTSIM_BINARY +
                      "' run scenarios/attach-exit/v7-1-cs1-negative-nearest.json >/dev/full 2>'" + err.string() + "'";
    int st = std::system(cmd.c_str());
    CHECK((WIFEXITED(st) ? WEXITSTATUS(st) : -1) == 2);
    CHECK(test_cli::slurp(err) == "contsim: cannot write the report to standard output\n");
}

TEST_CASE("honest options: one the strategy does not use is an error that names the strategy", "[cli][options]") {
    const std::string f = " scenarios/attach-exit/v7-1-cs1-negative.json";
    test_cli::Cli a = contsim("explore" + f + " --preemptions 3");
    CHECK(a.status == 2);
    CHECK(a.err == "contsim: --preemptions: only --strategy bounded uses it (the strategy is dpor)\n");
    test_cli::Cli b = contsim("explore" + f + " --strategy bounded --runs 5");
    CHECK(b.status == 2);
    CHECK(b.err == "contsim: --runs: only --strategy pct or random uses it (the strategy is bounded)\n");
    test_cli::Cli c = contsim("explore" + f + " --strategy random --depth 2 --runs 3");
    CHECK(c.status == 2);
    CHECK(c.err == "contsim: --depth: only --strategy pct uses it (the strategy is random)\n");
    CHECK(contsim("explore" + f + " --strategy dfs --seed 4").status == 2);
    // Where they apply they are taken.
    CHECK(contsim("explore" + f + " --strategy bounded --preemptions 1").status == 1);
}

TEST_CASE("the max-steps bound applies to the threads, not to boot and set-up", "[cli][options]") {
    // Set-up here takes more than 16 steps: the bound used to stop it ("set-up
    // is not clean: step limit"), exit 2; now the threads meet it.
    test_cli::Cli r = contsim("run scenarios/attach-exit/v7-1-cs1-negative-nearest.json --max-steps 16");
    CHECK(r.status == 1);
    CHECK(r.out.find("BUG: step limit: the run did not finish within 16 steps (livelock?)") != std::string::npos);
}

TEST_CASE("never abort: a schedule token or shard count too large to hold is refused", "[cli][abort]") {
    std::string token;
    for (int i = 0; i < 3; ++i) token += "a9999999b9999999";
    test_cli::Cli t = contsim("run scenarios/attach-exit/v7-1-cs1-negative-nearest.json --schedule " + token);
    CHECK(t.status == 2);
    CHECK(t.err == "contsim: --schedule: schedule token: more than 10000000 steps (the most --max-steps allows)\n");
    test_cli::Cli s = contsim("explore scenarios/attach-exit/v7-1-cs1-negative-nearest.json --shard 1/4294967295");
    CHECK(s.status == 2);
    CHECK(s.err == "contsim: --shard: expected K/N with 1 <= K <= N <= 1000000, got \"1/4294967295\"\n");
    CHECK(contsim("explore scenarios/attach-exit/v7-1-cs1-negative-nearest.json --shard -1/2").status == 2);
}

TEST_CASE("honest options: out-of-range values are refused, not wrapped or read as no limit", "[cli][options]") {
    const std::string f = " scenarios/attach-exit/v7-1-cs1-negative.json";
    const std::string tail = "\nRun with --help for more information.\n";
    struct Case {
        std::string args, err;
    };
    const std::string whole = "expected a whole number from 0 to 18446744073709551615, found ";
    for (const Case& c : {Case{"run" + f + " --seed -1", "--seed: " + whole + "-1"},
                          Case{"run" + f + " --seed 18446744073709551616", "--seed: " + whole + "18446744073709551616"},
                          Case{"explore" + f + " --strategy random --seed -1", "--seed: " + whole + "-1"},
                          Case{"explore" + f + " --max-runs -1", "--max-runs: " + whole + "-1"},
                          Case{"explore" + f + " --max-runs 1e3", "--max-runs: " + whole + "1e3"},
                          Case{"explore" + f + " --time-limit nan", "--time-limit: expected a finite number, found nan"}}) {
        test_cli::Cli r = contsim(c.args);
        INFO(c.args);
        CHECK(r.status == 2);
        CHECK(r.err == c.err + tail);
        CHECK(r.out.empty());
    }
}

TEST_CASE("a closed pipe ends contsim quietly by SIGPIPE, whatever it inherited", "[cli][abort]") {
    // The pipe's read end is closed before contsim writes: deterministic EPIPE.
    for (bool ignored : {false, true}) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        ::close(fds[0]);
        fs::path err = fs::path(CONTSIM_BINARY).parent_path() / "test-never-abort" / "sigpipe.err";
        fs::create_directories(err.parent_path());
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::signal(SIGPIPE, ignored ? SIG_IGN : SIG_DFL);  // a parent that ignores SIGPIPE (some CI runners do)
            ::dup2(fds[1], 1);
            int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(e, 2);
            ::chdir(CONTSIM_SOURCE_DIR);
            ::execl(CONTSIM_BINARY, CONTSIM_BINARY, "run", "scenarios/attach-exit/v7-1-cs1-negative.json",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(fds[1]);
        int st = 0;
        ::waitpid(pid, &st, 0);
        INFO("inherited SIGPIPE ignored: " << ignored);
        CHECK(WIFSIGNALED(st));
        CHECK((WIFSIGNALED(st) ? WTERMSIG(st) : 0) == SIGPIPE);
        CHECK(test_cli::without_sanitizer_notes(test_cli::slurp(err)).empty());
    }
}
