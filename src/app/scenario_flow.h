// Format v2's data flow, as the parser reads it from an op: "as" (a name),
// "if", "repeat", "for_each", integer fields written as expressions and text
// fields with ${...} parts (docs/scenario-format.md, "Results and conditions").
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "app/expr.h"
#include "app/scenario.h"
#include "app/scenario_ctx.h"

namespace app::scenario_parse {

// Reads the op's v2 keys into `flow` and replaces each expression field of
// `j` by a placeholder the op's v1 checks accept (the op's own checks then
// skip what only the run can know). `op` is the op's name.
void parse_flow(const Ctx& c, json& j, const std::string& where, bool in_setup, const std::string& op,
                const expr::Scope& scope, OpFlow& flow);
// After the op: its "as" name is bound for the ops after it, with what the op
// gives (a text: .text and .pids; a pointer's target; a control file's fd).
void bind_flow(const OpFlow& flow, const expr::NameInfo& bound, expr::Scope& scope);

}  // namespace app::scenario_parse
