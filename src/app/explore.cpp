#include "app/explore.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "app/runner.h"
#include "core/errno_names.h"

namespace app {

using nlohmann::json;

Outcome outcome_of(const RunResult& r, const Scenario& sc) {
    Outcome o;
    o.violations = r.violation_set();
    for (const FinalCheck& f : sc.expect.final) {
        auto v = final_value(r, f.target, f.key);
        o.final.emplace_back(f.target + "." + f.key, v ? *v : json(nullptr));
    }
    for (const ThreadResult& t : r.threads) o.returns.emplace_back(t.cpu, t.returns);
    return o;
}

namespace {

std::string returns_text(const std::vector<int>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + core::result_name(v[i]);
    return s + "]";
}

json returns_json(const std::vector<int>& v) {
    json a = json::array();
    for (int x : v) a.push_back(x == 0 ? json(0) : json(core::result_name(x)));
    return a;
}

std::string values_text(const Outcome& o) {
    std::string s;
    for (const auto& [k, v] : o.final) s += (s.empty() ? "" : " ") + k + "=" + (v.is_null() ? "?" : v.dump());
    for (const auto& [cpu, rets] : o.returns) s += (s.empty() ? "" : " ") + cpu + "=" + returns_text(rets);
    return s;
}

std::string violations_text(const std::vector<std::string>& v) {
    if (v.empty()) return "-";
    std::string s;
    for (const auto& k : v) s += (s.empty() ? "" : ",") + k;
    return s;
}

std::string fixes_text(const Scenario& sc) {
    std::string s;
    for (core::Fix f : sc.fixes) s += (s.empty() ? "" : ", ") + std::string(core::fix_name(f));
    return s.empty() ? "none" : s;
}

}  // namespace

bool Outcome::operator<(const Outcome& o) const {
    return std::tie(violations, final, returns) < std::tie(o.violations, o.final, o.returns);
}
bool Outcome::operator==(const Outcome& o) const {
    return violations == o.violations && final == o.final && returns == o.returns;
}

bool ExploreResult::violation_reachable() const {
    for (const OutcomeRow& r : outcomes)
        if (!r.outcome.violations.empty()) return true;
    return false;
}

std::string ExploreResult::verdict() const {
    if (positive == 0) return "Never";
    if (negative == 0) return "Always";
    return "Sometimes";
}

ExploreResult explore_scenario(const Scenario& sc, const ExploreOptions& o) {
    ExploreResult res;
    res.scenario = &sc;
    res.options = o;
    res.strategy = o.search.strategy == sim::Strategy::dpor ? "dpor" : "dfs";
    std::map<Outcome, OutcomeRow> rows;
    RunResult cur;
    auto run_once = [&](sim::Policy& p) -> const sim::Machine& {
        cur = RunResult{};  // the old machine goes first: machines nest on this thread
        RunOptions ro;
        ro.max_steps = o.max_steps;
        ro.policy = &p;
        cur = run_scenario(sc, ro);
        return *cur.machine;
    };
    std::map<Outcome, std::vector<sim::StepInfo>> witness_steps;
    auto on_execution = [&](const sim::Machine& m) {
        Outcome oc = outcome_of(cur, sc);
        auto [it, fresh] = rows.try_emplace(oc);
        OutcomeRow& row = it->second;
        std::size_t sw = m.runs().empty() ? 0 : m.runs().size() - 1;
        if (fresh || sw < row.switches || (sw == row.switches && m.step() < row.steps)) {
            row.witness = cur.token;
            row.switches = sw;
            row.steps = m.step();
            witness_steps[oc] = m.steps();
        }
        if (fresh) {
            row.outcome = std::move(oc);
            row.matches_expect = cur.matches;
        }
        ++row.executions;
        ++(cur.matches ? res.positive : res.negative);
    };
    sim::Explorer ex(o.search);
    res.stats = ex.explore(run_once, on_execution);
    cur = RunResult{};
    // A witness with fewer context switches from the same trace, kept only if
    // its replay ends in the same outcome.
    for (auto& [oc, row] : rows) {
        std::vector<int> picks = sim::fewest_switches(witness_steps[oc]);
        std::vector<sim::Run> runs;
        for (int c : picks) {
            if (!runs.empty() && runs.back().cpu == c)
                ++runs.back().count;
            else
                runs.push_back({c, 1});
        }
        if (picks.size() != row.steps || runs.empty() || runs.size() - 1 >= row.switches) continue;
        RunOptions ro;
        ro.max_steps = o.max_steps;
        ro.token = sim::encode_token(runs);
        try {
            RunResult rr = run_scenario(sc, ro);
            if (outcome_of(rr, sc) == oc && rr.steps == row.steps) {
                row.witness = rr.token;
                row.switches = runs.size() - 1;
            }
        } catch (const InputError&) {
        }
    }
    for (auto& [k, row] : rows) res.outcomes.push_back(std::move(row));
    return res;
}

std::string explore_report_text(const ExploreResult& r) {
    const Scenario& sc = *r.scenario;
    const sim::ExploreStats& st = r.stats;
    std::string s;
    s += fmt::format("Scenario: {} ({})\n", sc.name, sc.file);
    s += fmt::format("Kernel:   {}; fixes: {}\n", sc.kernel, fixes_text(sc));
    s += fmt::format("Explored: {} ({}), {} execution{}", r.strategy,
                     r.strategy == "dpor" ? "source-set DPOR with sleep sets" : "every interleaving", st.executions,
                     st.executions == 1 ? "" : "s");
    if (st.sleep_blocked) s += fmt::format(" + {} sleep-blocked", st.sleep_blocked);
    s += fmt::format(", longest {} steps: ", st.longest);
    if (st.complete)
        s += "complete\n";
    else if (st.bound == "max-runs")
        s += fmt::format("INCOMPLETE, stopped by --max-runs {}\n", r.options.search.max_runs);
    else
        s += fmt::format("INCOMPLETE, stopped by --time-limit {}\n", r.options.search.time_limit);
    s += "\n";
    std::size_t ww = 7, vw = 10;
    for (const OutcomeRow& row : r.outcomes) {
        ww = std::max(ww, row.witness.size());
        vw = std::max(vw, violations_text(row.outcome.violations).size());
    }
    s += fmt::format("{:>3}  {:>10}  {:<{}}  {:<6}  {:<{}}  {}\n", "#", "executions", "witness", ww, "expect",
                     "violations", vw, "values");
    for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
        const OutcomeRow& row = r.outcomes[i];
        s += fmt::format("{:>3}  {:>10}  {:<{}}  {:<6}  {:<{}}  {}\n", i + 1, row.executions, row.witness, ww,
                         row.matches_expect ? "yes" : "no", violations_text(row.outcome.violations), vw,
                         values_text(row.outcome));
    }
    s += "\n";
    s += fmt::format("Observation {} {} {} {}\n", sc.name, r.verdict(), r.positive, r.negative);
    s += r.violation_reachable() ? "Violations are reachable.\n" : "No violation is reachable";
    if (!r.violation_reachable()) s += st.complete ? ".\n" : " in the executions explored.\n";
    return s;
}

