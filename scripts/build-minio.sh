#!/usr/bin/env bash
# Builds the MinIO S3 server from the Go module proxy, pinned to $MINIO_VERSION, and caches the
# binary in $DFLOW_CACHE. The tests serve neuroglancer precomputed volumes from it on loopback so
# DVID's ngprecomputed store (which only opens gs:// and s3:// references) can proxy them.
# MinIO has no semver tags the proxy understands; the pin is a pseudo-version of its master branch.
source "$(dirname "$0")/common.sh"
stamp="$MINIO_HOME/stamp"
if [ -x "$MINIO_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$MINIO_VERSION" ]; then
  say "MinIO $MINIO_VERSION: cached at $MINIO_BIN"; exit 0
fi
command -v go >/dev/null || die "go is not installed; run scripts/install-deps.sh"
say "building MinIO $MINIO_VERSION from the Go module proxy (takes several minutes the first time)"
mkdir -p "$MINIO_HOME/bin"
log="$MINIO_HOME/build.log"
# CGO off: MinIO is pure Go; -trimpath keeps the binary independent of this machine's paths.
if ! (cd "$MINIO_HOME" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$MINIO_HOME/bin" \
        go install -trimpath "github.com/minio/minio@$MINIO_VERSION") >"$log" 2>&1; then
  tail -20 "$log" >&2; die "MinIO build failed (full log: $log)"
fi
[ -x "$MINIO_BIN" ] || die "go install succeeded but $MINIO_BIN is missing (log: $log)"
echo "$MINIO_VERSION" > "$stamp"
say "MinIO $MINIO_VERSION built: $MINIO_BIN"
