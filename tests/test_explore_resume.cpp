// Issue 11's promises about searches that stop: a stopped search says so and
// how far it got, --resume finishes it with the single run's table, SIGINT
// keeps the partial table, every limit applies to every phase, and `merge`
// refuses reports it cannot trust (each check its own case, exact message).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "app/digest.h"
#include "cli_runner.h"

namespace fs = std::filesystem;
using nlohmann::json;
using test_cli::contsim;

namespace {
fs::path scratch_dir() {
    fs::path d = fs::path(CONTSIM_BINARY).parent_path() / "test-explore-resume";
    fs::create_directories(d);
    return d;
}

fs::path save(const std::string& name, const std::string& text) {
    fs::path p = scratch_dir() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

// A report edited and re-signed, as a careless script would: the digest holds,
// so only the consistency checks can catch it.
fs::path resigned(const std::string& name, json j) {
    j.erase("digest");
    j["digest"] = app::digest_hex(j.dump());
    return save(name, j.dump(2));
}

// The parts of a report that make its table (not the limits that stopped it).
json table(const json& j) {
    return {{"executions", j["executions"]}, {"sleep_blocked", j["sleep_blocked"]}, {"runs", j["runs"]},
            {"outcomes", j["outcomes"]},     {"observation", j["observation"]},     {"complete", j["complete"]}};
}

const std::string kThree = "scenarios/attach-exit/v7-1-three-cpu-fix-mainline.json";  // 84 executions (1,040 with --reductions none), clean
const std::string kBig = "scenarios/unmentioned/exit-init-group-put-to-zero.json";  // with --reductions none, about 900,000 executions (tens of seconds); 9,890 with every rule
}  // namespace

TEST_CASE("resume: a capped search resumed without a cap gives the whole search's table", "[cli][resume]") {
    test_cli::Cli whole = contsim("explore " + kThree + " --split 64 --format json");
    REQUIRE(whole.status == 0);
    test_cli::Cli capped = contsim("explore " + kThree + " --max-runs 300 --format json");
    REQUIRE(capped.status == 4);
    json c = json::parse(capped.out);
    CHECK(c["complete"] == false);
    CHECK(c["bound"] == "max-runs");
    CHECK(c["search"]["split"] == 64);  // a limit cuts the search into units, so that --resume keeps some
    REQUIRE(c["resume"].is_object());
    CHECK(c["resume"]["units_of_shard"] == c["units"]);
    CHECK(c["units_done"].get<std::uint64_t>() < c["units"].get<std::uint64_t>());
    fs::path p = save("capped.json", capped.out);
    test_cli::Cli resumed = contsim("explore --resume '" + p.string() + "' --format json");
    REQUIRE(resumed.status == 0);
    json r = json::parse(resumed.out);
    CHECK(table(r) == table(json::parse(whole.out)));
    CHECK(r["resume"].is_null());
    // A complete report resumes to itself.
    fs::path done = save("done.json", resumed.out);
    CHECK(contsim("explore --resume '" + done.string() + "' --format json").out == resumed.out);
}

TEST_CASE("resume: the search's options come from the report, and saying otherwise is an error", "[cli][resume]") {
    test_cli::Cli capped = contsim("explore " + kThree + " --max-runs 300 --format json");
    fs::path p = save("capped-opts.json", capped.out);
    test_cli::Cli a = contsim("explore --resume '" + p.string() + "' --strategy dfs");
    CHECK(a.status == 2);
    CHECK(a.err == "contsim: --strategy: not with --resume: the search's options come from the report " + p.string() + "\n");
    test_cli::Cli b = contsim("explore " + kThree + " --resume '" + p.string() + "'");
    CHECK(b.status == 2);
    CHECK(b.err == "contsim: " + kThree + ": not with --resume: the scenario comes from the report " + p.string() + "\n");
    test_cli::Cli c = contsim("explore");
    CHECK(c.status == 2);
    CHECK(c.err == "contsim: explore: expected a scenario FILE (or --resume REPORT)\n");
}

TEST_CASE("interrupt: SIGINT stops the search and prints the partial table marked incomplete", "[cli][resume]") {
    // `timeout` delivers the signal (the test does not measure time).
    test_cli::Cli r = contsim("--version >/dev/null && timeout --preserve-status -s INT 3 '" + std::string(CONTSIM_BINARY) +
                              "' explore " + kBig + " --reductions none --format json");
    INFO("exit " << r.status << ", stderr: " << r.err << ", stdout: " << r.out.substr(0, 400));
    json j = json::parse(r.out, nullptr, false);
    REQUIRE(!j.is_discarded());
    CHECK(j["complete"] == false);
    CHECK(j["bound"] == "interrupted");
    CHECK(r.status == j["exit_code"].get<int>());
    CHECK((r.status == 1 || r.status == 4));
    test_cli::Cli t = contsim("--version >/dev/null && timeout --preserve-status -s TERM 3 '" +
                              std::string(CONTSIM_BINARY) + "' explore " + kBig + " --reductions none --no-progress");
    INFO("exit " << t.status << ", stderr: " << t.err);
    CHECK(t.out.find("INCOMPLETE, interrupted (SIGINT or SIGTERM)") != std::string::npos);
}

TEST_CASE("interrupt: the same signal twice at once is one interruption, not a kill", "[cli][resume]") {
    // What `timeout` does at expiry (the command, then its process group); the
    // copy used to meet SA_RESETHAND's default action and kill the search
    // before it printed.
    test_cli::Cli r = contsim("--version >/dev/null && { '" + std::string(CONTSIM_BINARY) + "' explore " + kBig +
                              " --reductions none --no-progress & p=$!; sleep 1; kill -TERM $p; kill -TERM $p; "
                              "kill -INT $p; wait $p; }");
    INFO("exit " << r.status << ", stderr: " << r.err);
    CHECK((r.status == 1 || r.status == 4));
    CHECK(r.out.find("INCOMPLETE, interrupted (SIGINT or SIGTERM)") != std::string::npos);
}

TEST_CASE("progress: --progress draws on stderr, never on stdout, and ends with the totals", "[cli][progress]") {
    test_cli::Cli quiet = contsim("explore " + kThree + " --format json");
    test_cli::Cli r = contsim("explore " + kThree + " --format json --progress");
    CHECK(r.status == 0);
    CHECK(r.out == quiet.out);
    CHECK(test_cli::without_sanitizer_notes(quiet.err).empty());  // not a terminal: no progress unless asked
    std::smatch m;
    REQUIRE(std::regex_search(r.err, m, std::regex("explore: done: 84 executions, (\\d+) outcomes, units 1/1, [0-9.]+ s\n$")));
    CHECK(m[1] == std::to_string(json::parse(quiet.out)["outcomes"].size()));
    test_cli::Cli both = contsim("explore " + kThree + " --progress --no-progress");
    CHECK(both.status == 2);
    CHECK(both.err == "contsim: --progress and --no-progress: give one\n");
}

TEST_CASE("limits: a time limit stops the split phase too", "[cli][limits]") {
    test_cli::Cli r = contsim("explore " + kBig + " --reductions none --split 1000000 --time-limit 1");
    CHECK(r.status == 4);
    CHECK(r.out.find("0 executions, longest 0 steps, 0 of 0 units done: INCOMPLETE, stopped by --time-limit 1 while "
                     "cutting the search into units\n") != std::string::npos);
}

TEST_CASE("limits: a sampled search is not sized by --runs up front", "[cli][limits]") {
    test_cli::Cli r = contsim("explore " + kThree + " --strategy random --runs 1000000000 --time-limit 1 --format json");
    CHECK(r.status == 4);
    json j = json::parse(r.out);
    CHECK(j["bound"] == "time-limit");
    CHECK(j["units"] == 1000000000);
    CHECK(j["resume"]["done"].size() >= 1);
}

TEST_CASE("save: a directory name the system refuses is bad input, not an abort", "[cli][save]") {
    test_cli::Cli r = contsim("explore scenarios/attach-exit/v7-1-cs1-negative.json --save " + std::string(5000, 'd'));
    CHECK(r.status == 2);
    CHECK(test_cli::without_sanitizer_notes(r.err) ==
          "contsim: --save: cannot create directory " + std::string(5000, 'd') + ": File name too long\n");
}

TEST_CASE("save: a witness where an oops stopped a CPU inside its op loads and replays", "[cli][save]") {
    fs::path dir = scratch_dir() / "oops-witnesses";
    fs::remove_all(dir);
    test_cli::Cli r = contsim("explore scenarios/unmentioned/umount-vs-mount-null-sb.json --save '" + dir.string() + "'");
    CHECK(r.status == 1);
    int kernel_bug = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::string text = test_cli::slurp(e.path());
        if (text.find("kernel-bug") == std::string::npos) continue;
        ++kernel_bug;
        test_cli::Cli w = contsim("run '" + e.path().string() + "'");
        INFO(e.path().string() << "\n" << w.err);
        CHECK(w.status == 0);
    }
    CHECK(kernel_bug >= 1);
}

