#include "app/cli_test.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "app/explore.h"
#include "app/runner.h"
#include "app/scenario.h"

namespace app {

namespace fs = std::filesystem;

CLI::App* add_test_command(CLI::App& cli, TestArgs& a) {
    auto* t = cli.add_subcommand(
        "test", "Run scenario files and directories as a regression suite: each replays against its expect and, "
                "where it states expect.explore, is searched against it");
    t->add_option("paths", a.paths, "Scenario files and directories (searched recursively for *.json)")->required();
    t->add_option("--format", a.format,
                  "Report on stdout: text, tap (Test Anything Protocol 13) or json (docs/schemas/test.schema.json)")
        ->check(CLI::IsMember({"text", "tap", "json"}));
    t->add_option("--junit", a.junit, "Also write a JUnit XML report to this file (for CI systems)");
    t->add_option("--jobs", a.jobs, "Scenarios tested at once (the report does not depend on it)")
        ->check(CLI::Range(1u, 256u));
    t->add_flag("--slow", a.slow, "Also search the scenarios whose expect.explore says \"slow\": true");
    return t;
}

std::vector<std::string> collect_scenarios(const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const std::string& p : paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<std::string> found;
            for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
                if (it->is_regular_file(ec) && it->path().extension() == ".json") found.push_back(it->path().string());
            if (ec) throw InputError(fmt::format("{}: cannot read the directory: {}", p, ec.message()));
            std::sort(found.begin(), found.end());
            out.insert(out.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(p, ec)) {
            out.push_back(p);
        } else {
            throw InputError(fmt::format("{}: no such scenario file or directory", p));
        }
    }
    return out;
}

ScenarioTest test_scenario(const std::string& file, bool slow) {
    ScenarioTest t;
    t.file = file;
    Scenario sc;
    try {
        sc = load_scenario(file);
        RunResult r = run_scenario(sc);
        t.run_ok = r.exit_code() == 0;
        if (!t.run_ok) {
            if (!sc.expect.present) t.run_messages.push_back("run: findings, and no expect says so:");
            for (const auto& m : r.mismatches) t.run_messages.push_back("run: " + m);
            if (!sc.expect.present)
                for (const auto& f : r.findings) t.run_messages.push_back("  " + f.message);
        }
    } catch (const std::exception& e) {
        t.run_messages.push_back(std::string("bad input: ") + e.what());
        return t;  // nothing to search
    }
    if (!sc.expect.explore) return t;
    if (sc.expect.explore->slow && !slow) {
        t.search = ScenarioTest::Search::skipped;
        return t;
    }
    try {
        ExploreOptions o;  // DPOR, no bound: the search is complete or it is an error
        ExploreResult r = explore_scenario(sc, o);
        ExploreExpectCheck c = check_explore_expect(r, *sc.expect.explore);
        t.search = c.matches() ? ScenarioTest::Search::passed : ScenarioTest::Search::failed;
        if (c.inconclusive) t.search_messages.push_back("explore: inconclusive: the search did not finish");
        for (const auto& m : c.mismatches) t.search_messages.push_back("explore: " + m);
    } catch (const std::exception& e) {
        t.search = ScenarioTest::Search::failed;
        t.search_messages.push_back(std::string("explore: ") + e.what());
    }
    return t;
}

namespace {

std::string note(const ScenarioTest& t) {
    switch (t.search) {
    case ScenarioTest::Search::none: return "run";
    case ScenarioTest::Search::skipped: return "run; search skipped: slow";
    default: return "run, search";
    }
}

struct Counts {
    std::size_t passed = 0, failed = 0, skipped = 0;
};

Counts count(const std::vector<ScenarioTest>& tests) {
    Counts c;
    for (const auto& t : tests) {
        ++(t.ok() ? c.passed : c.failed);
        if (t.search == ScenarioTest::Search::skipped) ++c.skipped;
    }
    return c;
}

std::string summary(const std::vector<ScenarioTest>& tests) {
    Counts c = count(tests);
    std::string s = fmt::format("{} scenario{}: {} passed, {} failed", tests.size(), tests.size() == 1 ? "" : "s",
                                c.passed, c.failed);
    if (c.skipped) s += fmt::format("; {} search{} skipped (slow: --slow runs them)", c.skipped, c.skipped == 1 ? "" : "es");
    return s;
}

std::vector<std::string> messages(const ScenarioTest& t) {
    std::vector<std::string> m = t.run_messages;
    m.insert(m.end(), t.search_messages.begin(), t.search_messages.end());
    return m;
}

std::string xml(const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&apos;"; break;
        default:
            // XML 1.0 has no other control characters than tab, LF and CR.
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                o += fmt::format("\\x{:02x}", c);
            else
                o += static_cast<char>(c);
        }
    }
    return o;
}

}  // namespace

