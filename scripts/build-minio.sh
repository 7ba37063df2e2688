#!/usr/bin/env bash
# Builds the MinIO S3 server from the Go module proxy, pinned to $MINIO_VERSION, and caches the
# binary in $DFLOW_CACHE. The tests serve neuroglancer precomputed volumes from it on loopback so
# DVID's ngprecomputed store (which only opens gs:// and s3:// references) can proxy them, and
# export to it (tests/buckets).
# MinIO has no semver tags the proxy understands; the pin is a pseudo-version of its master branch.
source "$(dirname "$0")/common.sh"
bash "$DFLOW_ROOT/scripts/build-go-tool.sh" MinIO github.com/minio/minio "$MINIO_VERSION" "$MINIO_HOME"
