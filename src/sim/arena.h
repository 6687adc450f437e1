// kmalloc's memory: objects are placed in a monotonic buffer and never reused
// within a machine's life, so a stale pointer still reads the freed object's
// last contents (as in the kernel without poisoning) while its header says it
// was freed, when and by whom.
#pragma once
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <new>
#include <utility>
#include <vector>

#include "sim/object.h"

namespace sim {

class Arena {
public:
    Arena();
    ~Arena();
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    template <class T, class... A>
    T* create(A&&... args) {
        void* p = mem_.allocate(sizeof(T), alignof(T));
        T* o = new (p) T(std::forward<A>(args)...);
        o->heap = true;
        objects_.push_back(o);
        return o;
    }
    // Every kmalloc'ed object, live or freed, in allocation order.
    const std::vector<Object*>& objects() const { return objects_; }

private:
    explicit Arena(std::size_t initial);
    std::size_t initial_size_;
    std::unique_ptr<std::byte[]> initial_;  // not zeroed: objects are constructed in place
    std::pmr::monotonic_buffer_resource mem_;
    std::vector<Object*> objects_;
};

}  // namespace sim