TEST_CASE("merge: reports it cannot trust are refused, each with its reason", "[cli][merge]") {
    const std::string f = "scenarios/attach-exit/v7-1-cs1-negative.json";
    json s1 = json::parse(contsim("explore " + f + " --shard 1/2 --format json").out);
    json s2 = json::parse(contsim("explore " + f + " --shard 2/2 --format json").out);
    fs::path p1 = save("s1.json", s1.dump(2)), p2 = save("s2.json", s2.dump(2));
    auto merge = [&](const fs::path& b) { return contsim("merge '" + p1.string() + "' '" + b.string() + "'"); };
    CHECK(merge(p2).status == 1);  // the two shards: violations reachable

    SECTION("edited by hand: the digest no longer holds") {
        json e = s2;
        e["outcomes"][0]["executions"] = e["outcomes"][0]["executions"].get<int>() + 1;
        fs::path p = save("edited.json", e.dump(2));
        test_cli::Cli r = merge(p);
        CHECK(r.status == 2);
        CHECK(r.err.find("contsim: " + p.string() + ": $.digest: expected ") == 0);
        CHECK(r.err.find("the report was changed after explore wrote it\n") != std::string::npos);
    }
    SECTION("counts that do not add up") {
        json e = s2;
        e["outcomes"][0]["executions"] = e["outcomes"][0]["executions"].get<int>() + 1;
        fs::path p = resigned("sum.json", e);
        test_cli::Cli r = merge(p);
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: " + p.string() + ": $.executions: expected the sum of the rows' executions (" +
                           std::to_string(s2["executions"].get<int>() + 1) + "), found " +
                           std::to_string(s2["executions"].get<int>()) + "\n");
    }
    SECTION("an invented violation kind") {
        json e = s2;
        e["outcomes"][0]["violations"] = {"made-up"};
        fs::path p = resigned("kind.json", e);
        test_cli::Cli r = merge(p);
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: " + p.string() +
                           ": $.outcomes[0].violations: expected violation kinds contsim reports, found \"made-up\"\n");
    }
    SECTION("a witness that does not replay to its row") {
        json e = s2;
        const int steps = e["outcomes"][0]["steps"].get<int>();
        e["outcomes"][0]["steps"] = steps + 1;
        fs::path p = resigned("witness.json", e);
        test_cli::Cli r = merge(p);
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: " + p.string() + ": $.outcomes[0].witness: expected a schedule that replays to its row (" +
                           std::to_string(steps) + " steps, not " + std::to_string(steps + 1) + ")\n");
    }
    SECTION("rows out of order or repeated") {
        json e = s2;
        std::swap(e["outcomes"][0], e["outcomes"][1]);
        fs::path p = resigned("order.json", e);
        test_cli::Cli r = merge(p);
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: " + p.string() + ": $.outcomes[1]: expected distinct outcomes in the report's order\n");
    }
    SECTION("the scenario changed between the shard runs") {
        json e = s2;
        std::string src = e["scenario_source"];
        src.insert(src.find("\"name\""), "\"title\": \"edited\",\n  ");
        e["scenario_source"] = src;
        fs::path p = resigned("edited-scenario.json", e);
        test_cli::Cli r = merge(p);
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: " + p.string() + ": $.search_digest: not the same search as " + p1.string() +
                           ": its scenario text differs (the file changed between the shard runs, or another scenario)\n");
    }
    SECTION("another binary") {
        json e = s2;
        e["contsim_version"] = "0.0.1 (git 0000000)";
        fs::path p = resigned("version.json", e);
        test_cli::Cli r = merge(p);
        CHECK(r.status == 2);
        CHECK(r.err.find("contsim: " + p.string() + ": $.contsim_version: written by contsim 0.0.1 (git 0000000), this is "
                         "contsim ") == 0);
    }
    SECTION("a shard given twice, and one missing") {
        test_cli::Cli r = merge(p1);
        CHECK(r.status == 2);
        CHECK(r.err == "contsim: " + p1.string() + ": $.shard: shard 1/2 given twice\n");
        test_cli::Cli m = contsim("merge '" + p1.string() + "'");
        CHECK(m.status == 2);
        CHECK(m.err == "contsim: merge: shard 2/2 is missing\n");
    }
    SECTION("merged from another directory: the report holds the scenario") {
        test_cli::Cli r = contsim("merge '" + p1.string() + "' '" + p2.string() + "' --format json");
        std::string cmd = "cd / && '" + std::string(CONTSIM_BINARY) + "' merge '" + p1.string() + "' '" + p2.string() +
                          "' --format json > '" + (scratch_dir() / "elsewhere.out").string() + "'";
        int st = std::system(cmd.c_str());
        CHECK(WEXITSTATUS(st) == 1);
        CHECK(test_cli::slurp(scratch_dir() / "elsewhere.out") == r.out);
    }
}

