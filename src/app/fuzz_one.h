// One fuzz input through the paths a user's file takes: parse and check the
// scenario, run it (the file's schedule, then a seeded random one) with a step
// bound, and render both reports. Bad input must end as InputError; anything
// else escaping (or a sanitizer report) is a contsim bug. Shared by the
// libFuzzer harness (fuzz/fuzz_scenario.cpp) and the regression test that
// replays every input the fuzzer ever found (tests/test_fuzz_regressions.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace app {

constexpr std::uint32_t kFuzzMaxSteps = 2000;

// 0: the scenario ran; 2: refused as bad input (InputError). Other exceptions propagate.
int fuzz_one(const std::uint8_t* data, std::size_t size);

}  // namespace app
