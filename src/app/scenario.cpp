#include "app/scenario.h"
#include "app/json_input.h"
#include "app/scenario_ctx.h"
#include "app/scenario_flow.h"
#include "app/scenario_lab.h"
#include "app/nearest_name.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/errno_names.h"
#include "sim/schedule_token.h"
#include "core/v7/container.h"

namespace app {

using nlohmann::json;

const std::vector<std::string>& violation_kinds() {
    static const std::vector<std::string> k{
        "refcount-underflow", "use-after-free",   "double-free",      "deadlock",
        "sleep-in-atomic",    "lock-order-inversion", "step-limit",   "leak",
        "count-mismatch",     "kref-mismatch",    "dangling-pointer", "bad-unlock",
        "rcu-misuse",         "kernel-bug",       "internal-error",   "refcnt-mismatch",
        "s-active-mismatch",  "usage-mismatch",   "missed-callback",
        // the subsystems' own checks (numtasks, res_group)
        "charge-mismatch",    "charge-underflow", "over-limit",       "out-of-bounds",
        "kref-get-zero",      "mm-users-mismatch"};
    return k;
}

// "/dev//container/CS1/" -> "/dev/container/CS1": one spelling per directory.
std::string normalize_path(const std::string& p) {
    std::string out;
    for (char ch : p)
        if (!(ch == '/' && !out.empty() && out.back() == '/')) out += ch;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

namespace {

using namespace scenario_parse;
std::string normalize(const std::string& p) { return normalize_path(p); }

// The control files a directory of this kernel can have (the names its
// read and write paths know; on containers-v7, tasks and the files of each
// subsystem compiled in: its cftypes).
std::vector<std::string> control_file_names(const std::string& kernel, const std::vector<std::string>& subsystems) {
    if (kernel == "containers-v7-1") return {"tasks", "notify_on_release"};
    if (kernel == "cpuset-2.6.20") return {"tasks", "cpus", "mems", "notify_on_release"};
    std::vector<std::string> v{"tasks"};
    for (const auto& ss : subsystems) {
        if (ss == "cpuset") v.insert(v.end(), {"cpus", "mems", "memory_migrate"});
        if (ss == "cpuacct") v.push_back("cpuacct.usage");
        if (ss == "numtasks") v.insert(v.end(), {"numtasks.shares", "numtasks.stats"});
        if (ss == "bc")
            for (const char* a : {"held", "maxheld", "minheld", "barrier", "limit", "failcnt"})
                v.push_back(std::string("bc.numfiles.") + a);
    }
    return v;
}

// expect.final's keys for a subsystem's own state, as its final_values()/
// final_texts() report them (true: a text).
std::vector<std::pair<std::string, bool>> subsystem_final_keys(const std::string& ss) {
    if (ss == "cpuacct") return {{"cpuacct.usage", false}};
    if (ss == "numtasks")
        return {{"numtasks.cnt_cur_alloc", false}, {"numtasks.cnt_max_shares", false}, {"numtasks.cnt_borrowed", false},
                {"numtasks.successes", false},     {"numtasks.failures", false}};
    if (ss == "bc") {
        std::vector<std::pair<std::string, bool>> v;
        for (const char* a : {"held", "maxheld", "minheld", "barrier", "limit", "failcnt"})
            v.push_back({std::string("bc.numfiles.") + a, false});
        return v;
    }
    if (ss == "cpuset") return {{"cpuset.cpus", true}, {"cpuset.mems", true}};
    return {};
}

const std::vector<std::string> kOps{"fork",  "exit",    "attach", "mount", "mkdir",           "rmdir",
                                    "write", "read",    "umount", "remount", "clone",         "unshare",
                                    "open",  "close",   "tick",   "register_subsys", "css_get", "css_put",
                                    "module_param", "setuid", "capability", "cpu_down", "cpu_up", "mem_online"};

}  // namespace

bool scenario_parse::container_op(const std::string& op) {
    return std::find(kOps.begin(), kOps.end(), op) != kOps.end();
}

namespace {


// The clone(2)/unshare(2) flags of 2.6.20 the model acts on: CLONE_VM (share the mm) and the namespaces.
const std::vector<std::pair<std::string, unsigned long>> kCloneFlags{
    {"CLONE_VM", 0x00000100}, {"CLONE_NEWNS", 0x00020000}, {"CLONE_NEWUTS", 0x04000000}, {"CLONE_NEWIPC", 0x08000000}};

// Static knowledge accumulated in op order: which pids and paths exist.
struct Known {
    std::set<int> pids{1};
    std::vector<std::string> mounts;
    std::set<std::string> dirs;
    std::set<std::string> files;       // every name an open op gives (any thread)
    std::set<std::string> opened;      // opened so far in file order
    bool clones = false;               // some op may run container_clone() (a clone or an unshare)
    // "node<N>" (N from 1, no leading zero): a name container_clone() gives.
    static bool clone_name(const std::string& s) {
        return s.size() > 4 && s.compare(0, 4, "node") == 0 && s[4] != '0' &&
               s.find_first_not_of("0123456789", 4) == std::string::npos;
    }
    bool multi_hierarchy = false;
    expr::Scope scope;                 // names bound so far by "as" (set-up's, or this thread's)
    int machine_cpus = 2, machine_mems = 1;
    bool hotplug = false;              // a cpu_down, cpu_up or mem_online op was seen
    const std::vector<core::lab::ObjectSpec>* lab_objects = nullptr;  // kernel "lab": its ops instead
    const core::Kernel* kernel = nullptr;
    std::vector<std::string> subsystems;  // compiled into the kernel (after config)
    std::vector<std::string> warnings;    // "FILE: PATH: what" for things legal but most likely wrong
    // A directory made by an earlier mkdir, a mount point, or the same
    // directory seen through another mount point (a mount of the same
    // subsystems reuses the hierarchy; which is the run's business).
    bool dir(const std::string& p) const {
        if (dirs.count(p)) return true;
        if (auto slash = p.find_last_of('/'); clones && slash != std::string::npos && slash > 0 &&
                                              clone_name(p.substr(slash + 1)) && dir(p.substr(0, slash)))
            return true;
        for (const auto& m2 : mounts) {
            auto rel = core::path_below(m2, p);
            if (!rel || rel->empty()) continue;
            for (const auto& m1 : mounts) {
                std::string q = m1;
                for (const auto& part : *rel) q += "/" + part;
                if (dirs.count(q)) return true;
            }
        }
        return false;
    }
    bool under_mount(const std::string& p) const {
        for (const auto& m : mounts)
            if (core::path_below(m, p)) return true;
        return false;
    }
};

Op parse_op(const Ctx& c, const json& j_in, const std::string& where, bool in_setup, Known& k) {
    if (k.lab_objects) return parse_lab_op(c, j_in, where, in_setup, k.scope, *k.lab_objects);
    c.object(j_in, where);
    Op op;
    op.where = where;
    op.op = c.str(c.need(j_in, where, "op"), where + ".op");
    std::vector<std::string> have;  // the ops of this kernel
    for (const auto& o : kOps)
        if (!k.kernel || k.kernel->has_op(o)) have.push_back(o);
    if (std::find(kOps.begin(), kOps.end(), op.op) == kOps.end())
        c.fail(where + ".op", fmt::format("unknown op \"{}\"; {}", op.op, expected_one_of(op.op, have)));
    if (k.kernel && !k.kernel->has_op(op.op)) {
        c.fail(where + ".op", fmt::format("op \"{}\" is not available on kernel {}; it has: {}", op.op,
                                          k.kernel->name(), join(have)));
    }
    // v2: "as" NAME, "if", "repeat", "for_each"; expression fields become
    // placeholders in `j` (checked below as v1 fields; the run computes them).
    json j = j_in;
    parse_flow(c, j, where, in_setup, op.op, k.scope, op.flow);
    std::vector<std::string> keys{"op", "comment", "as", "if", "repeat", "for_each"};
    // A path with ${...} parts: only the run knows it (-ENOENT where it names nothing).
    const bool dyn_path = op.flow.texts.count("path") != 0;
    auto path_key = [&] {
        keys.push_back("path");
        op.path = c.str(c.need(j, where, "path"), where + ".path");
        if (op.path.empty() || op.path[0] != '/')
            c.fail(where + ".path", "expected an absolute path, found \"" + op.path + "\"");
        if (!dyn_path) op.path = normalize(op.path);
    };
    // A file no directory of this kernel has is most likely a typo, but the
    // kernel's answer (-ENOENT) is behaviour a scenario may test: a warning
    // at check time, as for an unknown subsystem in a mount.
    auto known_file = [&] {
        if (dyn_path || !k.kernel) return;
        const std::string f = op.path.substr(op.path.find_last_of('/') + 1);
        const auto names = control_file_names(k.kernel->name(), k.subsystems);
        if (std::find(names.begin(), names.end(), f) == names.end())
            k.warnings.push_back(fmt::format("{}: {}.path: unknown control file \"{}\" on kernel {} (the run gets "
                                             "-ENOENT); {}",
                                             c.file, where, f, k.kernel->name(), expected_one_of(f, names)));
    };
    auto known_dir = [&] {
        if (!dyn_path && !k.dir(op.path))
            c.fail(where + ".path", fmt::format("unknown path \"{}\": expected a mount point or a directory made "
                                                "by an earlier mkdir",
                                                op.path));
    };
    auto subsystem_key = [&](const std::vector<std::string>& allowed, const char* what) {
        keys.push_back("subsystem");
        op.subsystem = c.str(c.need(j, where, "subsystem"), where + ".subsystem");
        if (std::find(allowed.begin(), allowed.end(), op.subsystem) == allowed.end())
            c.fail(where + ".subsystem",
                   fmt::format("unknown subsystem \"{}\" (expected {}); {}", op.subsystem, what,
                               allowed.empty() ? std::string("there are none") : expected_one_of(op.subsystem, allowed)));
    };
    auto flags_key = [&] {
        keys.push_back("flags");
        if (!j.contains("flags")) return;
        c.array(j["flags"], where + ".flags");
        std::vector<std::string> names;
        for (auto& [n, v] : kCloneFlags) names.push_back(n);
        for (std::size_t i = 0; i < j["flags"].size(); ++i) {
            std::string w = fmt::format("{}.flags[{}]", where, i);
            std::string f = c.str(j["flags"][i], w);
            auto it = std::find_if(kCloneFlags.begin(), kCloneFlags.end(), [&](auto& p) { return p.first == f; });
            if (it == kCloneFlags.end())
                c.fail(w, fmt::format("unknown flag \"{}\"; {}", f, expected_one_of(f, names)));
            op.flags |= it->second;
            op.flag_names.push_back(f);
        }
    };
    auto mount_point = [&] {
        if (std::find(k.mounts.begin(), k.mounts.end(), op.path) == k.mounts.end())
            c.fail(where + ".path", fmt::format("unknown mount point \"{}\": expected the path of an earlier mount",
                                                op.path));
    };
    auto subsystems_key = [&] {
        keys.push_back("subsystems");
        if (!j.contains("subsystems")) return;
        c.array(j["subsystems"], where + ".subsystems");
        if (!k.multi_hierarchy)
            c.fail(where + ".subsystems", "this kernel has a single hierarchy: mount takes no subsystems");
        op.has_subsystems = true;
        // A name no subsystem of the series has is most likely a typo, but
        // the kernel's answer to it (-ENOENT from parse_containerfs_options)
        // is behaviour a scenario may test: a warning, not an error.
        std::vector<std::string> all;
        for (const auto& cfg : core::v7::KernelV7::subsys_configs()) all.push_back(cfg.name);
        for (std::size_t i = 0; i < j["subsystems"].size(); ++i) {
            const std::string w = fmt::format("{}.subsystems[{}]", where, i);
            op.subsystems.push_back(c.str(j["subsystems"][i], w));
            if (std::find(all.begin(), all.end(), op.subsystems.back()) == all.end())
                k.warnings.push_back(fmt::format("{}: {}: unknown subsystem \"{}\" (the kernel refuses the "
                                                 "mount); {}",
                                                 c.file, w, op.subsystems.back(),
                                                 expected_one_of(op.subsystems.back(), all)));
        }
    };
    // An open control file: read, write and close name it by its open's "as".
    const bool by_handle = j.contains("handle") && (op.op == "read" || op.op == "write" || op.op == "close");
    if (by_handle) {
        keys.push_back("handle");
        op.handle = c.str(j["handle"], where + ".handle");
        if (!k.scope.count(op.handle) || !k.scope.at(op.handle).handle)
            c.fail(where + ".handle", fmt::format("expected the \"as\" name of an earlier open of a control file in this "
                                                  "thread, found \"{}\"",
                                                  op.handle));
        if (j.contains("path") || j.contains("file"))
            c.fail(where + ".handle", "expected a handle or a path (or file), not both");
        if (op.op == "write") {
            keys.push_back("value");
            const json& v = c.need(j, where, "value");
            op.value = v.is_number_integer() ? std::to_string(v.get<long>()) : c.str(v, where + ".value");
        }
    } else if (op.op == "open" && j.contains("path")) {
        // open(2) of a control file (containers-v7): the handle is its "as".
        if (j.contains("file")) c.fail(where + ".path", "expected \"path\" (a control file) or \"file\" (a plain file), not both");
        if (!k.multi_hierarchy)
            c.fail(where + ".path", fmt::format("an open of a control file is modelled on containers-v7 only, not on {} "
                                                "(\"file\" opens a plain file)",
                                                k.kernel ? k.kernel->name() : "this kernel"));
        path_key();
        if (!dyn_path && !k.dir(op.path.substr(0, op.path.find_last_of('/'))))
            c.fail(where + ".path", fmt::format("unknown path \"{}\": expected a file in a known directory", op.path));
        known_file();
        if (op.flow.bind.empty())
            c.fail(where, "an open of a control file needs \"as\": the name later reads, writes and the close use");
        if (op.flow.dynamic()) c.fail(where, "an open of a control file runs once: no \"if\", \"repeat\" or \"for_each\"");
    } else if (op.op == "cpu_down" || op.op == "cpu_up") {
        // CONFIG_HOTPLUG_CPU: a cpu of the machine ("machine": cpus).
        keys.push_back("cpu");
        op.hot = c.integer(c.need(j, where, "cpu"), where + ".cpu", 0, k.machine_cpus - 1);
        k.hotplug = true;
    } else if (op.op == "mem_online") {
        // Memory hot-add of a node: MAX_NUMNODES > 1 needs a NUMA kernel ("machine": mems > 1).
        keys.push_back("node");
        if (k.machine_mems == 1)
            c.fail(where + ".op", "mem_online needs a NUMA kernel: set \"machine\": {\"mems\": N} with N > 1 (one node "
                                  "is MAX_NUMNODES 1, node 0 only)");
        op.hot = c.integer(c.need(j, where, "node"), where + ".node", 0, 7);
        k.hotplug = true;
    } else if (op.op == "fork" || op.op == "clone") {
        if (op.op == "clone") flags_key();
        keys.insert(keys.end(), {"pid", "name"});
        op.pid = c.integer(c.need(j, where, "pid"), where + ".pid", 2, 32767);
        // Repeated, the forks make pid, pid+1, ...: a literal count, so the pids are known.
        long times = 1;
        if (op.flow.for_each) c.fail(where + ".for_each", fmt::format("a {} cannot take for_each; repeat it N times "
                                                                      "(pids pid, pid+1, ...)", op.op));
        if (op.flow.repeat) {
            if (!j["repeat"].is_number_integer())
                c.fail(where + ".repeat", fmt::format("expected a number: a repeated {} makes pids pid, pid+1, ..., "
                                                      "known before the run",
                                                      op.op));
            times = j["repeat"].get<long>();
        }
        if (op.pid + times - 1 > 32767)
            c.fail(where + ".repeat", fmt::format("pids {} to {}: expected pids up to 32767", op.pid, op.pid + times - 1));
        for (long p = op.pid; p < op.pid + times; ++p)
            if (k.pids.count(static_cast<int>(p)))
                c.fail(where + ".pid", times == 1 ? fmt::format("pid {} already exists", p)
                                                  : fmt::format("repeat {} makes pids {} to {}; pid {} already exists",
                                                                times, op.pid, op.pid + times - 1, p));
        op.name = j.contains("name") ? c.str(j["name"], where + ".name") : fmt::format("T{}", op.pid);
        if (op.name.empty() || op.name.size() > 30)
            c.fail(where + ".name", "expected a task name of 1 to 30 characters");
        for (long p = op.pid; p < op.pid + times; ++p) k.pids.insert(static_cast<int>(p));
    } else if (op.op == "exit") {
        if (op.flow.repeat || op.flow.for_each)
            c.fail(where + (op.flow.repeat ? ".repeat" : ".for_each"), "an exit runs once: the task is gone after it");
    } else if (op.op == "attach") {
        keys.push_back("pid");
        op.pid = c.integer(c.need(j, where, "pid"), where + ".pid", 0, 32767);
        path_key();
        known_dir();
    } else if (op.op == "mount") {
        subsystems_key();
        path_key();
        k.mounts.push_back(op.path);
        k.dirs.insert(op.path);
    } else if (op.op == "umount") {
        path_key();
        mount_point();
        keys.push_back("lazy");
        if (j.contains("lazy")) {
            if (!j["lazy"].is_boolean()) c.fail(where + ".lazy", "expected a boolean, found " + describe(j["lazy"]));
            op.lazy = j["lazy"].get<bool>();
        }
    } else if (op.op == "remount") {
        path_key();
        mount_point();
        subsystems_key();
    } else if (op.op == "read") {
        path_key();
        const std::string& p = op.path;
        if (dyn_path) {
        } else if (p.rfind("/proc/", 0) == 0 && k.multi_hierarchy) {
            std::string rest = p.substr(6);
            auto slash = rest.find('/');
            bool digits = slash != std::string::npos && slash > 0 && slash <= 5 &&
                          rest.substr(0, slash).find_first_not_of("0123456789") == std::string::npos;
            if (p != "/proc/containers" && !(digits && rest.substr(slash + 1) == "container"))
                c.fail(where + ".path", fmt::format("unknown /proc file \"{}\": expected /proc/containers or "
                                                    "/proc/PID/container",
                                                    p));
            if (digits && !k.pids.count(std::stoi(rest.substr(0, slash))))
                c.fail(where + ".path", fmt::format("unknown pid {} in \"{}\": expected 1 or a forked pid",
                                                    rest.substr(0, slash), p));
        } else if (!k.dir(p.substr(0, p.find_last_of('/')))) {
            c.fail(where + ".path", fmt::format("unknown path \"{}\": expected a file in a known directory{}", p,
                                                k.multi_hierarchy ? ", /proc/containers or /proc/PID/container" : ""));
        } else {
            known_file();
        }
    } else if (op.op == "unshare") {
        flags_key();
    } else if (op.op == "open" || op.op == "close") {
        keys.push_back("file");
        op.file = c.str(c.need(j, where, "file"), where + ".file");
        if (op.file.empty() || op.file.size() > 30) c.fail(where + ".file", "expected a file name of 1 to 30 characters");
        if (op.op == "open") {
            if (k.opened.count(op.file))
                c.fail(where + ".file", fmt::format("file \"{}\" is opened twice: give each open its own name", op.file));
            k.opened.insert(op.file);
        } else if (!k.files.count(op.file)) {
            c.fail(where + ".file", fmt::format("unknown file \"{}\": expected the name of an open op", op.file));
        }
    } else if (op.op == "tick") {
        keys.push_back("cputime");
        if (j.contains("cputime")) op.cputime = static_cast<unsigned long>(c.integer(j["cputime"], where + ".cputime", 1, 1000000));
    } else if (op.op == "register_subsys") {
        std::vector<std::string> mods;
        for (const auto& cfg : core::v7::KernelV7::subsys_configs())
            if (k.kernel && k.kernel->config_module(cfg.symbol)) mods.push_back(cfg.name);
        subsystem_key(mods, "a subsystem built as a module (\"m\" in config)");
    } else if (op.op == "css_get" || op.op == "css_put") {
        path_key();
        known_dir();
        subsystem_key(k.subsystems, "a subsystem of this kernel");
    } else if (op.op == "module_param") {
        // The numtasks module's files exist only in a kernel that has it
        // (built in or "m"; before register_subsys the write gets -ENOENT).
        keys.insert(keys.end(), {"module", "param", "value"});
        std::vector<std::string> mods;
        const std::vector<std::string>* params = nullptr;
        op.module = c.str(c.need(j, where, "module"), where + ".module");
        for (const auto& [m, ps] : core::v7::KernelV7::module_params()) {
            if (std::find(k.subsystems.begin(), k.subsystems.end(), m) == k.subsystems.end()) continue;
            mods.push_back(m);
            if (m == op.module) params = &ps;
        }
        if (!params)
            c.fail(where + ".module",
                   fmt::format("unknown module \"{}\": expected a module with parameters in this kernel: {}", op.module,
                               mods.empty() ? std::string("(none; numtasks needs RES_GROUPS_NUMTASKS)") : join(mods)));
        op.param = c.str(c.need(j, where, "param"), where + ".param");
        if (std::find(params->begin(), params->end(), op.param) == params->end())
            c.fail(where + ".param", fmt::format("unknown parameter \"{}\" of module {}; {}", op.param, op.module,
                                                 expected_one_of(op.param, *params)));
        const json& v = c.need(j, where, "value");
        if (v.is_number_integer())
            op.value = std::to_string(v.get<long>());
        else
            op.value = c.str(v, where + ".value");
    } else if (op.op == "setuid") {
        keys.insert(keys.end(), {"uid", "euid", "suid"});
        op.uid = c.integer(c.need(j, where, "uid"), where + ".uid", 0, 65535);
        op.euid = j.contains("euid") ? c.integer(j["euid"], where + ".euid", 0, 65535) : op.uid;
        op.suid = j.contains("suid") ? c.integer(j["suid"], where + ".suid", 0, 65535) : op.uid;
    } else if (op.op == "capability") {
        keys.insert(keys.end(), {"cap", "value"});
        std::string cap = c.str(c.need(j, where, "cap"), where + ".cap");
        if (cap != "CAP_SYS_ADMIN") c.fail(where + ".cap", fmt::format("unknown capability \"{}\"; expected CAP_SYS_ADMIN", cap));
        op.cap = core::CAP_SYS_ADMIN;
        const json& v = c.need(j, where, "value");
        if (!v.is_boolean()) c.fail(where + ".value", "expected a boolean, found " + describe(v));
        op.cap_on = v.get<bool>();
    } else if (op.op == "mkdir") {
        path_key();
        auto slash = op.path.find_last_of('/');
        std::string parent = op.path.substr(0, slash);
        if (!dyn_path && !k.dir(parent))
            c.fail(where + ".path", fmt::format("unknown path \"{}\": the parent \"{}\" is not a mount point or "
                                                "an earlier mkdir",
                                                op.path, parent));
        if (!dyn_path) k.dirs.insert(op.path);
    } else if (op.op == "rmdir") {
        path_key();
        known_dir();
    } else if (op.op == "write") {
        keys.push_back("value");
        path_key();
        auto slash = op.path.find_last_of('/');
        if (!dyn_path && !k.dir(op.path.substr(0, slash)))
            c.fail(where + ".path", fmt::format("unknown path \"{}\": expected a file in a known directory", op.path));
        known_file();
        const json& v = c.need(j, where, "value");
        if (v.is_number_integer())
            op.value = std::to_string(v.get<long>());
        else
            op.value = c.str(v, where + ".value");
    }
    if (in_setup && j.contains("as")) {
        op.as = c.integer(j["as"], where + ".as", 1, 32767);
        if (!k.pids.count(op.as)) c.fail(where + ".as", fmt::format("unknown pid {}", op.as));
    }
    c.only_keys(j, where, keys);
    expr::NameInfo bound;
    bound.has_text = op.op == "read";
    bound.handle = op.op == "open" && !op.path.empty();
    bind_flow(op.flow, bound, k.scope);
    return op;
}

sim::ScriptStep parse_step(const Ctx& c, const json& j, const std::string& where,
                           const std::vector<ThreadSpec>& threads, const std::vector<const sim::Label*>& labels,
                           const std::string& kernel) {
    c.object(j, where);
    c.only_keys(j, where, {"cpu", "to", "through", "steps", "comment"});
    sim::ScriptStep s;
    s.where = where.substr(2);  // "schedule[2]"
    std::string cpu = c.str(c.need(j, where, "cpu"), where + ".cpu");
    s.cpu = -1;
    for (std::size_t i = 0; i < threads.size(); ++i)
        if (threads[i].cpu == cpu) s.cpu = static_cast<int>(i);
    if (s.cpu < 0) {
        std::vector<std::string> names;
        for (auto& t : threads) names.push_back(t.cpu);
        c.fail(where + ".cpu", fmt::format("unknown CPU \"{}\" (the threads' CPUs); {}", cpu, expected_one_of(cpu, names)));
    }
    int n = j.contains("to") + j.contains("through") + j.contains("steps");
    if (n > 1) c.fail(where, "expected at most one of \"to\", \"through\", \"steps\"");
    if (j.contains("steps")) {
        s.kind = sim::ScriptStep::Kind::steps;
        s.steps = static_cast<unsigned>(c.integer(j["steps"], where + ".steps", 1, 1000000));
    } else if (j.contains("to") || j.contains("through")) {
        const char* key = j.contains("to") ? "to" : "through";
        s.kind = j.contains("to") ? sim::ScriptStep::Kind::to : sim::ScriptStep::Kind::through;
        std::string text = c.str(j[key], where + "." + key);
        std::string name = text;
        auto hash = text.find('#');
        if (hash != std::string::npos) {
            name = text.substr(0, hash);
            std::string k = text.substr(hash + 1);
            if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos || k.size() > 6 || std::stoi(k) < 1)
                c.fail(where + "." + key, fmt::format("expected label#k with k a positive integer, found \"{}\"", text));
            s.occurrence = static_cast<unsigned>(std::stoi(k));
        }
        for (const sim::Label* l : labels)
            if (name == l->name) s.label = l;
        if (!s.label) {
            std::vector<std::string> names;
            for (const sim::Label* l : labels) names.push_back(l->name);
            // The nearest few, nearest first: a kernel has hundreds (all: contsim labels FILE).
            auto near = did_you_mean(name, names);
            std::vector<std::string> nearest = nearest_first(name, names);
            if (nearest.size() > 5) nearest.resize(5);
            c.fail(where + "." + key, fmt::format("unknown label \"{}\" for kernel {}; {}nearest: {} (all {}: contsim "
                                                  "labels {})",
                                                  name, kernel, near ? "did you mean \"" + *near + "\"? " : "",
                                                  join(nearest), names.size(), c.file));
        }
    }
    return s;
}

// A list of violation kinds (expect.violations, expect.explore.violations).
std::set<std::string> violation_set(const Ctx& c, const json& list, const std::string& where) {
    c.array(list, where);
    std::set<std::string> v;
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string w = fmt::format("{}[{}]", where, i);
        std::string kind = c.str(list[i], w);
        const auto& kinds = violation_kinds();
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
            c.fail(w, fmt::format("unknown violation \"{}\"; {}", kind, expected_one_of(kind, kinds)));
        v.insert(kind);
    }
    return v;
}

// $.play: a level's goal, hints, par and winning order.
PlayLevel parse_play(Ctx& c, const json& p, const Scenario& s) {
    PlayLevel l;
    c.object(p, "$.play");
    c.only_keys(p, "$.play", {"goal", "hints", "par", "solution", "comment"});
    const json& g = c.need(p, "$.play", "goal");
    c.object(g, "$.play.goal");
    c.only_keys(g, "$.play.goal", {"text", "violation", "names", "returns"});
    l.goal = c.str(c.need(g, "$.play.goal", "text"), "$.play.goal.text");
    if (g.contains("violation")) {
        std::string v = c.str(g["violation"], "$.play.goal.violation");
        const auto& kinds = violation_kinds();
        if (std::find(kinds.begin(), kinds.end(), v) == kinds.end())
            c.fail("$.play.goal.violation", fmt::format("unknown violation \"{}\"; {}", v, expected_one_of(v, kinds)));
        l.goal_violation = v;
    }
    if (g.contains("names")) {
        if (!l.goal_violation) c.fail("$.play.goal.names", "expected a \"violation\" whose message it names");
        l.goal_names = c.str(g["names"], "$.play.goal.names");
    }
    if (g.contains("returns")) {
        c.object(g["returns"], "$.play.goal.returns");
        for (auto it = g["returns"].begin(); it != g["returns"].end(); ++it) {
            std::string w = "$.play.goal.returns." + it.key();
            if (std::none_of(s.threads.begin(), s.threads.end(), [&](const ThreadSpec& t) { return t.cpu == it.key(); }))
                c.fail(w, "unknown CPU: expected a thread's CPU name");
            c.array(it.value(), w);
            std::vector<int> rs;
            for (std::size_t k = 0; k < it.value().size(); ++k) {
                const json& r = it.value()[k];
                if (r.is_number_integer() && r.get<long>() >= 0 && r.get<long>() <= 2147483647L) {
                    rs.push_back(static_cast<int>(r.get<long>()));
                    continue;
                }
                auto v = r.is_string() ? core::parse_result(r.get<std::string>()) : std::nullopt;
                if (!v) c.fail(fmt::format("{}[{}]", w, k), "expected 0 or an errno name such as \"-EBUSY\", found " + describe(r));
                rs.push_back(*v);
            }
            l.goal_returns[it.key()] = rs;
        }
    }
    if (!l.goal_violation && l.goal_returns.empty())
        c.fail("$.play.goal", "expected \"violation\" or \"returns\": what the winning order makes happen");
    if (p.contains("hints")) {
        c.array(p["hints"], "$.play.hints");
        for (std::size_t i = 0; i < p["hints"].size(); ++i)
            l.hints.push_back(c.str(p["hints"][i], fmt::format("$.play.hints[{}]", i)));
    }
    const json& par = c.need(p, "$.play", "par");
    if (!par.is_number_unsigned() || par.get<std::uint64_t>() > 1000)
        c.fail("$.play.par", "expected the fewest CPU switches that win, 0 to 1000, found " + describe(par));
    l.par = par.get<unsigned>();
    l.solution = c.str(c.need(p, "$.play", "solution"), "$.play.solution");
    std::string err;
    if (!sim::decode_token(l.solution, err)) c.fail("$.play.solution", "expected a schedule token: " + err);
    return l;
}

}  // namespace