TEST_CASE("save: a report written with --save still merges and resumes", "[cli][save]") {
    fs::path dir = scratch_dir() / "saved-witnesses";
    const std::string f = "scenarios/attach-exit/v7-1-cs1-negative.json";
    test_cli::Cli s1 = contsim("explore " + f + " --shard 1/2 --format json --save '" + dir.string() + "'");
    test_cli::Cli s2 = contsim("explore " + f + " --shard 2/2 --format json --save '" + dir.string() + "'");
    REQUIRE(json::parse(s1.out).contains("saved"));
    fs::path p1 = save("saved-1.json", s1.out), p2 = save("saved-2.json", s2.out);
    test_cli::Cli m = contsim("merge '" + p1.string() + "' '" + p2.string() + "'");
    INFO(m.err);
    CHECK(m.status == 1);
    test_cli::Cli capped = contsim("explore " + kThree + " --max-runs 300 --format json --save '" + dir.string() + "'");
    fs::path p = save("capped-saved.json", capped.out);
    test_cli::Cli r = contsim("explore --resume '" + p.string() + "'");
    INFO(r.err);
    CHECK(r.status == 0);
}

TEST_CASE("review: a bounded search a limit stopped in a later round is not complete", "[cli][limits]") {
    test_cli::Cli r = contsim("explore " + kThree + " --strategy bounded --preemptions 3 --max-runs 1000 --format json");
    json j = json::parse(r.out);
    CHECK(j["complete"] == false);
    CHECK(j["bound"] == "max-runs");
    CHECK(r.status == 4);
}

