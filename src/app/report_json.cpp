#include "app/report.h"
#include "core/errno_names.h"

namespace app {

nlohmann::json returns_json(const std::vector<int>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (int x : v) {
        const std::string name = core::result_name(x);  // "-EBUSY"; digits when the errno has no name
        a.push_back(name.size() > 1 && name[1] == 'E' ? nlohmann::json(name) : nlohmann::json(x));
    }
    return a;
}

nlohmann::json report_json(const RunResult& r) {
    using nlohmann::json;
    const Scenario& sc = *r.scenario;
    json j;
    j["format"] = "contsim-run/2";  // 2: returns as in scenarios (0, or an error name)
    j["scenario"] = sc.name;
    j["file"] = sc.file;
    j["kernel"] = sc.kernel;
    j["fixes"] = json::array();
    for (core::Fix f : sc.fixes) j["fixes"].push_back(core::fix_name(f));
    j["schedule_token"] = r.token;
    j["steps"] = r.steps;
    j["aborted"] = r.aborted;
    json cpus = json::array();
    for (const auto& t : r.threads) {
        json th = {{"cpu", t.cpu}, {"task", t.task}, {"name", t.task_name}, {"returns", returns_json(t.returns)}};
        if (!t.reads.empty()) th["reads"] = t.reads;
        cpus.push_back(th);
    }
    j["threads"] = cpus;
    json trace = json::array();
    for (const sim::Event& e : r.machine->trace()) {
        json ev = {{"step", e.step},
                   {"cpu", r.threads[static_cast<std::size_t>(e.cpu)].cpu},
                   {"label", e.label->name},
                   {"c_line", e.label->c_line},
                   {"object", e.cell ? e.cell->display() : ""},
                   {"access", sim::access_name(e.access)}};
        if (e.before.kind != sim::Value::Kind::none) ev["before"] = e.before.str();
        if (e.after.kind != sim::Value::Kind::none) ev["after"] = e.after.str();
        trace.push_back(ev);
    }
    j["trace"] = trace;
    json findings = json::array();
    for (const auto& f : r.findings)
        findings.push_back({{"kind", f.kind},
                            {"message", f.message},
                            {"step", f.step},
                            {"cpu", f.cpu >= 0 && static_cast<std::size_t>(f.cpu) < r.threads.size()
                                        ? json(r.threads[static_cast<std::size_t>(f.cpu)].cpu)
                                        : json(nullptr)},
                            {"related_steps", f.related_steps},
                            {"details", f.details}});
    j["findings"] = findings;
    j["violations"] = r.violation_set();
    json nodes = json::array();
    const bool lab = std::string(r.kernel->name()) == "lab";
    if (lab) {
        // The lab's declared objects (their values) and its heap instances.
        json objects = json::array(), instances = json::array();
        for (const auto& n : r.nodes) objects.push_back({{"name", n.path}, {"values", n.values}});
        for (const auto& g : r.groups) instances.push_back({{"name", g.name}, {"refcount", g.refcount}, {"freed", g.freed}});
        j["final"] = {{"containers", json::array()}, {"groups", json::array()}, {"objects", objects}, {"instances", instances}};
    }
    for (const auto& n : lab ? std::vector<core::NodeState>{} : r.nodes) {
        json nd = {{"path", n.path}, {"count", n.count}, {"tasks", n.tasks}};
        if (!n.values.empty()) nd["values"] = n.values;
        if (!n.texts.empty()) nd["texts"] = n.texts;
        nodes.push_back(nd);
    }
    json groups = json::array();
    for (const auto& g : r.groups)
        groups.push_back({{"name", g.name}, {"refcount", g.refcount}, {"tasks", g.tasks}, {"freed", g.freed}});
    if (!lab) j["final"] = {{"containers", nodes}, {"groups", groups}};
    if (!r.tasks.empty()) {
        json tasks = json::array();
        for (const auto& t : r.tasks) tasks.push_back({{"pid", t.pid}, {"texts", t.texts}});
        j["final"]["tasks"] = tasks;
    }
    if (!r.kernel->kernel_log().empty()) j["kernel_log"] = r.kernel->kernel_log();
    if (r.infeasible) {
        const sim::ScriptBlock& b = *r.infeasible;
        auto cpu = [&](int c) {
            return c >= 0 && static_cast<std::size_t>(c) < r.threads.size() ? json(r.threads[static_cast<std::size_t>(c)].cpu)
                                                                             : json(nullptr);
        };
        json gp = json::array();
        for (sim::CpuMask g = b.gp_waits_for; g; g &= g - 1) gp.push_back(cpu(__builtin_ctz(g)));
        j["infeasible"] = {{"message", r.infeasible_message},
                           {"schedule_step", b.script_idx},
                           {"cpu", cpu(b.cpu)},
                           {"after_step", b.after_step},
                           {"parked_at", b.at ? b.at->name : ""},
                           {"waits_for", b.lock ? json(b.lock->display()) : json(nullptr)},
                           {"grace_period_waits_for", gp},
                           {"holder", cpu(b.holder)},
                           {"held_since", b.holder >= 0 && !b.gp_waits_for ? json(b.since) : json(nullptr)},
                           {"taken_at", b.holder_label ? json(b.holder_label->name) : json(nullptr)}};
    } else {
        j["infeasible"] = nullptr;
    }
    j["expect"] = {{"present", sc.expect.present}, {"matches", r.matches}, {"mismatches", r.mismatches}};
    j["exit_code"] = r.exit_code();
    return j;
}

}  // namespace app
