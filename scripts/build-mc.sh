#!/usr/bin/env bash
# The MinIO client (github.com/minio/mc), the bulk-copy peer of bench/bench_bucket_export.py, pinned
# (a pseudo-version: mc has no semver tags the proxy understands).
source "$(dirname "$0")/common.sh"
bash "$DFLOW_ROOT/scripts/build-go-tool.sh" "MinIO client" github.com/minio/mc "$MC_VERSION" "$MC_HOME"
