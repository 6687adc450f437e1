// How each kernel declares its yield-point labels: one X-macro table per
// kernel, X(function, point, "C line"), expanded into
//   namespace lbl::function { inline constexpr sim::Label point{...}; }
// so code reads `mutex_lock(callback_mutex, yp::lock_callback_mutex)` after
// `namespace yp = lbl::attach_task;`, and into a list for `contsim labels`.
#pragma once
#include "sim/label.h"

#define CONTSIM_DEFINE_LABEL(fn, pt, cline) \
    namespace fn {                          \
    inline constexpr sim::Label pt{#fn ":" #pt, cline}; \
    }
#define CONTSIM_LIST_LABEL(fn, pt, cline) &fn::pt,
