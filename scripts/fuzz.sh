#!/usr/bin/env bash
# Fuzzes the scenario loader and a bounded run (src/app/fuzz_one.cpp) with
# clang's libFuzzer under ASan+UBSan, seeded with the shipped corpus and every
# input kept in fuzz/regressions/. Not part of CI (it runs for a fixed time):
#   scripts/fuzz.sh [SECONDS]   (default 600)
# A crash is written to build-fuzz/crashes/; fix it, then copy the input into
# fuzz/regressions/ so tests/test_fuzz_regressions.cpp replays it forever.
# Each run appends one line to build-fuzz/fuzz-log.txt (seconds, executions, crashes).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
[[ $secs =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$secs'" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang++ (apt-get install clang)" >&2; exit 2; }
test -f build-fuzz/CMakeCache.txt ||
    CXX=clang++ CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONTSIM_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j"${JOBS:-2}" --target contsim_fuzz
mkdir -p build-fuzz/corpus build-fuzz/crashes
# Seeds: every shipped scenario and every regression input (libFuzzer dedups by content).
find scenarios -name "*.json" -exec cp -t build-fuzz/corpus {} +
cp fuzz/regressions/* build-fuzz/corpus/
export ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log=build-fuzz/last-run.txt
status=0
./build-fuzz/contsim_fuzz build-fuzz/corpus -dict=fuzz/scenario.dict -max_total_time="$secs" \
    -max_len=8192 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/crashes/ 2>"$log" || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
crashes=$(find build-fuzz/crashes -type f | wc -l)
echo "$(date -u +%FT%TZ) seconds=$secs executions=${execs:-?} exit=$status crash_files=$crashes" | tee -a build-fuzz/fuzz-log.txt
tail -n 20 "$log"
exit "$status"
