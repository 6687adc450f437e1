// css_get(), css_get_current(), css_put(): the static inlines of
// include/linux/container.h (V7 3/7).
#include <cerrno>

#include "core/v7/container.h"
#include "core/v7/labels.h"

namespace core::v7 {

using namespace sim;

int css_get(container_subsys_state* css) {
    namespace yp = lbl::css_get;
    int retval = 0;
    /* Synchronize with container_rmdir() */
    spin_lock(css->refcnt_lock, yp::spin_lock_refcnt);
    if (atomic_read(css->refcnt, yp::read_refcnt) >= 0) {
        /* Container is still alive */
        atomic_inc(css->refcnt, yp::inc_refcnt);
    } else {
        /* Container removal is in progress */
        retval = -EINVAL;
    }
    spin_unlock(css->refcnt_lock, yp::spin_unlock_refcnt);
    return retval;
}

void css_get_current(container_subsys_state* css) { atomic_inc(css->refcnt, lbl::css_get_current::inc_refcnt); }

void css_put(container_subsys_state* css) { atomic_dec(css->refcnt, lbl::css_put::dec_refcnt); }

}  // namespace core::v7
