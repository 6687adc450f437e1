#include "sim/arena.h"

namespace sim {

namespace {
constexpr std::size_t kInitial = 256 * 1024;
}

Arena::Arena() : initial_(new std::byte[kInitial]), mem_(initial_.get(), kInitial) {
    objects_.reserve(256);
}

Arena::~Arena() {
    for (auto it = objects_.rbegin(); it != objects_.rend(); ++it) (*it)->~Object();
}

}  // namespace sim
