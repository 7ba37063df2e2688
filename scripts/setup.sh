#!/usr/bin/env bash
# Everything a fresh machine needs before building: Debian packages, the real DVID server (built from
# the Go module proxy, cached), and the Python reference readers (venv, cached). Then configures and
# builds the project in $BUILD_DIR (default ./build).
source "$(dirname "$0")/common.sh"
bash "$DFLOW_ROOT/scripts/install-deps.sh"
bash "$DFLOW_ROOT/scripts/build-dvid.sh"
bash "$DFLOW_ROOT/scripts/setup-python.sh"
bash "$DFLOW_ROOT/scripts/build-minio.sh"
bash "$DFLOW_ROOT/scripts/build-fake-gcs.sh"
bash "$DFLOW_ROOT/scripts/setup-node.sh"
venv="$(venv_dir)"
say "configuring $BUILD_DIR"
cmake -S "$DFLOW_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
  -DDFLOW_PYTHON="$venv/bin/python" -DDVID_BIN="$DVID_BIN" \
  -DDVID_TEST_DATA="$(cat "$DVID_HOME/module-dir")/test_data" >"$BUILD_DIR.configure.log" 2>&1 \
  || { tail -30 "$BUILD_DIR.configure.log" >&2; die "cmake configure failed (log: $BUILD_DIR.configure.log)"; }
say "building (this takes a few minutes the first time)"
cmake --build "$BUILD_DIR" -j"$(nproc)" >"$BUILD_DIR.build.log" 2>&1 \
  || { grep -E -A5 "error|FAILED" "$BUILD_DIR.build.log" | head -60 >&2; die "build failed (log: $BUILD_DIR.build.log)"; }
say "built: $BUILD_DIR/bin"
