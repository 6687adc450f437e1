#include "app/play.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "app/report.h"
#include "app/timeline_facts.h"
#include "core/errno_names.h"
#include "sim/schedule_token.h"

namespace app {

namespace {

using nlohmann::json;

// A function's source as the kernel's labels carry it: its yield points'
// C lines in table order (the lines a step can stop at).
json function_source(const core::Kernel& k, const sim::Label* at) {
    std::string fn = sim::label_function(at);
    json lines = json::array();
    int current = -1;
    for (const sim::Label* l : k.labels())
        if (sim::label_function(l) == fn) {
            if (l == at) current = static_cast<int>(lines.size());
            lines.push_back(l->c_line);
        }
    return {{"function", fn}, {"lines", lines}, {"current", current}};
}

std::size_t switches(const std::string& token) {
    std::string err;
    auto picks = sim::decode_token(token, err);
    if (!picks || picks->empty()) return 0;
    return sim::runs_of(*picks).size() - 1;
}

}  // namespace

json play_level(const Scenario& sc) {
    json cpus = json::array();
    for (const ThreadSpec& t : sc.threads) {
        json ops = json::array();
        for (const Op& op : t.ops) ops.push_back(op_text(op));
        cpus.push_back({{"cpu", t.cpu}, {"task", t.task}, {"ops", ops}});
    }
    std::string fixes;
    for (core::Fix f : sc.fixes) fixes += (fixes.empty() ? "" : ", ") + std::string(core::fix_name(f));
    json j = {{"name", sc.name}, {"title", sc.title}, {"kernel", sc.kernel}, {"fixes", fixes},
              {"source", sc.source}, {"cpus", cpus}, {"file", sc.file}};
    if (sc.play) {
        j["goal"] = sc.play->goal;
        j["hints"] = sc.play->hints;
        j["par"] = sc.play->par;
    } else {
        j["goal"] = nullptr;
    }
    return j;
}

bool goal_met(const Scenario& sc, const RunResult& r) {
    if (!sc.play) return false;
    const PlayLevel& l = *sc.play;
    if (l.goal_violation && std::none_of(r.findings.begin(), r.findings.end(), [&](const sim::Finding& f) {
            return f.kind == *l.goal_violation && f.message.find(l.goal_names) != std::string::npos;
        }))
        return false;
    for (const auto& goal : l.goal_returns) {
        // Not a structured binding: C++17 lambdas cannot capture one (clang refuses).
        const std::string& cpu = goal.first;
        const std::vector<int>& want = goal.second;
        auto t = std::find_if(r.threads.begin(), r.threads.end(), [&](const ThreadResult& x) { return x.cpu == cpu; });
        if (t == r.threads.end() || t->returns.size() < want.size()) return false;
        if (!std::equal(want.begin(), want.end(), t->returns.begin())) return false;
    }
    return true;
}

RunResult replay_prefix(const Scenario& sc, const std::string& token) {
    std::string err;
    auto picks = sim::decode_token(token, err);
    if (!picks) throw InputError("schedule: " + err);
    RunOptions opt;
    opt.token = token;
    opt.stop_after = static_cast<std::uint32_t>(picks->size());
    return run_scenario(sc, opt);
}

json play_state(const Scenario& sc, const std::string& token) {
    RunResult r = replay_prefix(sc, token);
    const bool done = r.front.empty();
    const TimelineFacts facts = timeline_facts(r);

    json cpus = json::array();
    for (std::size_t i = 0; i < r.threads.size(); ++i) {
        const ThreadResult& t = r.threads[i];
        json c = {{"cpu", t.cpu}, {"task", t.task}, {"name", t.task_name}, {"returns", returns_json(t.returns)},
                  {"op", static_cast<int>(t.returns.size())}};
        const CpuFront* f = done ? nullptr : &r.front[i];
        c["finished"] = !f || f->finished;
        c["can_step"] = f && !f->finished && f->runnable;
        c["next"] = nullptr;
        if (f && f->next) {
            c["next"] = {{"label", f->next->name}, {"c_line", f->next->c_line}};
            c["source"] = function_source(*r.kernel, f->next);
        }
        c["blocked"] = f && f->blocked ? json(r.cpu_name(f->blocked->cpu) + " " + wait_text(r, *f->blocked)) : json(nullptr);
        json held = json::array();
        if (f)
            for (const sim::HeldLock& h : f->held)
                held.push_back({{"lock", h.lock->display()}, {"since", h.step}, {"label", h.label ? h.label->name : ""}});
        c["holds"] = held;
        cpus.push_back(c);
    }

    // Every step so far, with its note; the counts' histories; freed objects.
    json trace = json::array();
    std::map<std::string, json> counts;
    std::vector<std::string> count_order;
    std::set<std::string> freed_seen;
    json freed = json::array();
    for (const sim::Event& e : r.machine->trace()) {
        trace.push_back({{"step", e.step},
                         {"cpu", e.cpu},
                         {"label", e.label->name},
                         {"function", sim::label_function(e.label)},
                         {"c_line", e.label->c_line},
                         {"note", event_note(e)},
                         {"race", facts.racing.count(e.step) > 0}});
        if (e.access == sim::Access::free && e.before.kind == sim::Value::Kind::object && e.before.o) {
            std::string n = e.before.o->name();
            if (freed_seen.insert(n).second) freed.push_back({{"object", n}, {"step", e.step}});
        }
        if (!e.cell || e.access != sim::Access::rmw || e.after.kind != sim::Value::Kind::integer) continue;
        std::string cell = e.cell->display();
        auto [it, fresh] = counts.try_emplace(cell, json::array());
        if (fresh) {
            count_order.push_back(cell);
            it->second.push_back({{"step", e.step - 1}, {"value", e.before.i}});
        }
        it->second.push_back({{"step", e.step}, {"value", e.after.i}});
    }
    json count_list = json::array();
    for (const auto& name : count_order) count_list.push_back({{"cell", name}, {"history", counts[name]}});

    json findings = json::array();
    for (const sim::Finding& f : r.findings)
        findings.push_back({{"kind", f.kind}, {"message", f.message}, {"step", f.step}, {"related", f.related_steps}});
    json waits = json::array();
    for (const sim::WaitRow& w : facts.waits)
        waits.push_back({{"cpu", r.cpu_name(w.cpu)}, {"after", w.after_step}, {"until", w.until}, {"text", wait_text(r, w)}});

    json j = {{"token", r.token}, {"step", r.steps},           {"done", done},
              {"cpus", cpus},     {"trace", trace},            {"counts", count_list},
              {"freed", freed},   {"findings", findings},      {"waits", waits},
              {"switches", switches(r.token)}};
    j["goal_met"] = goal_met(sc, r);
    if (done) {
        json fin = json::array();
        for (const auto& l : r.kernel->final_state_lines()) fin.push_back(l);
        for (const auto& nd : r.nodes) fin.push_back(fmt::format("{} count {}", nd.path, nd.count));
        j["final"] = fin;
    }
    return j;
}

bool check_levels(const std::vector<std::string>& files, std::vector<std::string>& report) {
    bool ok = true;
    for (const std::string& file : files) {
        Scenario sc = load_scenario(file);
        if (!sc.play) {
            report.push_back(file + ": no \"play\" block (not a level)");
            ok = false;
            continue;
        }
        RunResult r = replay_prefix(sc, sc.play->solution);
        std::size_t sw = switches(sc.play->solution);
        bool won = goal_met(sc, r);
        bool par = sw <= sc.play->par;
        report.push_back(fmt::format("{}: solution {} {} in {} switch{} (par {}){}", file, sc.play->solution,
                                     won ? "wins" : "does NOT win", sw, sw == 1 ? "" : "es", sc.play->par,
                                     par ? "" : ": over par"));
        ok = ok && won && par;
    }
    return ok;
}

}  // namespace app
