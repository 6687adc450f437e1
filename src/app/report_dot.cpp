// The objects after step `at` of a run stopped there, as a Graphviz digraph
// (`contsim run FILE --format dot [--at STEP]`).
//
// Nodes: the tasks (by pid, from the kernel's state and the trace), the
// kernel's directories (NodeState) and groups (GroupState), and every named
// object the trace touches up to `at` (as the owner of a cell or as a
// pointer value). Each node lists the kernel's values for it and the latest
// integer value of each of its cells the trace shows (a write's or rmw's
// `after`, a read's `before`). Edges: every cell whose latest value is an
// object pointer (owner -> target, labelled with the field), and the
// kernel's membership (a task in a directory or group) where no pointer
// already links the two. A lock's object also says which CPU holds the
// lock after step `at` and which waits for it. Freed objects are
// dashed; the objects a finding up to `at` names are red.
//
// Deterministic: nodes come out in a fixed order (tasks by pid, directories
// and groups in the kernel's order, then the other objects in the order the
// trace first touches them), cells in creation order; no addresses.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "app/report.h"
#include "core/kernel.h"
#include "core/task.h"
#include "core/v7/container.h"
#include "sim/machine.h"

namespace app {

namespace {

using sim::Access;
using sim::Object;
using sim::Value;

enum class Kind { task, directory, group, object };

struct Node {
    Kind kind = Kind::object;
    std::string name;                // as the trace prints the object ("CS1", "T1", "cg(CS1)")
    std::string id;                  // unique in the graph
    const Object* obj = nullptr;     // nullptr: known only from the kernel's state
    std::vector<std::string> lines;  // the kernel's state for it, then the cells' values
    std::vector<std::string> names;  // what a finding may call it (its name, its path)
    bool freed = false;
    bool named = false;  // by a finding
};

// A cell's latest value in the trace up to `at`.
struct Latest {
    const sim::Cell* cell;
    Value value;
    std::size_t first;  // index of the event that first touched the cell (tie-break)
};

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out + "\"";
}

// A multi-line node label, each line left-justified (DOT's "\l").
std::string label_of(const std::vector<std::string>& lines) {
    std::string body;
    for (const std::string& l : lines) {
        for (char c : l) {
            if (c == '"' || c == '\\') body += '\\';
            body += c;
        }
        body += "\\l";
    }
    return "\"" + body + "\"";
}

bool ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Does `msg` name `name`: followed by "->", or as a whole word (not inside a
// longer identifier, and not inside another object's name such as
// "cg(CS1)" or "mm(T1)", which name that object, not CS1 or T1)?
bool names(const std::string& msg, const std::string& name) {
    if (name.empty()) return false;
    for (std::size_t pos = msg.find(name); pos != std::string::npos; pos = msg.find(name, pos + 1)) {
        std::size_t end = pos + name.size();
        if (msg.compare(end, 2, "->") == 0) return true;
        char before = pos == 0 ? ' ' : msg[pos - 1];
        char after = end >= msg.size() ? ' ' : msg[end];
        bool left = !ident_char(before) && before != '(' && before != '/' && before != '-' && before != '>' &&
                    before != '.';
        // A path names its last component's object: "/dev/container/CS1"
        // (a path: a word that starts with '/'; not "cg(X/node2)").
        if (before == '/' && name.find('/') == std::string::npos) {
            std::size_t w = msg.find_last_of(" \t\n", pos);
            left = msg[w == std::string::npos ? 0 : w + 1] == '/';
        }
        bool right = !ident_char(after) && after != '(' && after != '/' && after != '[' &&
                     !(after == '.' && end + 1 < msg.size() && ident_char(msg[end + 1]));
        if (left && right) return true;
    }
    return false;
}

// The object a pointer is drawn to: a container_subsys_state is embedded in
// its subsystem's structure (struct cpuset), which owns its cells and has
// its name: the css is that structure.
const Object* canonical(const Object* o) {
    if (o && std::strcmp(o->type, "container_subsys_state") == 0)
        if (const Object* e = static_cast<const core::v7::container_subsys_state*>(o)->object) return e;
    return o;
}

std::string basename(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

class Graph {
public:
    Graph(const RunResult& r, std::uint32_t at) : r_(r), at_(at) {}

    std::string build() {
        read_trace();
        collect_universe();
        add_tasks();
        add_directories();
        add_groups();
        add_trace_objects();
        add_cells();
        add_membership();
        mark_freed();
        mark_named();
        return write();
    }

private:
    const RunResult& r_;
    std::uint32_t at_;

    std::vector<Node> nodes_;
    std::map<const Object*, std::size_t> by_obj_;
    std::vector<const Object*> seen_;  // objects the trace touches, in first-touch order
    std::set<const Object*> seen_set_;
    std::set<const Object*> freed_in_trace_;
    std::vector<Latest> latest_;
    struct Lock {
        const sim::Cell* cell;
        std::map<int, std::pair<int, std::uint32_t>> by_cpu;  // CPU -> (depth, step it was taken)
    };
    std::vector<Lock> locks_;  // in first-touch order
    std::map<const sim::Cell*, std::size_t> lock_at_;
    std::map<const sim::Cell*, std::size_t> latest_at_;
    std::vector<const Object*> universe_;  // every object we know of, ordered (serial, type, name)
    std::set<const Object*> used_;         // objects a directory or group already took
    // Edges: (from, to, label, membership?).
    struct Edge {
        std::size_t from, to;
        std::string label;
        bool member;
    };
    std::vector<Edge> edges_;
    std::vector<std::pair<std::size_t, std::size_t>> members_;  // task node -> directory/group node

    static bool named_object(const Object* o) { return o && o != &sim::global_object() && *o->name(); }

    void see(const Object* o) {
        o = canonical(o);
        if (!named_object(o)) return;
        if (seen_set_.insert(o).second) seen_.push_back(o);
    }

    void read_trace() {
        if (!r_.machine) return;
        const sim::Trace& tr = r_.machine->trace();
        for (std::size_t i = 0; i < tr.size(); ++i) {
            const sim::Event& e = tr[i];
            if (e.step > at_ || !e.cell) continue;
            const Object* owner = e.cell->owner;
            see(owner);
            if (e.access == Access::acquire || e.access == Access::acquire_shared ||
                e.access == Access::release || e.access == Access::release_shared) {
                auto it = lock_at_.find(e.cell);
                if (it == lock_at_.end()) {
                    it = lock_at_.emplace(e.cell, locks_.size()).first;
                    locks_.push_back({e.cell, {}});
                }
                auto& hold = locks_[it->second].by_cpu[e.cpu];  // (depth, since step)
                const bool take = e.access == Access::acquire || e.access == Access::acquire_shared;
                if (take && hold.first++ == 0) hold.second = e.step;
                if (!take && hold.first > 0) --hold.first;
                continue;
            }
            if (e.access == Access::alloc || e.access == Access::free) {
                // kmalloc/kfree: the object as a whole (its values are itself).
                if (e.access == Access::free) {
                    const Object* o = e.before.kind == Value::Kind::object && e.before.o ? e.before.o : owner;
                    if (o) freed_in_trace_.insert(canonical(o));
                    see(o);
                }
                continue;
            }
            std::optional<Value> v;
            if (e.access == Access::write || e.access == Access::rmw || e.access == Access::rcu_assign) {
                if (e.after.kind != Value::Kind::none) v = e.after;
            } else if (e.before.kind != Value::Kind::none) {
                v = e.before;
            }
            if (!v) continue;
            if (v->kind == Value::Kind::object) {
                v->o = canonical(v->o);
                see(v->o);
            }
            auto it = latest_at_.find(e.cell);
            if (it == latest_at_.end()) {
                latest_at_[e.cell] = latest_.size();
                latest_.push_back({e.cell, *v, i});
            } else {
                latest_[it->second].value = *v;
            }
        }
    }

    // The latest integer the trace shows for `o`'s cell `field`.
    std::optional<std::int64_t> latest_int(const Object* o, const std::string& field) const {
        for (const Latest& l : latest_)
            if (l.cell->owner == o && field == l.cell->field && l.value.kind == Value::Kind::integer) return l.value.i;
        return std::nullopt;
    }

    // Does a cell of `o` point at the state of a subsystem the directory's
    // hierarchy has ("subsys[1]" -> "cpuacct(A)" for a directory with a
    // "refcnt.cpuacct" value)? Tells apart two directories of one name on two
    // hierarchies.
    bool points_at_own_subsystem(const Object* o, const core::NodeState& ns) const {
        for (const Latest& l : latest_) {
            if (l.cell->owner != o || l.value.kind != Value::Kind::object || !l.value.o) continue;
            for (const auto& kv : ns.values)
                if (starts_with(kv.first, "refcnt.") && starts_with(l.value.o->name(), kv.first.substr(7) + "("))
                    return true;
        }
        return false;
    }

    bool freed_by(const Object* o) const {
        if (!o) return false;
        if (freed_in_trace_.count(o)) return true;
        if (!o->freed) return false;
        // Freed in set-up (an earlier run of the machine), or by step `at`.
        return !r_.machine || o->freed_run != r_.machine->run_serial() || o->freed_step <= at_;
    }

    void collect_universe() {
        std::set<const Object*> all(seen_set_.begin(), seen_set_.end());
        if (r_.machine)
            for (const Object* o : r_.machine->arena().objects()) all.insert(o);
        if (r_.kernel) {
            std::set<const Object*> reach;
            r_.kernel->reachable(reach);
            all.insert(reach.begin(), reach.end());
            for (const core::task_struct* t : r_.kernel->all_tasks()) all.insert(t);
        }
        for (const Object* o : all)
            if (named_object(o) && canonical(o) == o) universe_.push_back(o);
        std::sort(universe_.begin(), universe_.end(), [](const Object* a, const Object* b) {
            return std::make_tuple(a->serial, std::string(a->type), std::string(a->name())) <
                   std::make_tuple(b->serial, std::string(b->type), std::string(b->name()));
        });
    }

    std::size_t add_node(Kind k, const std::string& name, const Object* o) {
        if (o) {
            auto it = by_obj_.find(o);
            if (it != by_obj_.end()) return it->second;
        }
        Node n;
        n.kind = k;
        n.name = name;
        n.obj = o;
        n.names.push_back(name);
        nodes_.push_back(n);
        if (o) by_obj_[o] = nodes_.size() - 1;
        return nodes_.size() - 1;
    }

    static void add_line(Node& n, const std::string& line) {
        if (std::find(n.lines.begin(), n.lines.end(), line) == n.lines.end()) n.lines.push_back(line);
    }

    // --- tasks ---------------------------------------------------------------

    const core::task_struct* task_object(int pid) const {
        if (!r_.kernel) return nullptr;
        if (const core::task_struct* t = r_.kernel->task_by_pid(pid)) return t;
        const core::task_struct* best = nullptr;
        for (const core::task_struct* t : r_.kernel->all_tasks())
            if (t->pid == pid && (!best || (best->freed && !t->freed))) best = t;
        return best;
    }

    std::map<int, std::size_t> task_node_;  // pid -> node (the live task of that pid)

    void add_tasks() {
        std::set<int> pids;
        for (const auto& n : r_.nodes) pids.insert(n.tasks.begin(), n.tasks.end());
        for (const auto& g : r_.groups) pids.insert(g.tasks.begin(), g.tasks.end());
        for (const auto& t : r_.tasks) pids.insert(t.pid);
        for (const auto& t : r_.threads) pids.insert(t.task);
        // Task objects the trace touches (a task that has exited, or one whose pid came back).
        std::vector<const core::task_struct*> objs;
        if (r_.kernel)
            for (const core::task_struct* t : r_.kernel->all_tasks())
                if (seen_set_.count(t) || pids.count(t->pid)) objs.push_back(t);
        std::stable_sort(objs.begin(), objs.end(), [](const core::task_struct* a, const core::task_struct* b) {
            return std::make_tuple(a->pid, a->serial) < std::make_tuple(b->pid, b->serial);
        });
        for (const core::task_struct* t : objs) {
            std::size_t i = add_node(Kind::task, t->name(), t);
            Node& n = nodes_[i];
            if (n.lines.empty()) {
                n.lines.push_back(t->name());
                n.lines.push_back(fmt::format("pid {}", t->pid));
            }
            n.names.push_back(t->comm);
            if (t == task_object(t->pid) || !task_node_.count(t->pid)) task_node_[t->pid] = i;
        }
        // Pids without a task object (no kernel at hand): "T<pid>".
        for (int pid : pids) {
            if (task_node_.count(pid)) continue;
            std::size_t i = add_node(Kind::task, fmt::format("T{}", pid), nullptr);
            nodes_[i].lines = {nodes_[i].name, fmt::format("pid {}", pid)};
            task_node_[pid] = i;
        }
        for (const auto& ts : r_.tasks) {
            Node& n = nodes_[task_node_[ts.pid]];
            for (const auto& [k, v] : ts.texts) add_line(n, fmt::format("{}: {}", k, v));
        }
    }

    // --- directories (NodeState) --------------------------------------------

    // The object of a directory: a top's as the trace names it
    // ("top_container", "top_cpuset", "top_container2"), any other's by
    // its last path component; among several, the one of the directories'
    // type, whose count the trace agrees with, live, created first.
    const Object* directory_object(const core::NodeState& ns, bool top, const std::string& dir_type) const {
        const std::string base = basename(ns.path);
        const bool pathlike = ns.path.find('/') != std::string::npos;
        auto fits = [&](const Object* o) {
            if (used_.count(o)) return false;
            if (auto it = by_obj_.find(o); it != by_obj_.end() && nodes_[it->second].kind == Kind::task) return false;
            if (top && pathlike) return starts_with(o->name(), std::string("top_") + o->type);
            return base == o->name();
        };
        const Object* best = nullptr;
        int best_score = -1;
        for (const Object* o : universe_) {
            if (!fits(o)) continue;
            int score = 0;
            if (!dir_type.empty() && dir_type == o->type) score += 4;
            if (auto c = latest_int(o, "count"); c && *c == ns.count) score += 2;
            if (points_at_own_subsystem(o, ns)) score += 2;
            if (!o->freed) score += 1;
            if (score > best_score) best = o, best_score = score;
        }
        return best;
    }

    void add_directories() {
        // The directories' type: that of the non-top directories found by name.
        std::map<std::string, int> types;
        auto is_top = [&](const core::NodeState& ns) {
            for (const auto& p : r_.nodes)
                if (&p != &ns && starts_with(ns.path, p.path + "/")) return false;
            return true;
        };
        for (const auto& ns : r_.nodes) {
            if (is_top(ns)) continue;
            for (const Object* o : universe_)
                if (basename(ns.path) == o->name()) ++types[o->type];
        }
        std::string dir_type;
        int most = 0;
        for (const auto& [t, n] : types)
            if (n > most) dir_type = t, most = n;

        for (const auto& ns : r_.nodes) {
            const bool top = is_top(ns);
            const Object* o = directory_object(ns, top, dir_type);
            if (o) used_.insert(o);
            std::string name = o ? std::string(o->name()) : ns.path.find('/') == std::string::npos ? ns.path
                                                          : top                                    ? ns.path
                                                                                                   : basename(ns.path);
            std::size_t i = add_node(Kind::directory, name, o);
            Node& n = nodes_[i];
            if (n.kind == Kind::object) n.kind = Kind::directory;
            if (n.lines.empty()) n.lines.push_back(name);
            if (ns.path != name) add_line(n, ns.path);
            n.names.push_back(ns.path);
            // A lab's named value carries its count under its own name.
            bool own = false;
            for (const char* k : {"value", "refcount"})
                if (auto it = ns.values.find(k); it != ns.values.end() && it->second == ns.count) own = true;
            if (!own) add_line(n, fmt::format("count = {}", ns.count));
            for (const auto& [k, v] : ns.values) add_line(n, fmt::format("{} = {}", k, v));
            for (const auto& [k, v] : ns.texts) add_line(n, fmt::format("{}: {}", k, v));
            for (int pid : ns.tasks)
                if (auto t = task_node_.find(pid); t != task_node_.end()) members_.push_back({t->second, i});
        }
    }

    // --- groups (GroupState) ------------------------------------------------

    void add_groups() {
        for (const auto& gs : r_.groups) {
            const Object* o = nullptr;
            for (const Object* c : universe_)
                if (gs.name == c->name() && !used_.count(c) && (!o || (c->freed == gs.freed && o->freed != gs.freed)))
                    o = c;
            if (o) used_.insert(o);
            std::size_t i = add_node(Kind::group, gs.name, o);
            Node& n = nodes_[i];
            if (n.kind == Kind::object) n.kind = Kind::group;
            if (n.lines.empty()) n.lines.push_back(gs.name);
            add_line(n, fmt::format("kref = {}", gs.refcount));
            if (gs.freed) {
                add_line(n, "freed");
                n.freed = true;
            }
            for (int pid : gs.tasks)
                if (auto t = task_node_.find(pid); t != task_node_.end()) members_.push_back({t->second, i});
        }
    }

    // --- everything else the trace touches -----------------------------------

    void add_trace_objects() {
        for (const Object* o : seen_) {
            std::size_t i = add_node(Kind::object, o->name(), o);
            if (nodes_[i].lines.empty()) nodes_[i].lines.push_back(o->name());
        }
    }

    void add_cells() {
        std::vector<const Latest*> cells;
        for (const Latest& l : latest_) cells.push_back(&l);
        std::sort(cells.begin(), cells.end(), [](const Latest* a, const Latest* b) {
            return std::make_tuple(a->cell->id, std::string(a->cell->field), a->first) <
                   std::make_tuple(b->cell->id, std::string(b->cell->field), b->first);
        });
        // Integer lines first per node (in cell order), edges in the nodes' order.
        std::vector<std::vector<Edge>> out(nodes_.size());
        for (const Latest* l : cells) {
            auto own = by_obj_.find(l->cell->owner);
            if (own == by_obj_.end()) continue;  // a kernel global: no object to hang it on
            Node& n = nodes_[own->second];
            const std::string field = *l->cell->field ? l->cell->field : "value";
            const Value& v = l->value;
            if (v.kind == Value::Kind::integer) {
                // The kernel's own count of a directory or group is already there.
                if (n.kind == Kind::directory && field == "count" && has_line(n, fmt::format("count = {}", v.i)))
                    continue;
                if (n.kind == Kind::group && (field == "ref" || field == "kref") &&
                    has_line(n, fmt::format("kref = {}", v.i)))
                    continue;
                add_line(n, fmt::format("{} = {}", field, v.i));
            } else if (v.kind == Value::Kind::object) {
                auto to = v.o ? by_obj_.find(v.o) : by_obj_.end();
                if (to == by_obj_.end()) {
                    add_line(n, fmt::format("{} = {}", field, v.str()));
                    continue;
                }
                out[own->second].push_back({own->second, to->second, field, false});
            }
        }
        for (auto& es : out)
            for (auto& e : es) edges_.push_back(e);
        add_locks();
    }

    // Locks: on a lock's object, the CPUs holding it after step `at` (from
    // the trace's acquires and releases) and those waiting for it then.
    void add_locks() {
        auto lock_node = [&](const sim::Cell* c) -> Node* {
            if (!c) return nullptr;
            auto it = by_obj_.find(canonical(c->owner));
            return it == by_obj_.end() ? nullptr : &nodes_[it->second];
        };
        auto lock_name = [](const sim::Cell* c) { return std::string(*c->field ? c->field : "lock"); };
        for (const Lock& l : locks_)
            for (const auto& [cpu, hold] : l.by_cpu)
                if (hold.first > 0)
                    if (Node* n = lock_node(l.cell))
                        add_line(*n, fmt::format("{} held by {} since step {}", lock_name(l.cell), r_.cpu_name(cpu),
                                                 hold.second));
        if (!r_.machine) return;
        for (const sim::WaitRow& w : r_.machine->waits())
            if (w.lock && w.after_step <= at_ && (w.until == 0 || w.until > at_))
                if (Node* n = lock_node(w.lock))
                    add_line(*n, fmt::format("{} awaited by {}", lock_name(w.lock), r_.cpu_name(w.cpu)));
    }

    static bool has_line(const Node& n, const std::string& line) {
        return std::find(n.lines.begin(), n.lines.end(), line) != n.lines.end();
    }

    void add_membership() {
        std::set<std::pair<std::size_t, std::size_t>> linked, done;
        for (const Edge& e : edges_) linked.insert({e.from, e.to});
        for (const auto& [t, d] : members_) {
            if (linked.count({t, d}) || !done.insert({t, d}).second) continue;
            edges_.push_back({t, d, "member", true});
        }
    }

    void mark_freed() {
        for (Node& n : nodes_)
            if (freed_by(n.obj)) n.freed = true;
    }

    void mark_named() {
        for (const sim::Finding& f : r_.findings) {
            if (f.step == 0 ? at_ != r_.steps : f.step > at_) continue;
            for (Node& n : nodes_)
                for (const std::string& nm : n.names)
                    if (names(f.message, nm)) n.named = true;
        }
    }

    // --- output ---------------------------------------------------------------

    void assign_ids() {
        std::set<std::string> taken;
        std::map<std::string, int> count;
        for (const Node& n : nodes_) ++count[n.name];
        for (Node& n : nodes_) {
            std::string id = n.name;
            if (count[n.name] > 1 && n.kind == Kind::directory && n.names.size() > 1) id = n.name + " " + n.names[1];
            for (int k = 2; taken.count(id); ++k) id = fmt::format("{} ({})", n.name, k);
            taken.insert(id);
            n.id = id;
        }
    }

    std::string write() {
        assign_ids();
        std::string title = r_.scenario ? r_.scenario->name : std::string("contsim");
        std::string kernel = r_.scenario ? r_.scenario->kernel : std::string();
        std::string when = fmt::format("after step {}", at_);
        if (at_ == r_.steps && !r_.aborted) when += " (the end of the run)";
        // A run that went on past `at` (not stopped there): the kernel's
        // state (directories, groups, memberships) is the later one.
        if (at_ < r_.steps) when += fmt::format("; directories and groups as after step {}", r_.steps);
        std::string out = "digraph contsim {\n";
        out += fmt::format("  graph [label={}, labelloc=t, rankdir=LR, fontname=\"Helvetica\"];\n",
                           quote(title + (kernel.empty() ? "" : " (" + kernel + ")") + "\n" + when));
        out += "  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n";
        out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
        for (const Node& n : nodes_) {
            std::vector<std::string> attrs{"label=" + label_of(n.lines)};
            std::vector<std::string> style;
            switch (n.kind) {
            case Kind::task: attrs.push_back("shape=ellipse"); break;
            case Kind::directory: attrs.push_back("shape=folder"); break;
            case Kind::group: style.push_back("rounded"); break;
            case Kind::object: attrs.push_back("shape=note"); break;
            }
            if (n.freed) style.push_back("dashed");
            if (!style.empty()) {
                std::string s;
                for (const auto& x : style) s += (s.empty() ? "" : ",") + x;
                attrs.push_back("style=" + quote(s));
            }
            if (n.named) {
                attrs.push_back("color=red");
                attrs.push_back("fontcolor=red");
                attrs.push_back("penwidth=2");
            }
            std::string a;
            for (const auto& x : attrs) a += (a.empty() ? "" : ", ") + x;
            out += fmt::format("  {} [{}];\n", quote(n.id), a);
        }
        for (const Edge& e : edges_) {
            if (e.member)
                out += fmt::format("  {} -> {} [label=\"member\", style=dashed, color=grey, fontcolor=grey];\n",
                                   quote(nodes_[e.from].id), quote(nodes_[e.to].id));
            else
                out += fmt::format("  {} -> {} [label={}];\n", quote(nodes_[e.from].id), quote(nodes_[e.to].id),
                                   quote(e.label));
        }
        return out + "}\n";
    }
};

}  // namespace

std::string report_dot(const RunResult& r, std::uint32_t at) { return Graph(r, at).build(); }

}  // namespace app
