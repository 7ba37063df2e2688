#!/usr/bin/env bash
# Builds one Go program from the Go module proxy, pinned, and caches it in $DFLOW_CACHE:
#   build-go-tool.sh NAME MODULE_PATH VERSION HOME_DIR
# installs MODULE_PATH@VERSION into HOME_DIR/bin (stamp HOME_DIR/stamp). Used for MinIO,
# fake-gcs-server and the MinIO client.
source "$(dirname "$0")/common.sh"
name="$1"; module="$2"; version="$3"; home="$4"
bin="$home/bin/$(basename "$module")"
stamp="$home/stamp"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  say "$name $version: cached at $bin"; exit 0
fi
command -v go >/dev/null || die "go is not installed; run scripts/install-deps.sh"
say "building $name $version from the Go module proxy (takes a few minutes the first time)"
mkdir -p "$home/bin"
log="$home/build.log"
# CGO off: these are pure Go; -trimpath keeps the binary independent of this machine's paths.
if ! (cd "$home" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$home/bin" \
        go install -trimpath "$module@$version") >"$log" 2>&1; then
  tail -20 "$log" >&2; die "$name build failed (full log: $log)"
fi
[ -x "$bin" ] || die "go install succeeded but $bin is missing (log: $log)"
echo "$version" > "$stamp"
say "$name $version built: $bin"
