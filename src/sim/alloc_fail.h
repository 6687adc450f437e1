// Allocation-failure injection: "the nth allocation at site S returns NULL".
// A site is the function part of an allocation's label ("find_container_group"
// for "find_container_group:kmalloc"); counts start when the injector is armed
// (the runner arms it after set-up), so set-up always allocates.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/label.h"

namespace sim {

struct AllocFailure {
    std::string site;   // function name of the allocating label
    std::uint32_t nth;  // 1-based: the nth allocation at that site fails
};

class AllocFailInjector {
public:
    void configure(std::vector<AllocFailure> f) { plan_ = std::move(f); }
    void arm(bool on) { armed_ = on; }
    // Counts this allocation at its site; true when the plan says it fails.
    bool should_fail(const Label& l);
    std::uint32_t failed() const { return failed_; }

private:
    std::vector<AllocFailure> plan_;
    std::map<std::string, std::uint32_t> seen_;
    bool armed_ = false;
    std::uint32_t failed_ = 0;
};

}  // namespace sim
