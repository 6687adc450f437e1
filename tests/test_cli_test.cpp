// contsim test: a directory of scenarios as a CI suite, and expect.explore.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using test_cli::contsim;

namespace {

const fs::path kSeed = fs::path(CONTSIM_SOURCE_DIR) / "scenarios/attach-exit/v7-1-cs1-negative-nearest.json";

json load(const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

void save(const fs::path& p, const json& j) {
    std::ofstream out(p);
    out << j.dump(2) << "\n";
}

// A directory with four scenarios: one passing, one whose run no longer
// matches, one whose search expectation is wrong, one that does not load.
// Each test case its own directory: CTest runs cases in parallel processes.
fs::path suite(const std::string& name) {
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path() / ("test-cli-suite-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir / "sub");
    json ok = load(kSeed);
    save(dir / "a-ok.json", ok);
    json run_bad = ok;
    run_bad["expect"]["final"]["/dev/container/CS1"]["count"] = 0;
    save(dir / "b-run-mismatch.json", run_bad);
    json search_bad = ok;
    search_bad["expect"]["explore"]["verdict"] = "never";
    search_bad["expect"]["explore"]["violations"] = json::array();
    save(dir / "sub/c-search-mismatch.json", search_bad);
    std::ofstream(dir / "sub/d-bad.json") << "{\"name\": ";
    return dir;
}

}  // namespace

TEST_CASE("contsim test: a summary line, the failures with their reasons, exit 1", "[cli][test]") {
    fs::path dir = suite("text");
    test_cli::Cli r = contsim("test '" + dir.string() + "'");
    CHECK(r.status == 1);
    const std::string d = dir.string();
    CHECK(r.out.find("ok   " + d + "/a-ok.json (run, search)\n") != std::string::npos);
    CHECK(r.out.find("FAIL " + d + "/b-run-mismatch.json (run, search)\n"
                     "     run: final./dev/container/CS1.count: expected 0, found -1\n") != std::string::npos);
    CHECK(r.out.find("FAIL " + d + "/sub/c-search-mismatch.json (run, search)\n"
                     "     explore: verdict: expected never, found sometimes\n"
                     "     explore: violations: expected [], found [count-mismatch, refcount-underflow]\n") !=
          std::string::npos);
    CHECK(r.out.find("FAIL " + d + "/sub/d-bad.json (run)\n     bad input: " + d + "/sub/d-bad.json: $: expected valid JSON") !=
          std::string::npos);
    CHECK(r.out.substr(r.out.rfind("4 scenarios")) == "4 scenarios: 1 passed, 3 failed\n");
    // The same report whatever the number of jobs; a passing subset exits 0.
    CHECK(contsim("test '" + dir.string() + "' --jobs 3").out == r.out);
    test_cli::Cli one = contsim("test '" + (dir / "a-ok.json").string() + "'");
    CHECK(one.status == 0);
    CHECK(one.out == "ok   " + d + "/a-ok.json (run, search)\n1 scenario: 1 passed, 0 failed\n");
    test_cli::Cli missing = contsim("test '" + (dir / "nope").string() + "'");
    CHECK(missing.status == 2);
    CHECK(missing.err == "contsim: " + (dir / "nope").string() + ": no such scenario file or directory\n");
    fs::remove_all(dir);
}

TEST_CASE("contsim test: TAP on stdout and JUnit XML for CI systems", "[cli][test]") {
    fs::path dir = suite("tap");
    fs::path xml = dir / "report.xml";
    test_cli::Cli r = contsim("test '" + dir.string() + "' --format tap --junit '" + xml.string() + "'");
    CHECK(r.status == 1);
    const std::string d = dir.string();
    CHECK(r.out.rfind("TAP version 13\n1..4\nok 1 - " + d + "/a-ok.json (run, search)\nnot ok 2 - ", 0) == 0);
    CHECK(r.out.find("not ok 3 - " + d + "/sub/c-search-mismatch.json (run, search)\n  ---\n  messages:\n"
                     "    - \"explore: verdict: expected never, found sometimes\"\n") != std::string::npos);
    CHECK(r.out.substr(r.out.rfind("# ")) == "# 4 scenarios: 1 passed, 3 failed\n");
    std::string x = test_cli::slurp(xml);
    // Seven cases: a run and a search each, but the file that does not load.
    CHECK(x.find("<testsuites name=\"contsim test\" tests=\"7\" failures=\"3\" errors=\"0\" skipped=\"0\">") !=
          std::string::npos);
    CHECK(x.find("<testcase classname=\"contsim." + d + "/sub\" name=\"c-search-mismatch.json explore\"") !=
          std::string::npos);
    CHECK(x.find("<failure message=\"explore: verdict: expected never, found sometimes\">") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("contsim test: a slow search is skipped unless --slow, and says so", "[cli][test]") {
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path() / "test-cli-slow";
    fs::remove_all(dir);
    fs::create_directories(dir);
    json j = load(kSeed);
    j["expect"]["explore"]["slow"] = true;
    save(dir / "s.json", j);
    test_cli::Cli r = contsim("test '" + dir.string() + "'");
    CHECK(r.status == 0);
    CHECK(r.out == "ok   " + (dir / "s.json").string() +
                       " (run; search skipped: slow)\n1 scenario: 1 passed, 0 failed; 1 search skipped (slow: --slow "
                       "runs them)\n");
    test_cli::Cli s = contsim("test '" + dir.string() + "' --slow");
    CHECK(s.out == "ok   " + (dir / "s.json").string() + " (run, search)\n1 scenario: 1 passed, 0 failed\n");
    fs::remove_all(dir);
}

TEST_CASE("explore prints whether expect.explore holds, and a capped search cannot satisfy it", "[cli][explore]") {
    const std::string f = "scenarios/attach-exit/v7-1-cs1-negative-nearest.json";
    test_cli::Cli r = contsim("explore " + f);
    CHECK(r.out.find("Violations are reachable.\nExpect (explore): matches (sometimes; violations: count-mismatch, "
                     "refcount-underflow)\n") != std::string::npos);
    test_cli::Cli capped = contsim("explore " + f + " --strategy dfs --max-runs 3 --split 1");
    CHECK(capped.status == 4);
    CHECK(capped.out.find("Expect (explore): inconclusive: the search did not finish, and nothing it saw contradicts "
                          "it\n") != std::string::npos);
    test_cli::Cli j = contsim("explore " + f + " --format json");
    json doc = json::parse(j.out);
    CHECK(doc["violation_verdict"] == "sometimes");
    CHECK(doc["expect_explore"] == json({{"matches", true}, {"inconclusive", false}, {"mismatches", json::array()}}));
}

TEST_CASE("expect.explore: malformed forms are refused with the JSON path", "[cli][test]") {
    fs::path dir = fs::path(CONTSIM_BINARY).parent_path() / "test-cli-bad-explore";
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto check = [&](const json& explore, const std::string& message) {
        json j = load(kSeed);
        j["expect"]["explore"] = explore;
        fs::path p = dir / "x.json";
        save(p, j);
        test_cli::Cli r = contsim("check '" + p.string() + "'");
        INFO(explore.dump());
        CHECK(r.status == 2);
        CHECK(r.err.find(p.string() + ": " + message) != std::string::npos);
    };
    check(json::object(), "$.expect.explore: expected a \"verdict\": \"never\", \"sometimes\" or \"always\"");
    check({{"verdict", "often"}, {"violations", json::array()}},
          "$.expect.explore.verdict: expected \"never\", \"sometimes\" or \"always\" (how many executions have a "
          "violation), found \"often\"");
    check({{"verdict", "never"}, {"violations", {"leak"}}}, "$.expect.explore.violations: expected [] with \"verdict\": \"never\"");
    check({{"verdict", "sometimes"}, {"violations", json::array()}},
          "$.expect.explore.violations: expected the violation kinds some execution has");
    check({{"verdict", "sometimes"}, {"violations", {"leaks"}}}, "$.expect.explore.violations[0]: unknown violation \"leaks\"");
    check({{"verdict", "never"}, {"violations", json::array()}, {"outcomes", 0}},
          "$.expect.explore.outcomes: expected a number of distinct outcomes, 1 to 1000000, found the number 0");
    check({{"verdict", "never"}, {"violations", json::array()}, {"slow", "yes"}},
          "$.expect.explore.slow: expected a boolean, found");
    check({{"verdict", "never"}, {"violations", json::array()}, {"strategy", "dfs"}},
          "$.expect.explore.strategy: unknown key");
    fs::remove_all(dir);
}
