// The kind of shared access a yield point performs. Exploration (partial-order
// reduction) needs (cell, access) to decide which steps commute.
#pragma once
#include <cstdint>

namespace sim {

enum class Access : std::uint8_t {
    read,
    write,
    rmw,
    acquire,
    release,
    alloc,
    free,
    rcu_lock,
    rcu_unlock,
    rcu_sync,
    rcu_call,  // call_rcu(): queues a callback and snapshots the readers it waits for
    rcu_assign,
    rcu_deref,
    // read_lock/read_unlock of an rwlock: shared holders commute with each
    // other, not with write_lock/write_unlock. Printed as acquire/release.
    acquire_shared,
    release_shared,
};

const char* access_name(Access a);

}  // namespace sim
