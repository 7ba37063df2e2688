#!/usr/bin/env bash
# THE test command (README, .ci/run): set up a fresh machine, build, and run every test: unit and
# golden-file tests against zarr/tensorstore/h5py/tifffile/cloud-volume, MPI tests at 1, 2 and 4
# ranks, integration tests against a real DVID server that ctest starts and stops on loopback, and
# the sanitizer step (scripts/sanitize.sh).
# Extra arguments go to ctest (e.g. scripts/test.sh -R n5).
source "$(dirname "$0")/common.sh"
bash "$DFLOW_ROOT/scripts/setup.sh"
cd "$BUILD_DIR"
# Serial: the MPI tests already use both cores, and the DVID tests share one server.
ctest --output-on-failure --timeout 1200 "$@"
# The whole suite (no ctest arguments) also runs the sanitizer step: codecs, parsers, fuzz tests and
# the servers' request handling under ASan + UBSan, in their own build tree.
if (($# == 0)); then bash "$DFLOW_ROOT/scripts/sanitize.sh"; fi