TEST_CASE("review: a sampled search capped by --max-runs runs the first N runs for any --jobs", "[cli][limits]") {
    const std::string base = "explore scenarios/unmentioned/top-tasks-zombies.json --strategy random --runs 5000 "
                             "--max-runs 300 --format json";
    json one = json::parse(contsim(base + " --jobs 1").out);
    json four = json::parse(contsim(base + " --jobs 4").out);
    CHECK(one["executions"] == 300);
    CHECK(one["resume"]["done"] == json::parse("[[0, 300]]"));
    CHECK(table(one) == table(four));
    CHECK(one["resume"]["done"] == four["resume"]["done"]);
}

TEST_CASE("review: a resume keeps what it knew, even when stopped at once", "[cli][resume]") {
    const std::string f = "scenarios/unmentioned/exit-init-group-put-to-zero-fix-recheck.json";
    // Run 1: capped; its stopped units saw a violation its done units did not.
    // Without the reduction rules: the search this case was written for (the
    // rules shrink it so much that 2,000 runs finish the units that see it).
    test_cli::Cli first = contsim("explore " + f + " --max-runs 2000 --reductions none --format json");
    json a = json::parse(first.out);
    REQUIRE(a["violation_reachable"] == true);
    REQUIRE(a["resume"]["carried"].size() >= 1);
    fs::path p = save("carried.json", first.out);
    // Run 2: stopped while cutting the search into units: the report's table, unchanged.
    json b = json::parse(contsim("explore --resume '" + p.string() + "' --time-limit 0.000001 --format json").out);
    CHECK(b["resume"]["done"] == a["resume"]["done"]);
    CHECK(b["executions"] == a["resume"]["executions"]);
    CHECK(b["violation_reachable"] == true);
    CHECK(b["exit_code"] == 1);
    // Run 3: too small a share to finish a unit: the violation is still reported, apart.
    test_cli::Cli c = contsim("explore --resume '" + p.string() + "' --max-runs 1");
    CHECK(c.status == 1);
    CHECK(c.out.find("Also seen before --resume, in units not finished again (not counted above):\n") != std::string::npos);
    CHECK(c.out.find("Note: no further unit finished: each unit's share of --max-runs 1 is smaller than any unit left") !=
          std::string::npos);
}

