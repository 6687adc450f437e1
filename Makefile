# Thin wrapper over CMake so a fresh Debian 12 box goes from clone to green with
# one command. CMake owns the build; this file only sequences the steps.

JOBS ?= 2
# Extra CMake options at configure time (CI: -DCONTSIM_WERROR=ON).
CMAKE_ARGS ?=

# Boost.Fiber switches stacks under ASan's feet. ASan's fake stacks (for
# use-after-return detection) do not follow a context switch, so that check
# would report false positives: off. Leak checking is unaffected: stays on.
SAN_ENV = ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=1 \
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: deps configure contsim build demo test sanitize identity bench clean

deps:
	@scripts/install-deps.sh

# Configure only once: re-running cmake on every build would reset cache
# variables a developer set by hand (ccmake, -D...).
configure: deps
	@test -f build/CMakeCache.txt || cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)

# The command-line tool alone (what demo and a CI job replaying races need).
contsim: configure
	cmake --build build -j$(JOBS) --target contsim

# Everything: the tool, the tests and the benchmarks.
build: configure
	cmake --build build -j$(JOBS)

# Vaddagiri's second table as drawn: the tool shows it cannot happen (exit 0:
# the file expects that), then the nearest order that can, where CS1 goes to -1.
# --focus: the steps that matter, fitted to the terminal's width.
demo: contsim
	./build/contsim run scenarios/attach-exit/v7-1-cs1-negative.json --nearest --focus

test: build
	cd build && ctest --output-on-failure -j$(JOBS)

# A separate tree: sanitizer flags are global compile options, and Debug keeps
# frames and asserts for readable reports.
sanitize: deps
	@test -f build-asan/CMakeCache.txt || \
	  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCONTSIM_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build build-asan -j$(JOBS)
	cd build-asan && $(SAN_ENV) ctest --output-on-failure -j$(JOBS)

# The same outputs from a Debug (-O0) build as from the Release one (CI).
identity: contsim
	@test -f build-debug/CMakeCache.txt || \
	  cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=OFF $(CMAKE_ARGS)
	cmake --build build-debug -j$(JOBS) --target contsim
	python3 scripts/check-build-identity.py build/contsim build-debug/contsim

bench: build
	./build/contsim_bench

clean:
	rm -rf build build-asan build-debug build-fuzz
