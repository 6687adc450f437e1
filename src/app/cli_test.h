// `contsim test PATH...`: a corpus of scenarios as a regression suite. Each
// scenario is replayed against its `expect` and, where it states one,
// searched (DPOR) against its `expect.explore`; a summary line, TAP or JUnit
// for CI systems, exit 1 when anything failed.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace app {

struct TestArgs {
    std::vector<std::string> paths;
    std::string format = "text";       // text, tap or json
    std::optional<std::string> junit;  // JUnit XML file to write
    unsigned jobs = 1;
    bool slow = false;                 // also search the scenarios marked "slow"
};

CLI::App* add_test_command(CLI::App& cli, TestArgs& a);
int cmd_test(const TestArgs& a);

// One scenario's verdict, as the reports show it.
struct ScenarioTest {
    std::string file;
    bool run_ok = false;
    std::vector<std::string> run_messages;  // why the run part failed
    enum class Search { none, skipped, passed, failed } search = Search::none;
    std::vector<std::string> search_messages;
    bool ok() const { return run_ok && search != Search::failed; }
};

// The scenario files under `paths` (directories recursively, *.json), sorted
// per path; throws InputError for a path that does not exist.
std::vector<std::string> collect_scenarios(const std::vector<std::string>& paths);
ScenarioTest test_scenario(const std::string& file, bool slow);
std::string test_report_text(const std::vector<ScenarioTest>& tests);
std::string test_report_tap(const std::vector<ScenarioTest>& tests);
std::string test_report_junit(const std::vector<ScenarioTest>& tests);
std::string test_report_json(const std::vector<ScenarioTest>& tests);

}  // namespace app
