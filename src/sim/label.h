// A yield point's stable identity: "function:point" plus the C line it mirrors.
// Labels are static tables (one per kernel); a yield point carries a pointer to
// one, so the hot path never builds strings.
#pragma once

namespace sim {

struct Label {
    const char* name;    // "attach_task:read_oldcont"
    const char* c_line;  // "oldcont = tsk->container;"
};

}  // namespace sim
