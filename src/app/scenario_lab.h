// Kernel "lab" in a scenario: the "objects" it declares and its ops on them
// (docs/labs/README.md). Every error names the file, the JSON path and what
// was expected, as for the container kernels.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/expr.h"
#include "app/scenario.h"
#include "app/scenario_ctx.h"
#include "core/lab/lab.h"

namespace app::scenario_parse {

// "$.objects" of the whole file (`root`); an error on a kernel other than lab.
std::vector<core::lab::ObjectSpec> parse_lab_objects(const Ctx& c, const json& root, bool lab_kernel);
Op parse_lab_op(const Ctx& c, const json& j_in, const std::string& where, bool in_setup, expr::Scope& scope,
                const std::vector<core::lab::ObjectSpec>& objects);
// The keys expect.final.TARGET may have: by the object's type, or `freed` for
// a kmalloc'ed instance NAME(N); an unknown target or one with no value
// (a lock, a pointer) is an error at `where`.
std::vector<std::string> lab_final_keys_of(const Ctx& c, const std::string& target, const std::string& where,
                                           const std::vector<core::lab::ObjectSpec>& objects);

}  // namespace app::scenario_parse