json explore_report_json(const ExploreResult& r) {
    const Scenario& sc = *r.scenario;
    const sim::ExploreStats& st = r.stats;
    json j;
    j["format"] = "contsim-explore/1";
    j["scenario"] = sc.name;
    j["file"] = sc.file;
    j["kernel"] = sc.kernel;
    j["fixes"] = json::array();
    for (core::Fix f : sc.fixes) j["fixes"].push_back(core::fix_name(f));
    j["strategy"] = r.strategy;
    j["executions"] = st.executions;
    j["sleep_blocked"] = st.sleep_blocked;
    j["longest"] = st.longest;
    j["complete"] = st.complete;
    j["bound"] = st.bound.empty() ? json(nullptr) : json(st.bound);
    json rows = json::array();
    for (const OutcomeRow& row : r.outcomes) {
        json fin = json::object(), rets = json::object();
        for (const auto& [k, v] : row.outcome.final) fin[k] = v;
        for (const auto& [cpu, v] : row.outcome.returns) rets[cpu] = returns_json(v);
        rows.push_back({{"executions", row.executions},
                        {"witness", row.witness},
                        {"switches", row.switches},
                        {"steps", row.steps},
                        {"violations", row.outcome.violations},
                        {"final", fin},
                        {"returns", rets},
                        {"matches_expect", row.matches_expect}});
    }
    j["outcomes"] = rows;
    j["observation"] = {{"name", sc.name}, {"verdict", r.verdict()}, {"positive", r.positive}, {"negative", r.negative}};
    j["violation_reachable"] = r.violation_reachable();
    j["exit_code"] = r.exit_code();
    return j;
}

nlohmann::ordered_json witness_scenario(const ExploreResult& r, const OutcomeRow& row) {
    using json = nlohmann::ordered_json;
    const Scenario& sc = *r.scenario;
    std::ifstream in(sc.file);
    if (!in) throw InputError(sc.file + ": cannot open file");
    std::stringstream ss;
    ss << in.rdbuf();
    json j = json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw InputError(sc.file + ": $: expected valid JSON");
    j["kernel"] = sc.kernel;
    j["fixes"] = json::array();
    for (core::Fix f : sc.fixes) j["fixes"].push_back(core::fix_name(f));
    std::string err;
    auto picks = sim::decode_token(row.witness, err);
    json sched = json::array();
    if (picks)
        for (std::size_t i = 0; i < picks->size();) {
            std::size_t k = i;
            while (k < picks->size() && (*picks)[k] == (*picks)[i]) ++k;
            sched.push_back({{"cpu", sc.threads[static_cast<std::size_t>((*picks)[i])].cpu}, {"steps", k - i}});
            i = k;
        }
    j["schedule"] = sched;
    json expect = json::object();
    expect["violations"] = row.outcome.violations;
    json rets = json::object();
    for (const auto& [cpu, v] : row.outcome.returns) rets[cpu] = returns_json(v);
    expect["returns"] = rets;
    json fin = json::object();
    for (std::size_t i = 0; i < sc.expect.final.size() && i < row.outcome.final.size(); ++i) {
        const FinalCheck& f = sc.expect.final[i];
        const json& v = row.outcome.final[i].second;
        if (!v.is_null()) fin[f.target][f.key] = v;
    }
    if (!fin.empty()) expect["final"] = fin;
    j["expect"] = expect;
    return j;
}

std::vector<std::string> save_witnesses(const ExploreResult& r, const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!fs::is_directory(dir)) throw InputError("--save: cannot create directory " + dir);
    std::vector<std::string> written;
    for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
        const OutcomeRow& row = r.outcomes[i];
        if (row.outcome.violations.empty()) continue;
        auto j = witness_scenario(r, row);
        std::string path = (fs::path(dir) / fmt::format("{}-outcome-{}.json", r.scenario->name, i + 1)).string();
        std::ofstream out(path);
        out << j.dump(2) << "\n";
        if (!out) throw InputError("--save: cannot write " + path);
        written.push_back(path);
    }
    return written;
}

}  // namespace app
