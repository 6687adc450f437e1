// Scenario format v1: the JSON contract (docs/scenario-format.md). Parsing
// validates everything that can be known before running, and every error names
// the file, the JSON path and what was expected.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/expr.h"
#include "core/kernel.h"
#include "core/lab/lab.h"
#include "sim/alloc_fail.h"
#include "sim/script_policy.h"

namespace app {

// Bad input: exit code 2.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Format v2's data flow on one op (docs/scenario-format.md, "Results and
// conditions"): all empty on a v1 op.
struct OpFlow {
    std::string bind;                                // "as": "g" -- the name the op's result gets
    expr::ExprPtr cond;                              // "if": run only when it is not 0
    expr::ExprPtr repeat;                            // "repeat": run this many times (at most 1000)
    expr::ExprPtr for_each;                          // "for_each": once per element, as `each` (`index`)
    std::map<std::string, expr::ExprPtr> ints;       // integer fields given as expressions ("pid")
    std::map<std::string, expr::Template> texts;     // "path", "value" with ${...} parts
    // The number of times the op runs is known only at run time.
    bool dynamic() const { return cond || repeat || for_each; }
    bool empty() const { return bind.empty() && !dynamic() && ints.empty() && texts.empty(); }
};

struct Op {
    std::string op;        // fork, exit, attach, mount, mkdir, rmdir, write, read, umount, remount, clone,
                           // unshare, open, close, tick, register_subsys, css_get, css_put, module_param,
                           // setuid, capability
    int pid = 0;           // fork/clone: the child's pid; attach: the pid written to tasks
    std::string name;      // fork/clone: the child's name (default "T<pid>")
    std::string path;      // mount point, directory or file
    std::string value;     // write
    std::vector<std::string> subsystems;  // mount/remount on containers-v7
    bool has_subsystems = false;          // remount: the option list was given
    unsigned long flags = 0;              // clone/unshare: CLONE_NEW* bits
    std::vector<std::string> flag_names;  // as written
    std::string file;                     // open/close: the file's name
    std::string subsystem;                // register_subsys, css_get, css_put
    std::string module, param;            // module_param (its value in `value`)
    unsigned long cputime = 1;            // tick
    int uid = 0, euid = 0, suid = 0;      // setuid
    int cap = 0;                          // capability: CAP_SYS_ADMIN
    bool cap_on = true;                   // capability: value
    bool lazy = false;                    // umount: MNT_DETACH (umount -l)
    // Kernel "lab": the object the op works on (or with `via`, the name of
    // a result whose text is a pointer's target), its value ("store",
    // "atomic_set"; a pointer store's target is in `value`), kmalloc's flags.
    std::string object;
    std::string via;
    // An open control file: read, write and close name it by the "as" of
    // its open ("handle"); the run puts that open's fd in `fd`.
    std::string handle;
    int fd = -1;
    long number = 0;
    bool pointer_value = false;  // `value` names the object a pointer store points to ("" is NULL)
    bool atomic_gfp = false;
    int hot = 0;           // cpu_down/cpu_up: the cpu; mem_online: the node
    int as = 1;            // setup: the task performing the op
    OpFlow flow;           // v2: "as" (a name), "if", "repeat", "for_each", expressions
    std::string where;     // "$.setup[3]"
};

struct ThreadSpec {
    std::string cpu;
    int task;
    std::vector<Op> ops;
};

struct FinalCheck {
    std::string target;   // a path or a group name
    std::string key;      // count, tasks, refcount, freed
    nlohmann::json value;
    std::string where;
};

// What an exhaustive search (`contsim explore`, DPOR) must conclude, as a
// litmus test states it: how often an execution has a violation, which kinds.
struct ExploreExpect {
    std::string verdict;                      // "never", "sometimes" or "always" (executions with a violation)
    std::set<std::string> violations;         // every kind some execution has, exactly
    std::optional<std::size_t> outcomes;      // the number of distinct outcomes, if stated
    // How often an execution matches the file's run expectations (herd7's
    // Observation: "never", "sometimes", "always"), if stated: a lost update
    // is a final value, not a violation.
    std::optional<std::string> observation;
    bool slow = false;                        // contsim test searches it only with --slow
};

struct Expect {
    bool present = false;  // run expectations (any key but "explore")
    // The schedule as drawn cannot happen (a CPU is asked to run while it
    // waits for a lock): `violations` then names the outcome the drawing
    // claims, which `run --nearest` looks for in the nearest feasible order.
    bool infeasible = false;
    std::optional<std::set<std::string>> violations;
    std::map<std::string, std::vector<int>> returns;  // cpu -> results
    // cpu -> for each read op, the texts it may return (one, or any of several:
    // a read racing with a writer may see either side).
    std::map<std::string, std::vector<std::vector<std::string>>> reads;
    std::vector<FinalCheck> final;
    std::optional<ExploreExpect> explore;
};

// "play": the scenario as a level of `contsim play` (docs/play.md).
struct PlayLevel {
    std::string goal;                              // what the student must make happen, in words
    std::optional<std::string> goal_violation;     // a finding of this kind
    std::string goal_names;                        // ... whose message names this ("CS1->count"; "" = any)
    std::map<std::string, std::vector<int>> goal_returns;  // cpu -> its first results
    std::vector<std::string> hints;
    unsigned par = 0;      // the fewest CPU switches that win
    std::string solution;  // a schedule token that wins with `par` switches (tests replay it)
};

struct Scenario {
    std::string file;
    // The file's exact text: explore reports embed it, so `merge`, `--resume`
    // and `--save` need no path (and notice a file edited between runs).
    std::string source_text;
    std::string name, title, source, kernel;
    std::set<core::Fix> fixes;
    std::vector<Op> setup;
    std::vector<ThreadSpec> threads;
    std::vector<sim::ScriptStep> schedule;
    Expect expect;
    std::map<std::string, bool> config;   // "config": CONFIG_<key> y/n
    std::set<std::string> modules;        // "config": CONFIG_<key> "m"
    std::vector<core::lab::ObjectSpec> objects;  // kernel "lab": "objects"
    int machine_cpus = 2, machine_mems = 1;      // "machine": the cpus and memory nodes online
    bool hotplug = false;                        // some op is cpu_down, cpu_up or mem_online
    std::vector<sim::AllocFailure> fail_alloc;
    std::optional<PlayLevel> play;
    // Legal but most likely a mistake ("FILE: $.path: what"): `check` and
    // `run` print them on stderr; they change no result or exit code.
    std::vector<std::string> warnings;
};

struct Overrides {
    std::optional<std::string> kernel;
    std::vector<std::string> fixes;  // added to the file's
};

// Throws InputError.
Scenario load_scenario(const std::string& file, const Overrides& o = {});
Scenario parse_scenario(const nlohmann::json& j, const std::string& file, const Overrides& o = {});
// A scenario from its text (as read from `file`, named in messages).
Scenario parse_scenario_text(const std::string& text, const std::string& file, const Overrides& o = {});

// "/dev//container/CS1/" -> "/dev/container/CS1".
std::string normalize_path(const std::string& p);

// Every violation kind a check can report.
const std::vector<std::string>& violation_kinds();

}  // namespace app
