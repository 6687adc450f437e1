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

#include "core/kernel.h"
#include "sim/script_policy.h"

namespace app {

// Bad input: exit code 2.
struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Op {
    std::string op;        // fork, exit, attach, mount, mkdir, rmdir, write
    int pid = 0;           // fork: the child's pid; attach: the pid written to tasks
    std::string name;      // fork: the child's name (default "T<pid>")
    std::string path;      // mount point, directory or file
    std::string value;     // write
    std::vector<std::string> subsystems;  // mount on containers-v7
    int as = 1;            // setup: the task performing the op
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

struct Expect {
    bool present = false;
    std::optional<std::set<std::string>> violations;
    std::map<std::string, std::vector<int>> returns;  // cpu -> results
    std::vector<FinalCheck> final;
};

struct Scenario {
    std::string file;
    std::string name, title, source, kernel;
    std::set<core::Fix> fixes;
    std::vector<Op> setup;
    std::vector<ThreadSpec> threads;
    std::vector<sim::ScriptStep> schedule;
    Expect expect;
};

struct Overrides {
    std::optional<std::string> kernel;
    std::vector<std::string> fixes;  // added to the file's
};

// Throws InputError.
Scenario load_scenario(const std::string& file, const Overrides& o = {});
Scenario parse_scenario(const nlohmann::json& j, const std::string& file, const Overrides& o = {});

// Every violation kind a check can report.
const std::vector<std::string>& violation_kinds();

}  // namespace app
