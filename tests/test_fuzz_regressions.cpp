// Every input the fuzz harness (scripts/fuzz.sh) or a user found to crash
// contsim, kept in fuzz/regressions/ and replayed through the harness's own
// entry point: each must end as a run (0) or as bad input (2), never as an
// exception, and under `make sanitize` never as an ASan/UBSan report.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "app/fuzz_one.h"

namespace fs = std::filesystem;

namespace {
std::vector<fs::path> regression_inputs() {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(fs::path(CONTSIM_SOURCE_DIR) / "fuzz" / "regressions"))
        if (e.is_regular_file()) v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v;
}

int replay(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string s = ss.str();
    return app::fuzz_one(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
}  // namespace

TEST_CASE("fuzz regressions: every kept input runs or is refused, never crashes", "[fuzz]") {
    // What each named input must give (the rest: 0 or 2).
    const std::map<std::string, int> known = {
        {"module-param-long-min.json", 0},  // ran: simple_strtol wraps as the kernel's does
        {"deep-nesting.json", 2},           // refused before the parser recurses
        {"huge-number.json", 2},            // 1e999: refused, not an uncaught out_of_range
    };
    const auto inputs = regression_inputs();
    REQUIRE(inputs.size() >= known.size());
    for (const auto& p : inputs) {
        INFO(p.filename().string());
        int rc = -1;
        REQUIRE_NOTHROW(rc = replay(p));
        if (auto it = known.find(p.filename().string()); it != known.end())
            CHECK(rc == it->second);
        else
            CHECK((rc == 0 || rc == 2));
    }
}