std::string test_report_text(const std::vector<ScenarioTest>& tests) {
    std::string s;
    for (const auto& t : tests) {
        s += fmt::format("{} {} ({})\n", t.ok() ? "ok  " : "FAIL", t.file, note(t));
        for (const auto& m : messages(t)) s += "     " + m + "\n";
    }
    return s + summary(tests) + "\n";
}

std::string test_report_tap(const std::vector<ScenarioTest>& tests) {
    std::string s = fmt::format("TAP version 13\n1..{}\n", tests.size());
    for (std::size_t i = 0; i < tests.size(); ++i) {
        const ScenarioTest& t = tests[i];
        s += fmt::format("{} {} - {} ({})\n", t.ok() ? "ok" : "not ok", i + 1, t.file, note(t));
        std::vector<std::string> m = messages(t);
        if (t.ok() || m.empty()) continue;
        s += "  ---\n  messages:\n";
        for (const auto& x : m) s += "    - " + nlohmann::json(x).dump() + "\n";
        s += "  ...\n";
    }
    return s + "# " + summary(tests) + "\n";
}

std::string test_report_junit(const std::vector<ScenarioTest>& tests) {
    // Two test cases per scenario: its run and its search.
    std::size_t cases = 0, failures = 0, skipped = 0;
    std::string body;
    auto testcase = [&](const ScenarioTest& t, const char* part, bool failed, bool skip,
                        const std::vector<std::string>& why) {
        ++cases;
        body += fmt::format("    <testcase classname=\"{}\" name=\"{} {}\" file=\"{}\">",
                            xml("contsim." + fs::path(t.file).parent_path().generic_string()),
                            xml(fs::path(t.file).filename().string()), part, xml(t.file));
        if (skip) {
            ++skipped;
            body += "<skipped message=\"slow: contsim test --slow searches it\"/>";
        } else if (failed) {
            ++failures;
            std::string text;
            for (const auto& m : why) text += m + "\n";
            body += fmt::format("<failure message=\"{}\">{}</failure>",
                                xml(why.empty() ? std::string(part) + " failed" : why.front()), xml(text));
        }
        body += "</testcase>\n";
    };
    for (const auto& t : tests) {
        testcase(t, "run", !t.run_ok, false, t.run_messages);
        if (t.search != ScenarioTest::Search::none)
            testcase(t, "explore", t.search == ScenarioTest::Search::failed,
                     t.search == ScenarioTest::Search::skipped, t.search_messages);
    }
    return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<testsuites name=\"contsim test\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"{2}\">\n"
                       "  <testsuite name=\"contsim test\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"{2}\">\n"
                       "{3}  </testsuite>\n</testsuites>\n",
                       cases, failures, skipped, body);
}

std::string test_report_json(const std::vector<ScenarioTest>& tests) {
    using nlohmann::json;
    const Counts c = count(tests);
    json list = json::array();
    for (const auto& t : tests) {
        const char* search = t.search == ScenarioTest::Search::none      ? "none"
                             : t.search == ScenarioTest::Search::skipped ? "skipped"
                             : t.search == ScenarioTest::Search::passed  ? "passed"
                                                                         : "failed";
        list.push_back({{"file", t.file},
                        {"ok", t.ok()},
                        {"run", t.run_ok ? "passed" : "failed"},
                        {"search", search},
                        {"messages", messages(t)}});
    }
    json j = {{"format", "contsim-test/1"},
              {"tests", list},
              {"passed", c.passed},
              {"failed", c.failed},
              {"searches_skipped", c.skipped},
              {"summary", summary(tests)},
              {"exit_code", c.failed ? 1 : 0}};
    return j.dump(2) + "\n";
}

int cmd_test(const TestArgs& a) {
    const std::vector<std::string> files = collect_scenarios(a.paths);
    std::vector<ScenarioTest> tests(files.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i; (i = next++) < files.size();) tests[i] = test_scenario(files[i], a.slow);
    };
    const unsigned n = std::min<unsigned>(a.jobs, static_cast<unsigned>(std::max<std::size_t>(files.size(), 1)));
    if (n <= 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        for (unsigned k = 0; k < n; ++k) pool.emplace_back(worker);
        for (auto& th : pool) th.join();
    }
    if (a.junit) {
        std::ofstream out(*a.junit, std::ios::binary | std::ios::trunc);
        out << test_report_junit(tests);
        out.flush();
        if (!out) throw InputError(fmt::format("--junit: cannot write {}", *a.junit));
    }
    std::cout << (a.format == "tap"    ? test_report_tap(tests)
                  : a.format == "json" ? test_report_json(tests)
                                       : test_report_text(tests));
    return std::all_of(tests.begin(), tests.end(), [](const ScenarioTest& t) { return t.ok(); }) ? 0 : 1;
}

}  // namespace app