TEST_CASE("review: a merge of capped shards says which limit stopped them and cannot be resumed", "[cli][merge]") {
    fs::path a = save("cap-1.json", contsim("explore " + kThree + " --max-runs 200 --shard 1/2 --format json").out);
    fs::path b = save("cap-2.json", contsim("explore " + kThree + " --max-runs 200 --shard 2/2 --format json").out);
    test_cli::Cli m = contsim("merge '" + a.string() + "' '" + b.string() + "' --format json");
    CHECK(m.status == 4);
    fs::path mm = save("cap-merged.json", m.out);
    test_cli::Cli t = contsim("merge '" + mm.string() + "'");
    CHECK(t.out.find("INCOMPLETE, stopped by --max-runs 200\n") != std::string::npos);
    test_cli::Cli r = contsim("explore --resume '" + mm.string() + "'");
    CHECK(r.status == 2);
    CHECK(r.err == "contsim: " + mm.string() + ": $.resume: expected the done units of an incomplete search; a merge of "
                                              "shards has none: resume each shard's own report, then merge\n");
}

TEST_CASE("resume: sampled and sharded searches resume to the uninterrupted table", "[cli][resume]") {
    struct Case {
        std::string search;  // the options of the search (the same in both runs)
        std::string cap;     // what stops the first run
    };
    const std::string tz = "scenarios/unmentioned/top-tasks-zombies.json";
    for (const Case& c : {Case{"--strategy random --runs 600 --seed 7", "--max-runs 250"},
                          Case{"--strategy pct --runs 600 --seed 7 --depth 2", "--max-runs 250"},
                          Case{"--shard 2/3", "--max-runs 900"},
                          Case{"--strategy random --runs 600 --seed 7 --shard 1/2", "--max-runs 100"}}) {
        INFO(c.search);
        json whole = json::parse(contsim("explore " + tz + " " + c.search + " --format json").out);
        test_cli::Cli first = contsim("explore " + tz + " " + c.search + " " + c.cap + " --format json");
        REQUIRE(json::parse(first.out)["resume"].is_object());
        fs::path p = save("resume-case.json", first.out);
        json resumed = json::parse(contsim("explore --resume '" + p.string() + "' --jobs 2 --format json").out);
        CHECK(table(resumed) == table(whole));
        CHECK(resumed["units_done"] == whole["units_done"]);
    }
}

TEST_CASE("resume: a search with a reduction rule off resumes as that search", "[cli][resume]") {
    test_cli::Cli whole = contsim("explore " + kThree + " --split 64 --reductions none --format json");
    REQUIRE(whole.status == 0);
    test_cli::Cli capped = contsim("explore " + kThree + " --max-runs 300 --reductions none --format json");
    REQUIRE(capped.status == 4);
    CHECK(json::parse(capped.out)["search"]["reductions_off"] ==
          json::array({"gp-ends", "blind-adds", "snapshot-first", "nonzero-decs", "snapshot-sleep", "snapshot-order"}));
    fs::path p = save("capped-none.json", capped.out);
    test_cli::Cli again = contsim("explore --resume '" + p.string() + "' --reductions all");
    CHECK(again.status == 2);
    CHECK(again.err ==
          "contsim: --reductions: not with --resume: the search's options come from the report " + p.string() + "\n");
    test_cli::Cli resumed = contsim("explore --resume '" + p.string() + "' --format json");
    REQUIRE(resumed.status == 0);
    CHECK(table(json::parse(resumed.out)) == table(json::parse(whole.out)));
}
