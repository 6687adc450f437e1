#include "sim/arena.h"

namespace sim {

Arena::Arena() : initial_(256 * 1024), mem_(initial_.data(), initial_.size()) {
    objects_.reserve(256);
}

Arena::~Arena() {
    for (auto it = objects_.rbegin(); it != objects_.rend(); ++it) (*it)->~Object();
}

}  // namespace sim
