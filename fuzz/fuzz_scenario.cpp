// libFuzzer entry point (clang -fsanitize=fuzzer): scripts/fuzz.sh builds and runs it.
#include <cstddef>
#include <cstdint>

#include "app/fuzz_one.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    app::fuzz_one(data, size);
    return 0;
}
