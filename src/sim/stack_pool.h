// Fiber stacks, recycled: a fresh malloc'ed stack per fiber costs microseconds
// under ASan, and guard-page stacks ~80 us each.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/context/stack_context.hpp>

namespace sim {

class StackPool {
public:
    explicit StackPool(std::size_t size);
    ~StackPool();
    boost::context::stack_context allocate();
    void deallocate(boost::context::stack_context& sc);

private:
    std::size_t size_;
    std::vector<void*> free_;
};

// The allocator handed to boost::fibers::fiber: a thin handle on a pool.
struct PooledStack {
    StackPool* pool;
    boost::context::stack_context allocate() { return pool->allocate(); }
    void deallocate(boost::context::stack_context& sc) { pool->deallocate(sc); }
};

}  // namespace sim
