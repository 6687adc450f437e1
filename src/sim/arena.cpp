#include "sim/arena.h"

#include "sim/region.h"

namespace sim {

namespace {
constexpr std::size_t kInitial = 256 * 1024;
// In a snapshot region (sim/region.h) every byte up to the bump pointer is
// copied back before each execution: start small, the buffer grows from the
// region as objects are created (the model's set-up kmallocs a few KiB).
constexpr std::size_t kInitialInRegion = 8 * 1024;
}  // namespace

Arena::Arena() : Arena(region::active() ? kInitialInRegion : kInitial) {}

Arena::Arena(std::size_t initial)
    : initial_size_(initial), initial_(new std::byte[initial]), mem_(initial_.get(), initial) {
    objects_.reserve(256);
}

Arena::~Arena() {
    for (auto it = objects_.rbegin(); it != objects_.rend(); ++it) (*it)->~Object();
}

}  // namespace sim
