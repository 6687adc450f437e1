// The malformed format-v2 corpus (tests/malformed-v2/): `contsim check` on
// each NAME.json exits 2 with exactly NAME.err on stderr -- the file, the JSON
// path of the one thing broken, and what was expected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "cli_runner.h"

namespace fs = std::filesystem;

TEST_CASE("malformed v2: contsim check gives each file's exact error", "[bad-input][v2]") {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(CONTSIM_SOURCE_DIR) / "tests" / "malformed-v2"))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    CHECK(files.size() >= 30);
    for (const fs::path& f : files) {
        const std::string rel = "tests/malformed-v2/" + f.filename().string();
        INFO(rel);
        fs::path err = f;
        err.replace_extension(".err");
        REQUIRE(fs::exists(err));
        test_cli::Cli c = test_cli::contsim("check " + rel);
        CHECK(c.status == 2);
        CHECK(test_cli::without_sanitizer_notes(c.err) == test_cli::slurp(err));
        CHECK(c.out.empty());
    }
}
