#!/usr/bin/env bash
# The sanitizer step of the test command: builds the codecs, parsers, fuzz tests and the servers'
# request handling with AddressSanitizer + UndefinedBehaviorSanitizer (any report is fatal) into
# $BUILD_DIR-asan and runs the tests labelled `sanitize`. Run by scripts/test.sh after the main suite;
# needs what scripts/setup.sh installed. Extra arguments go to ctest.
source "$(dirname "$0")/common.sh"
ASAN_DIR="${BUILD_DIR}-asan"
venv="$(venv_dir)"
say "sanitizers: configuring $ASAN_DIR (ASan + UBSan)"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$DFLOW_ROOT" -B "$ASAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDFLOW_SANITIZE=ON "${launcher[@]}" \
  -DDFLOW_PYTHON="$venv/bin/python" -DDVID_BIN="$DVID_BIN" \
  -DDVID_TEST_DATA="$(cat "$DVID_HOME/module-dir")/test_data" >"$ASAN_DIR.configure.log" 2>&1 \
  || { tail -30 "$ASAN_DIR.configure.log" >&2; die "sanitizer configure failed (log: $ASAN_DIR.configure.log)"; }
say "sanitizers: building the sanitized tests"
cmake --build "$ASAN_DIR" -j"$(nproc)" --target sanitize_tests >"$ASAN_DIR.build.log" 2>&1 \
  || { grep -E -A5 "error|FAILED" "$ASAN_DIR.build.log" | head -60 >&2; die "sanitizer build failed (log: $ASAN_DIR.build.log)"; }
cd "$ASAN_DIR"
# detect_leaks: the tests run to completion, so a leak is a real one. halt_on_error: the first report fails the test.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
say "sanitizers: running the tests labelled sanitize"
ctest --output-on-failure --timeout 1200 -L sanitize "$@"
