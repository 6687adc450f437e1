#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "app/report.h"
#include "app/nearest.h"
#include "app/text_fit.h"
#include "app/timeline_facts.h"
#include "core/errno_names.h"
#include "core/lab/lab.h"

namespace app {

namespace {

constexpr std::size_t kColumn = 58;   // the natural layout's CPU column
constexpr std::size_t kMinColumn = 16;  // narrower than this, rows overflow rather than wrap to nothing
constexpr std::size_t kStepColumn = 6;  // "  42  "

// With format v2's data flow: "if (g == 0) css_put ...", "... ×3",
// "for each in $r.pids: echo each > ...", "... → g".
std::string op_summary(const Op& op) {
    const OpFlow& f = op.flow;
    if (f.empty()) return op_text(op);
    Op shown = op;
    for (const auto& [key, e] : f.ints)
        if (key == "pid") shown.name = e->source();  // attach prints it below
    for (const auto& [key, t] : f.texts) (key == "path" ? shown.path : shown.value) = t.source;
    std::string s = op_text(shown);
    if (f.ints.count("pid") && op.op == "attach") s = fmt::format("echo {} > {}/tasks", f.ints.at("pid")->source(), shown.path);
    if (f.for_each) s = fmt::format("for each in {}: {}", f.for_each->source(), s);
    if (f.repeat) s += " ×" + f.repeat->source();
    if (f.cond) s = fmt::format("if ({}) {}", f.cond->source(), s);
    if (!f.bind.empty()) s += " → " + f.bind;
    return s;
}

}  // namespace

std::string op_text(const Op& op) {
    if (core::lab::find_op(op.op) && !core::lab::find_op(op.op)->takes.empty()) {  // kernel lab
        std::string s = op.op + " " + (op.via.empty() ? op.object : "*" + op.via);
        if (op.flow.ints.count("value")) return s + " = " + op.flow.ints.at("value")->source();
        if (op.pointer_value) return s + " = " + (op.value.empty() ? "NULL" : op.value);
        if (core::lab::find_op(op.op)->value) return s + " = " + std::to_string(op.number);
        return op.atomic_gfp ? s + " GFP_ATOMIC" : s;
    }
    if (core::lab::find_op(op.op)) return op.op + "()";
    if (!op.handle.empty())  // an open control file
        return op.op == "read" ? "read " + op.handle : op.op == "write" ? fmt::format("echo {} >&{}", op.value, op.handle)
                                                                      : "close " + op.handle;
    if (op.op == "open" && !op.path.empty()) return "open " + op.path;
    if (op.op == "cpu_down" || op.op == "cpu_up") return fmt::format("{} {}", op.op, op.hot);
    if (op.op == "mem_online") return fmt::format("mem_online node {}", op.hot);
    if (op.op == "fork") return fmt::format("fork {} ({})", op.pid, op.name);
    if (op.op == "exit") return "exit";
    if (op.op == "attach") return fmt::format("echo {} > {}/tasks", op.pid, op.path);
    if (op.op == "write") return fmt::format("echo {} > {}", op.value, op.path);
    if (op.op == "mount") return "mount " + op.path;
    if (op.op == "read") return "cat " + op.path;
    if (op.op == "remount") return "mount -o remount " + op.path;
    if (op.op == "clone" || op.op == "unshare") {
        std::string f;
        for (const auto& n : op.flag_names) f += (f.empty() ? "" : "|") + n;
        std::string flags = f.empty() ? "0" : f;
        return op.op == "clone" ? fmt::format("clone({}) {} ({})", flags, op.pid, op.name) : "unshare(" + flags + ")";
    }
    if (op.op == "open" || op.op == "close") return op.op + " " + op.file;
    if (op.op == "tick") return fmt::format("tick {}", op.cputime);
    if (op.op == "register_subsys") return "register " + op.subsystem;
    if (op.op == "css_get" || op.op == "css_put") return fmt::format("{} {} {}", op.op, op.subsystem, op.path);
    if (op.op == "module_param") return fmt::format("echo {} > /sys/module/{}/parameters/{}", op.value, op.module, op.param);
    if (op.op == "setuid") return fmt::format("setresuid({}, {}, {})", op.uid, op.euid, op.suid);
    if (op.op == "capability") return fmt::format("CAP_SYS_ADMIN {}", op.cap_on ? "on" : "off");
    return op.op + " " + op.path;
}

std::string event_note(const sim::Event& e) {
    std::string cell = e.cell ? e.cell->display() : "";
    switch (e.access) {
    case sim::Access::read:
    case sim::Access::rcu_deref: return fmt::format("[{} = {}]", cell, e.before.str());
    case sim::Access::write:
    case sim::Access::rmw:
    case sim::Access::rcu_assign: return fmt::format("{} {}→{}", cell, e.before.str(), e.after.str());
    case sim::Access::alloc:
        if (e.after.kind == sim::Value::Kind::none) return "[allocation fails: NULL (fail_alloc)]";
        return fmt::format("[{} allocated]", e.after.str());
    case sim::Access::free: return fmt::format("[{} freed]", e.before.str());
    default: return "";
    }
}

namespace {

// The timeline's rows: a step column, then one column per CPU; or, when the
// width leaves columns too narrow to read (three CPUs on 80 columns), lanes:
// the step, the CPU's name, then its text across the rest of the width.
class Timeline {
public:
    Timeline(const RunResult& r, const TextStyle& st, std::size_t col, std::size_t width)
        : r_(r), st_(st), col_(col), width_(width) {
        lanes_ = width && ncpus() > 1 && col < kMinColumnsView;
        for (const ThreadResult& t : r.threads) name_ = std::max(name_, display_width(t.cpu));
    }
    bool lanes() const { return lanes_; }