Scenario parse_scenario(const json& j, const std::string& file, const Overrides& o) {
    Ctx c{file};
    Scenario s;
    s.file = file;
    // parse_scenario_text() replaces it with the exact text.
    s.source_text = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    c.object(j, "$");
    c.only_keys(j, "$", {"$schema", "name", "title", "source", "description", "kernel", "fixes", "config",
                         "fail_alloc", "setup", "threads", "schedule", "expect", "objects", "machine", "play"});
    s.name = c.str(c.need(j, "$", "name"), "$.name");
    if (j.contains("title")) s.title = c.str(j["title"], "$.title");
    if (j.contains("source")) s.source = c.str(j["source"], "$.source");
    if (j.contains("description")) c.str(j["description"], "$.description");
    s.kernel = o.kernel ? *o.kernel : c.str(c.need(j, "$", "kernel"), "$.kernel");
    auto kernel = core::make_kernel(s.kernel, {});
    if (!kernel)
        c.fail(o.kernel ? "--kernel" : "$.kernel",
               fmt::format("unknown kernel \"{}\"; {}", s.kernel, expected_one_of(s.kernel, core::kernel_names())));
    auto add_fix = [&](const std::string& name, const std::string& where) {
        auto f = core::parse_fix(name);
        if (!f) c.fail(where, fmt::format("unknown fix \"{}\"; {}", name, expected_one_of(name, core::fix_names())));
        s.fixes.insert(*f);
    };
    if (j.contains("fixes")) {
        c.array(j["fixes"], "$.fixes");
        for (std::size_t i = 0; i < j["fixes"].size(); ++i)
            add_fix(c.str(j["fixes"][i], fmt::format("$.fixes[{}]", i)), fmt::format("$.fixes[{}]", i));
    }
    for (const auto& f : o.fixes) add_fix(f, "--fix");
    if (s.kernel == "lab" && !s.fixes.empty())
        c.fail(!o.fixes.empty() ? "--fix" : "$.fixes", fmt::format("kernel lab has no fixes (\"{}\" is for the container "
                                                                   "kernels): a lab's fixed version is its own file",
                                                                   core::fix_name(*s.fixes.begin())));

    if (j.contains("config")) {
        const json& cfg = j["config"];
        c.object(cfg, "$.config");
        for (auto it = cfg.begin(); it != cfg.end(); ++it) {
            std::string w = "$.config." + it.key();
            const std::string& key = it.key();
            if (key.empty() || key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos ||
                !std::isupper(static_cast<unsigned char>(key[0])))
                c.fail(w, "expected a Kconfig symbol without CONFIG_ (capitals, digits, _), e.g. UTS_NS");
            if (it.value().is_boolean()) {
                s.config[key] = it.value().get<bool>();
            } else if (it.value() == "m") {
                bool modular = false;
                std::vector<std::string> mods;
                for (const auto& sc : core::v7::KernelV7::subsys_configs()) {
                    if (sc.modular) mods.push_back(sc.symbol);
                    if (sc.modular && key == sc.symbol) modular = true;
                }
                if (!modular || s.kernel != "containers-v7")
                    c.fail(w, fmt::format("\"m\" (a module, registered by the register_subsys op) is only for a "
                                          "subsystem loaded from module_init on containers-v7: {}",
                                          join(mods)));
                s.modules.insert(key);
            } else {
                c.fail(w, "expected true, false or \"m\", found " + describe(it.value()));
            }
        }
        kernel->set_config(s.config);
        kernel->set_config_modules(s.modules);
    }
    if (j.contains("machine")) {
        // cpus up to CONFIG_NR_CPUS (8, the i386 default); mems up to MAX_NUMNODES
        // of a NUMA i386 kernel (1 << NODES_SHIFT, 3 by default).
        const json& m = j["machine"];
        c.object(m, "$.machine");
        c.only_keys(m, "$.machine", {"cpus", "mems", "comment"});
        if (m.contains("cpus")) s.machine_cpus = c.integer(m["cpus"], "$.machine.cpus", 1, 8);
        if (m.contains("mems")) s.machine_mems = c.integer(m["mems"], "$.machine.mems", 1, 8);
        kernel->set_machine(s.machine_cpus, s.machine_mems);
    }
    s.objects = parse_lab_objects(c, j, s.kernel == "lab");
    if (auto* lk = dynamic_cast<core::lab::LabKernel*>(kernel.get())) lk->set_objects(s.objects);
    if (j.contains("fail_alloc")) {
        const json& fa = j["fail_alloc"];
        c.array(fa, "$.fail_alloc");
        auto labels = kernel->labels();
        for (std::size_t i = 0; i < fa.size(); ++i) {
            std::string w = fmt::format("$.fail_alloc[{}]", i);
            c.object(fa[i], w);
            c.only_keys(fa[i], w, {"site", "nth", "comment"});
            std::string site = c.str(c.need(fa[i], w, "site"), w + ".site");
            bool known_site = std::any_of(labels.begin(), labels.end(), [&](const sim::Label* l) {
                return std::string(l->name).rfind(site + ":", 0) == 0;
            });
            if (!known_site)
                c.fail(w + ".site", fmt::format("unknown allocation site \"{}\" for kernel {}: expected the function "
                                                "part of a label (list them with: contsim labels --kernel {})",
                                                site, s.kernel, s.kernel));
            int nth = fa[i].contains("nth") ? c.integer(fa[i]["nth"], w + ".nth", 1, 1000000) : 1;
            s.fail_alloc.push_back({site, static_cast<std::uint32_t>(nth)});
        }
    }

    Known known;
    known.multi_hierarchy = s.kernel == "containers-v7";
    known.kernel = kernel.get();
    known.subsystems = kernel->subsystem_names();
    known.machine_cpus = s.machine_cpus;
    known.machine_mems = s.machine_mems;
    if (s.kernel == "lab") known.lab_objects = &s.objects;
    // A file one thread opens may be closed by another (or in a later op):
    // every open's name is known up front.
    // Likewise the directories container_clone() makes for a clone or an
    // unshare: "node1", "node2", ... (3/7's get_unused_name(): sprintf(buf,
    // "node%d", atomic_inc_return(&namecnt)), one per attempt, retries
    // included), under the task's container. Any such name is accepted under
    // a known directory; where one does not exist (yet) the run says -ENOENT.
    auto collect_files = [&](const json& ops) {
        if (!ops.is_array()) return;
        for (const auto& op : ops) {
            if (!op.is_object()) continue;
            const json name = op.value("op", json());
            if (name == "open" && op.contains("file") && op["file"].is_string())
                known.files.insert(op["file"].get<std::string>());
            if (name == "clone" || name == "unshare") known.clones = true;
        }
    };
    if (j.contains("setup")) collect_files(j["setup"]);
    if (j.contains("threads") && j["threads"].is_array())
        for (const auto& t : j["threads"])
            if (t.is_object() && t.contains("ops")) collect_files(t["ops"]);
    if (j.contains("setup")) {
        c.array(j["setup"], "$.setup");
        for (std::size_t i = 0; i < j["setup"].size(); ++i)
            s.setup.push_back(parse_op(c, j["setup"][i], fmt::format("$.setup[{}]", i), true, known));
    }
    const json& threads = c.need(j, "$", "threads");
    c.array(threads, "$.threads");
    if (threads.empty() || threads.size() > 16) c.fail("$.threads", "expected 1 to 16 threads");
    std::set<std::string> cpus;
    for (std::size_t i = 0; i < threads.size(); ++i) {
        std::string w = fmt::format("$.threads[{}]", i);
        c.object(threads[i], w);
        c.only_keys(threads[i], w, {"cpu", "task", "ops", "comment"});
        ThreadSpec t;
        t.cpu = c.str(c.need(threads[i], w, "cpu"), w + ".cpu");
        if (t.cpu.empty() || t.cpu.size() > 16) c.fail(w + ".cpu", "expected a CPU name of 1 to 16 characters");
        if (!cpus.insert(t.cpu).second) c.fail(w + ".cpu", fmt::format("CPU \"{}\" is used by two threads", t.cpu));
        t.task = c.integer(c.need(threads[i], w, "task"), w + ".task", 1, 32767);
        if (!known.pids.count(t.task))
            c.fail(w + ".task", fmt::format("unknown pid {}: expected 1 (init) or a pid forked in setup", t.task));
        s.threads.push_back(t);
    }
    // A directory one thread makes may be used by another: which runs first is
    // the schedule's business, so every thread's mkdir paths are known up front.
    for (const auto& t : threads)
        if (t.is_object() && t.contains("ops") && t["ops"].is_array())
            for (const auto& op : t["ops"])
                if (op.is_object() && op.value("op", json()) == "mkdir" && op.contains("path") && op["path"].is_string())
                    known.dirs.insert(normalize(op["path"].get<std::string>()));
    for (std::size_t i = 0; i < threads.size(); ++i) {
        std::string w = fmt::format("$.threads[{}].ops", i);
        const json& ops = c.need(threads[i], fmt::format("$.threads[{}]", i), "ops");
        c.array(ops, w);
        bool exited = false;
        known.scope.clear();  // a thread's names are its own
        for (std::size_t k = 0; k < ops.size(); ++k) {
            std::string ow = fmt::format("{}[{}]", w, k);
            if (exited) c.fail(ow, "no op can follow \"exit\": the thread's task is gone");
            Op op = parse_op(c, ops[k], ow, false, known);
            exited = op.op == "exit" && !op.flow.cond;  // an exit under "if" may not run
            s.threads[i].ops.push_back(op);
        }
    }
    auto labels = kernel->labels();
    if (j.contains("schedule")) {
        c.array(j["schedule"], "$.schedule");
        for (std::size_t i = 0; i < j["schedule"].size(); ++i)
            s.schedule.push_back(
                parse_step(c, j["schedule"][i], fmt::format("$.schedule[{}]", i), s.threads, labels, s.kernel));
    }
    if (j.contains("play")) s.play = parse_play(c, j["play"], s);
    if (j.contains("expect")) {
        const json& e = j["expect"];
        c.object(e, "$.expect");
        c.only_keys(e, "$.expect", {"infeasible", "violations", "returns", "reads", "final", "explore"});
        s.expect.present = e.contains("infeasible") || e.contains("violations") || e.contains("returns") ||
                           e.contains("reads") || e.contains("final");
        if (e.contains("explore")) {
            const json& x = e["explore"];
            c.object(x, "$.expect.explore");
            c.only_keys(x, "$.expect.explore", {"verdict", "violations", "outcomes", "observation", "slow"});
            ExploreExpect ee;
            if (!x.contains("verdict")) c.fail("$.expect.explore", "expected a \"verdict\": \"never\", \"sometimes\" or \"always\"");
            ee.verdict = c.str(x["verdict"], "$.expect.explore.verdict");
            if (ee.verdict != "never" && ee.verdict != "sometimes" && ee.verdict != "always")
                c.fail("$.expect.explore.verdict", fmt::format("expected \"never\", \"sometimes\" or \"always\" (how "
                                                               "many executions have a violation), found \"{}\"",
                                                               ee.verdict));
            if (!x.contains("violations")) c.fail("$.expect.explore", "expected \"violations\": the kinds some execution has ([] for none)");
            ee.violations = violation_set(c, x["violations"], "$.expect.explore.violations");
            if ((ee.verdict == "never") != ee.violations.empty())
                c.fail("$.expect.explore.violations", ee.verdict == "never"
                                                          ? "expected [] with \"verdict\": \"never\""
                                                          : "expected the violation kinds some execution has");
            if (x.contains("outcomes")) {
                const json& n = x["outcomes"];
                if (!n.is_number_unsigned() || n.get<std::uint64_t>() == 0 || n.get<std::uint64_t>() > 1000000)
                    c.fail("$.expect.explore.outcomes", "expected a number of distinct outcomes, 1 to 1000000, found " + describe(n));
                ee.outcomes = n.get<std::size_t>();
            }
            if (x.contains("observation")) {
                const std::string ow = "$.expect.explore.observation";
                std::string v = c.str(x["observation"], ow);
                if (v != "never" && v != "sometimes" && v != "always")
                    c.fail(ow, fmt::format("expected \"never\", \"sometimes\" or \"always\" (how many executions "
                                           "match the run expectations), found \"{}\"",
                                           v));
                if (!s.expect.present)
                    c.fail(ow, "expected run expectations to observe (\"final\", \"returns\", \"reads\" or "
                               "\"violations\")");
                ee.observation = v;
            }
            if (x.contains("slow")) {
                if (!x["slow"].is_boolean()) c.fail("$.expect.explore.slow", "expected a boolean, found " + describe(x["slow"]));
                ee.slow = x["slow"].get<bool>();
            }
            s.expect.explore = ee;
        }
        if (e.contains("infeasible")) {
            if (!e["infeasible"].is_boolean())
                c.fail("$.expect.infeasible", "expected a boolean, found " + describe(e["infeasible"]));
            s.expect.infeasible = e["infeasible"].get<bool>();
            if (s.expect.infeasible && s.schedule.empty())
                c.fail("$.expect.infeasible", "expected a schedule to go with it: only a drawn order can be infeasible");
            for (const char* k : {"returns", "reads", "final"})
                if (s.expect.infeasible && e.contains(k))
                    c.fail(std::string("$.expect.") + k,
                           "unexpected with \"infeasible\": true (the run stops where the drawn order breaks; "
                           "only \"violations\", the drawn outcome, goes with it)");
        }
        if (e.contains("violations")) s.expect.violations = violation_set(c, e["violations"], "$.expect.violations");
        if (e.contains("returns")) {
            c.object(e["returns"], "$.expect.returns");
            for (auto it = e["returns"].begin(); it != e["returns"].end(); ++it) {
                std::string w = "$.expect.returns." + it.key();
                auto th = std::find_if(s.threads.begin(), s.threads.end(),
                                       [&](const ThreadSpec& t) { return t.cpu == it.key(); });
                if (th == s.threads.end()) c.fail(w, "unknown CPU: expected a thread's CPU name");
                c.array(it.value(), w);
                // An oops, a deadlock or the step limit stops a CPU inside an
                // op: its later ops never return (so a saved witness has fewer).
                bool stops_cpu = false;
                for (const char* k : {"kernel-bug", "deadlock", "step-limit", "internal-error"})
                    stops_cpu |= s.expect.violations && s.expect.violations->count(k) > 0;
                // "if", "repeat" and "for_each" decide at run time how many ops return.
                const bool dynamic = std::any_of(th->ops.begin(), th->ops.end(), [](const Op& o) { return o.flow.dynamic(); });
                if (!dynamic && (it.value().size() > th->ops.size() || (!stops_cpu && it.value().size() < th->ops.size())))
                    c.fail(w, fmt::format("expected {}{} results (one per op{}), found {}", stops_cpu ? "at most " : "",
                                          th->ops.size(), stops_cpu ? " that returned" : "", it.value().size()));
                std::vector<int> rs;
                for (std::size_t k = 0; k < it.value().size(); ++k) {
                    const json& r = it.value()[k];
                    std::string rw = fmt::format("{}[{}]", w, k);
                    // A value (a lab load's, kref_put's 1) is a number; an error is its name.
                    if (r.is_number_integer() && r.get<long>() >= 0 && r.get<long>() <= 2147483647L) {
                        rs.push_back(static_cast<int>(r.get<long>()));
                        continue;
                    }
                    auto v = r.is_string() ? core::parse_result(r.get<std::string>()) : std::nullopt;
                    if (!v)
                        c.fail(rw, "expected 0 (or another value an op returns) or an errno name such as \"-ESRCH\", "
                                   "found " + describe(r));
                    rs.push_back(*v);
                }
                s.expect.returns[it.key()] = rs;
            }
        }
        if (e.contains("reads")) {
            c.object(e["reads"], "$.expect.reads");
            for (auto it = e["reads"].begin(); it != e["reads"].end(); ++it) {
                std::string w = "$.expect.reads." + it.key();
                auto th = std::find_if(s.threads.begin(), s.threads.end(),
                                       [&](const ThreadSpec& t) { return t.cpu == it.key(); });
                if (th == s.threads.end()) c.fail(w, "unknown CPU: expected a thread's CPU name");
                c.array(it.value(), w);
                auto nreads = std::count_if(th->ops.begin(), th->ops.end(), [](const Op& o) { return o.op == "read"; });
                const bool dynamic = std::any_of(th->ops.begin(), th->ops.end(), [](const Op& o) {
                    return o.op == "read" && o.flow.dynamic();
                });
                if (!dynamic && static_cast<long>(it.value().size()) != nreads)
                    c.fail(w, fmt::format("expected {} texts (one per read op), found {}", nreads, it.value().size()));
                std::vector<std::vector<std::string>> texts;
                for (std::size_t k = 0; k < it.value().size(); ++k) {
                    const json& x = it.value()[k];
                    const std::string wk = fmt::format("{}[{}]", w, k);
                    if (!x.is_array()) {
                        texts.push_back({c.str(x, wk)});
                        continue;
                    }
                    if (x.empty() || x.size() > 16)
                        c.fail(wk, fmt::format("expected a text, or 1 to 16 texts any of which may be read; found {} "
                                               "texts",
                                               x.size()));
                    texts.emplace_back();
                    for (std::size_t a = 0; a < x.size(); ++a)
                        texts.back().push_back(c.str(x[a], fmt::format("{}[{}]", wk, a)));
                }
                s.expect.reads[it.key()] = texts;
            }
        }
        if (e.contains("final")) {
            c.object(e["final"], "$.expect.final");
            for (auto it = e["final"].begin(); it != e["final"].end(); ++it) {
                std::string w = "$.expect.final." + it.key();
                c.object(it.value(), w);
                for (auto kv = it.value().begin(); kv != it.value().end(); ++kv) {
                    std::string kw = w + "." + kv.key();
                    // A task's state: "/proc/PID" (containers-v7, as cpuset shows it).
                    const bool proc = !known.lab_objects && it.key().rfind("/proc/", 0) == 0;
                    static const std::vector<std::string> container_keys{"count", "tasks", "refcount", "freed", "gone",
                                                                         "s_active", "number_of_containers"};
                    static const std::vector<std::string> task_keys{"cpus_allowed", "mems_allowed"};
                    std::vector<std::string> keys = known.lab_objects ? lab_final_keys_of(c, it.key(), w, *known.lab_objects)
                                                    : proc            ? task_keys
                                                                      : container_keys;
                    // "refcnt.<subsystem>" (a css refcnt) and each subsystem's own values.
                    std::set<std::string> text_keys(task_keys.begin(), task_keys.end());
                    if (!known.lab_objects && !proc)
                        for (const auto& ss : known.subsystems) {
                            keys.push_back("refcnt." + ss);
                            for (const auto& [key, text] : subsystem_final_keys(ss)) {
                                keys.push_back(key);
                                if (text) text_keys.insert(key);
                            }
                        }
                    if (std::find(keys.begin(), keys.end(), kv.key()) == keys.end())
                        c.fail(kw, fmt::format("unknown key; {}{}", expected_one_of(kv.key(), keys),
                                               known.lab_objects ? " (kernel lab)"
                                               : proc            ? " (a task, /proc/PID)"
                                                                 : ""));
                    auto pids = [](const json& a) {
                        return a.is_array() && std::all_of(a.begin(), a.end(), [](const json& x) {
                                   return x.is_number_integer();
                               });
                    };
                    const bool boolean = kv.key() == "freed" || kv.key() == "gone";
                    const bool text = text_keys.count(kv.key()) != 0;
                    if (boolean ? !kv.value().is_boolean()
                        : text ? !kv.value().is_string()
                        : kv.key() == "tasks" ? !pids(kv.value())
                                              : !kv.value().is_number_integer())
                        c.fail(kw, std::string("expected ") +
                                       (boolean ? "a boolean"
                                        : text  ? "a text such as \"0-1\" (a cpu or node list)"
                                        : kv.key() == "tasks" ? "an array of pids"
                                                              : "an integer") +
                                       ", found " + describe(kv.value()));
                    s.expect.final.push_back({it.key(), kv.key(), kv.value(), kw});
                }
            }
        }
    }
    s.warnings = std::move(known.warnings);
    s.hotplug = known.hotplug;
    return s;
}

Scenario parse_scenario_text(const std::string& text, const std::string& file, const Overrides& o) {
    Scenario sc = parse_scenario(parse_input_json(text, file), file, o);
    sc.source_text = text;
    return sc;
}

Scenario load_scenario(const std::string& file, const Overrides& o) {
    return parse_scenario_text(read_input_file(file), file, o);
}

}  // namespace app
