// Runs one scenario op as format v2 says (docs/scenario-format.md, "Results
// and conditions"): its "if" at its start, then once, N times ("repeat") or
// once per element ("for_each"), each time with its expression fields
// computed from the thread's names; its result is bound under "as". A v1 op
// runs once, as written. Evaluating is not a step: the names are the
// thread's own, like registers.
#pragma once
#include <functional>
#include <string>

#include "app/expr.h"
#include "app/scenario.h"

namespace app {

// One time of an op: the kernel call. Returns 0 or -errno; a read (or a lab
// load) also sets `text`.
using OpCall = std::function<int(const Op& concrete, std::string& text)>;
// Each time's result, for the run's record (also a time whose computed path
// named nothing, and so made no call: -ENOENT).
using OpRecord = std::function<void(const Op& concrete, int result, const std::string& text)>;

// False when the op was an exit that ran: the thread's task is gone.
bool run_op(const Op& op, expr::Env& env, const OpCall& call, const OpRecord& record);

}  // namespace app