    // A CPU's text in its column (or lane), wrapped inside it.
    void cell_rows(std::vector<std::string>& out, const std::string& step, int cpu, const std::string& text,
                   const char* colour = nullptr, bool one_row = false) const {
        const std::size_t room = lanes_ ? text_room() : col_;
        auto lines = one_row ? std::vector<std::string>{truncate(text, room)} : wrap(text, room);
        for (std::size_t k = 0; k < lines.size(); ++k) {
            std::string row = k == 0 ? pad(step, kStepColumn) : std::string(kStepColumn, ' ');
            std::string mine = colour && st_.colour ? std::string(colour) + lines[k] + colour::reset : lines[k];
            if (lanes_) {
                row += pad(k == 0 ? r_.cpu_name(cpu) : "", name_) + "  " + mine;
            } else {
                for (std::size_t c = 0; c < ncpus(); ++c) {
                    std::string cell = static_cast<int>(c) == cpu ? mine : "";
                    row += c + 1 < ncpus() ? pad(cell, col_) + " | " : cell;
                }
            }
            out.push_back(row);
        }
    }
    // A finding under the step that made it, in the CPU's column.
    std::string finding_row(int cpu, const std::string& text) const {
        if (lanes_) return std::string(kStepColumn + name_ + 2, ' ') + text;
        return std::string(kStepColumn, ' ') + std::string(static_cast<std::size_t>(std::max(cpu, 0)) * (col_ + 3), ' ') +
               text;
    }
    // One row across every column (folded steps of several CPUs).
    void wide_row(std::vector<std::string>& out, const std::string& text) const {
        std::size_t lead = lanes_ ? kStepColumn + name_ + 2 : kStepColumn;
        std::string body = truncate(text, (lanes_ ? width_ : total()) - lead);
        if (st_.colour) body = colour::dim + body + colour::reset;
        out.push_back(std::string(lead, ' ') + body);
    }
    // The header: CPU columns, or (lanes) a line per CPU with its ops.
    std::vector<std::string> header(const std::vector<std::string>& who, const std::vector<std::string>& ops) const {
        std::vector<std::string> out;
        if (lanes_) {
            for (std::size_t i = 0; i < ncpus(); ++i)
                out.push_back(truncate(pad(r_.threads[i].cpu, name_) + "  " + who[i] + ": " + ops[i], width_));
            out.push_back(pad("----", kStepColumn) + std::string(name_, '-') + "  " +
                          std::string(text_room(), '-'));
            return out;
        }
        std::string head = "step  ", rule = "----  ", line = "      ";
        for (std::size_t i = 0; i < ncpus(); ++i) {
            std::string sep = i + 1 < ncpus() ? " | " : "";
            head += pad(truncate(r_.threads[i].cpu + " " + who[i], col_), col_) + sep;
            line += pad(width_ ? truncate(ops[i], col_) : ops[i].substr(0, kColumn), col_) + sep;
            rule += std::string(col_, '-') + sep;
        }
        return {head, line, rule};
    }
    std::size_t ncpus() const { return r_.threads.size(); }
    std::size_t total() const { return kStepColumn + ncpus() * col_ + 3 * (ncpus() - 1); }

private:
    // Columns narrower than this read badly: the lanes layout takes over.
    static constexpr std::size_t kMinColumnsView = 36;
    std::size_t text_room() const {
        std::size_t used = kStepColumn + name_ + 2;
        return width_ > used + kMinColumn ? width_ - used : kMinColumn;
    }
    const RunResult& r_;
    const TextStyle& st_;
    std::size_t col_;
    std::size_t width_;
    bool lanes_ = false;
    std::size_t name_ = 0;
};

// "… 6 steps (path_lookup, kmalloc, …)": the functions folded, first seen first.
std::string fold_text(const std::vector<const sim::Event*>& evs, std::size_t nsteps) {
    std::vector<std::string> fns;
    for (const sim::Event* e : evs) {
        std::string f = sim::label_function(e->label);
        if (std::find(fns.begin(), fns.end(), f) == fns.end()) fns.push_back(f);
    }
    std::string list;
    for (std::size_t i = 0; i < fns.size() && i < 3; ++i) list += (i ? ", " : "") + fns[i];
    if (fns.size() > 3) list += ", …";
    return fmt::format("… {} step{} ({})", nsteps, nsteps == 1 ? "" : "s", list);
}

}  // namespace

std::string report_text(const RunResult& r, const TextStyle& st) {
    const Scenario& sc = *r.scenario;
    const sim::Machine& m = *r.machine;
    std::string out;
    const std::size_t width = st.width;
    auto line = [&](std::string s) {
        while (!s.empty() && s.back() == ' ') s.pop_back();  // padded columns leave no trailing blanks
        out += fit_line(s, width) + "\n";
    };
    auto red = [&](const std::string& s) { return st.colour ? colour::red + s + colour::reset : s; };

    line(fmt::format("contsim run: {}{}", sc.name, sc.title.empty() ? "" : " — " + sc.title));
    if (!sc.source.empty()) line("source:   " + sc.source);
    std::string fixes;
    for (core::Fix f : sc.fixes) fixes += (fixes.empty() ? "" : ", ") + std::string(core::fix_name(f));
    line(fmt::format("kernel:   {}    fixes: {}", sc.kernel, fixes.empty() ? "none" : fixes));
    line(fmt::format("schedule: {}   ({} steps; replay with --schedule {})", r.token, r.steps, r.token));
    line("");

    // The columns share the width: natural 58 each, narrower to fit, wider
    // on a wide terminal.
    std::size_t n = r.threads.size();
    std::size_t col = kColumn;
    if (width && n) {
        std::size_t room = width > kStepColumn + 3 * (n - 1) ? width - kStepColumn - 3 * (n - 1) : 0;
        col = std::max(kMinColumn, room / n);
    }
    Timeline tl(r, st, col, width);
    auto row_line = [&](const std::string& s) {  // timeline rows are fitted already
        std::string t = s;
        while (!t.empty() && t.back() == ' ') t.pop_back();
        out += t + "\n";
    };

    std::vector<std::string> who, ops;
    for (std::size_t i = 0; i < n; ++i) {
        const ThreadResult& t = r.threads[i];
        who.push_back(fmt::format("(pid {} {})", t.task, t.task_name));
        std::string summary;
        for (const Op& op : sc.threads[i].ops) summary += (summary.empty() ? "" : "; ") + op_summary(op);
        ops.push_back(summary);
    }
    for (const std::string& h : tl.header(who, ops)) row_line(h);

    std::map<std::uint32_t, std::vector<const sim::Finding*>> by_step;
    for (const auto& f : r.findings)
        if (f.step) by_step[f.step].push_back(&f);
    const TimelineFacts facts = st.focus ? timeline_facts(r) : TimelineFacts{};
    std::map<std::uint32_t, std::vector<const sim::WaitRow*>> waits_after;
    for (const auto& w : facts.waits) waits_after[w.after_step].push_back(&w);

    const sim::Trace& trace = m.trace();
    std::vector<std::string> rows;
    std::vector<const sim::Event*> folded;  // steps folded so far (--focus)
    std::set<std::uint32_t> folded_steps;
    auto flush_fold = [&]() {
        if (folded.empty()) return;
        int cpu = folded.front()->cpu;
        bool one_cpu = std::all_of(folded.begin(), folded.end(), [&](const sim::Event* e) { return e->cpu == cpu; });
        std::string text = fold_text(folded, folded_steps.size());
        if (one_cpu)
            tl.cell_rows(rows, "", cpu, text, colour::dim, true);
        else
            tl.wide_row(rows, text);
        folded.clear();
        folded_steps.clear();
    };
    // --focus: the steps shown are the facts' focus, and a lone step between
    // two shown ones when it fits one row (folding it would save nothing).
    std::set<std::uint32_t> shown = facts.focus;
    if (st.focus) {
        std::vector<std::uint32_t> steps;
        std::map<std::uint32_t, std::size_t> rows_of;
        for (const sim::Event& e : trace) {
            if (steps.empty() || steps.back() != e.step) steps.push_back(e.step);
            std::string note = event_note(e);
            rows_of[e.step] += wrap(std::string(e.label->c_line) + (note.empty() ? "" : "  " + note), col).size();
        }
        for (std::size_t k = 0; k < steps.size(); ++k) {
            bool before = k == 0 || facts.focus.count(steps[k - 1]);
            bool after = k + 1 == steps.size() || facts.focus.count(steps[k + 1]);
            if (before && after && rows_of[steps[k]] == 1) shown.insert(steps[k]);
        }
    }
    for (std::size_t i = 0; i < trace.size(); ++i) {
        const sim::Event& e = trace[i];
        const bool last_of_step = i + 1 == trace.size() || trace[i + 1].step != e.step;
        if (st.focus && !shown.count(e.step)) {
            folded.push_back(&e);
            folded_steps.insert(e.step);
            continue;
        }
        flush_fold();
        std::string text = e.label->c_line;
        std::string note = event_note(e);
        if (!note.empty()) text += "  " + note;
        const bool race = st.focus && facts.racing.count(e.step);
        if (race) text = "◆ " + text;
        tl.cell_rows(rows, fmt::format("{:>4}", e.step), e.cpu, text, race ? colour::yellow : nullptr);
        if (!last_of_step) continue;
        auto it = by_step.find(e.step);
        if (it != by_step.end())
            for (const sim::Finding* f : it->second) rows.push_back(tl.finding_row(e.cpu, red(">>> " + f->kind)));
        auto w = waits_after.find(e.step);
        if (w != waits_after.end())
            for (const sim::WaitRow* wr : w->second) tl.cell_rows(rows, "", wr->cpu, wait_text(r, *wr), colour::cyan);
    }
    flush_fold();
    for (const std::string& row : rows) row_line(row);
    line("");

    if (r.infeasible) {
        const sim::ScriptBlock& b = *r.infeasible;
        line(fmt::format("Cannot happen: {}", r.infeasible_message.substr(r.infeasible_message.find("$."))));
        line("  " + describe_block(r));
        std::string fixes_on;
        for (core::Fix f : sc.fixes) fixes_on += (fixes_on.empty() ? "" : ", ") + std::string(core::fix_name(f));
        const std::string holder =
            b.holder >= 0 ? r.threads[static_cast<std::size_t>(b.holder)].cpu : std::string("no CPU");
        if (b.gp_waits_for)
            line(fmt::format("  This interleaving cannot happen on {} with fixes: {} ({}): {} cannot run {} before {} "
                             "passes a quiescent state.",
                             sc.kernel, fixes_on.empty() ? "none" : fixes_on,
                             sc.config.count("PREEMPT") && sc.config.at("PREEMPT") ? "CONFIG_PREEMPT"
                                                                                   : "no CONFIG_PREEMPT",
                             r.threads[static_cast<std::size_t>(b.cpu)].cpu, b.at ? b.at->c_line : "?", holder));
        else
            line(fmt::format("  This interleaving cannot happen on {} with fixes: {}: {} cannot run {} while {} holds {}.",
                             sc.kernel, fixes_on.empty() ? "none" : fixes_on,
                             r.threads[static_cast<std::size_t>(b.cpu)].cpu, b.at ? b.at->c_line : "?", holder,
                             b.lock ? b.lock->display() : std::string("it")));
        line("  (contsim run FILE --nearest finds the nearest order that can happen.)");
        for (const auto& f : r.findings) line("  " + f.message);
        line("");
        line(r.matches ? "Expect: matches (exit 0): the drawn order is infeasible, as expected"
                       : "Expect: MISMATCH (exit 1)");
        for (const auto& mm : r.mismatches) line("  " + mm);
        return out;
    }

    line(r.findings.empty() ? "Findings: none" : fmt::format("Findings ({}):", r.findings.size()));
    for (const auto& f : r.findings) {
        line("  " + red(f.message));
        for (const auto& d : f.details) line(d.empty() ? "" : "    " + d);
    }
    if (r.aborted) line("  (the run was stopped early: end-of-run invariants were not checked)");
    line("");

    bool any_reads = std::any_of(r.threads.begin(), r.threads.end(), [](const ThreadResult& t) { return !t.reads.empty(); });
    if (any_reads) {
        line("Reads:");
        for (const auto& t : r.threads)
            for (std::size_t k = 0; k < t.reads.size(); ++k) {
                line(fmt::format("  {} read {}:", t.cpu, k + 1));
                std::string text = t.reads[k];
                if (text.empty()) line("    (empty)");
                std::size_t pos = 0;
                while (pos < text.size()) {
                    std::size_t nl = text.find('\n', pos);
                    if (nl == std::string::npos) nl = text.size();
                    line("    " + text.substr(pos, nl - pos));
                    pos = nl + 1;
                }
            }
        line("");
    }
    if (!r.kernel->kernel_log().empty()) {
        line("Kernel log:");
        for (const auto& l : r.kernel->kernel_log()) line("  " + l);
        line("");
    }

    line("Final state:");
    const std::vector<std::string> own = r.kernel ? r.kernel->final_state_lines() : std::vector<std::string>{};
    for (const auto& l : own) line(l);
    if (own.empty()) line(fmt::format("  {:<32} {:>6}  {}", "container", "count", "live tasks (pids)"));
    for (const auto& nd : own.empty() ? r.nodes : std::vector<core::NodeState>{}) {
        std::string tasks;
        for (int p : nd.tasks) tasks += (tasks.empty() ? "" : " ") + std::to_string(p);
        line(fmt::format("  {:<32} {:>6}  {}", nd.path, nd.count, tasks.empty() ? "-" : tasks));
        std::string vals;
        for (const auto& [key, v] : nd.values) vals += fmt::format("{}{}={}", vals.empty() ? "" : " ", key, v);
        for (const auto& [key, v] : nd.texts) vals += fmt::format("{}{}={}", vals.empty() ? "" : " ", key, v);
        if (!vals.empty()) line("    " + vals);
    }
    if (!r.groups.empty() && own.empty()) {
        line(fmt::format("  {:<32} {:>6}  {}", "container_group", "kref", "live tasks (pids)"));
        for (const auto& g : r.groups) {
            std::string tasks;
            for (int p : g.tasks) tasks += (tasks.empty() ? "" : " ") + std::to_string(p);
            line(fmt::format("  {:<32} {:>6}  {}{}", g.name, g.refcount, tasks.empty() ? "-" : tasks,
                             g.freed ? "  (freed)" : ""));
        }
    }
    for (const auto& t : r.tasks) {
        std::string vals;
        for (const auto& [key, v] : t.texts) vals += fmt::format(" {}={}", key, v);
        line(fmt::format("  /proc/{}:{}", t.pid, vals));
    }
    std::string rets;
    for (const auto& t : r.threads) {
        std::string v;
        for (int x : t.returns) v += (v.empty() ? "" : ", ") + core::result_name(x);
        rets += fmt::format("{}{}: [{}]", rets.empty() ? "" : "   ", t.cpu, v);
    }
    line("Returns:  " + rets);
    line("");
    if (sc.expect.present)
        line(r.matches ? "Expect: matches (exit 0)" : "Expect: MISMATCH (exit 1)");
    else
        line(r.matches ? "No expect: clean run (exit 0)" : "No expect: findings (exit 1)");
    for (const auto& mm : r.mismatches) line("  " + mm);
    return out;
}

}  // namespace app
