#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

// The text report fits COLUMNS and colours a terminal: the tests (and the
// contsim binaries they start) see the natural layout whatever the shell set.
int main(int argc, char* argv[]) {
    ::unsetenv("COLUMNS");
    ::unsetenv("NO_COLOR");
    return Catch::Session().run(argc, argv);
}
