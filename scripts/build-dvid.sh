#!/usr/bin/env bash
# Builds the real DVID server from the Go module proxy, pinned to $DVID_VERSION, with the pure-Go
# badger store, and caches the binary in $DFLOW_CACHE. Prints nothing else on success but the path.
source "$(dirname "$0")/common.sh"
stamp="$DVID_HOME/stamp"
want="$DVID_VERSION $(sha256sum "$DFLOW_ROOT/scripts/dvid/zz_filelog_badger.go" | cut -c1-16)"
if [ -x "$DVID_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  say "DVID $DVID_VERSION: cached at $DVID_BIN"; exit 0
fi
command -v go >/dev/null || die "go is not installed; run scripts/install-deps.sh"
say "building DVID $DVID_VERSION from the Go module proxy (cgo, tags badger filestore ngprecomputed)"
mkdir -p "$DVID_HOME"
# 'go mod download' of the pinned version; the module cache also holds DVID's test_data/ fixtures.
json="$(cd "$DVID_HOME" && GOFLAGS=-mod=mod go mod download -json "github.com/janelia-flyem/dvid@$DVID_VERSION")" \
  || die "go mod download github.com/janelia-flyem/dvid@$DVID_VERSION failed: $json"
moddir="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$moddir" ] || die "go mod download gave no module directory: $json"
rm -rf "$DVID_HOME/src" && cp -r "$moddir" "$DVID_HOME/src" && chmod -R u+w "$DVID_HOME/src"
cp "$DFLOW_ROOT/scripts/dvid/zz_filelog_badger.go" "$DVID_HOME/src/datastore/"
log="$DVID_HOME/build.log"
if ! (cd "$DVID_HOME/src" && CGO_ENABLED=1 GOFLAGS=-mod=mod go build -tags "badger filestore ngprecomputed" \
        -o "$DVID_BIN" ./cmd/dvid) >"$log" 2>&1; then
  tail -20 "$log" >&2; die "DVID build failed (full log: $log)"
fi
echo "$moddir" > "$DVID_HOME/module-dir"
echo "$want" > "$stamp"
say "DVID $DVID_VERSION built: $DVID_BIN ($("$DVID_BIN" about | grep 'Storage engines' | tr -s ' '))"
