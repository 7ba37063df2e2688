#!/usr/bin/env bash
# scripts/dvid-server.sh renders DVID's config through `dvid-setup render-config` (the one renderer):
# the file has the addresses, paths and ngprecomputed store asked for, no placeholder left, and a value
# the TOML cannot hold is refused.
#   render_config.sh REPO_ROOT DVID_SETUP WORK_DIR
set -euo pipefail
root="$1"; setup="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work"
# ref, instance, uuid; '&' and '|' are special to sed, spaces to the shell.
refs=("" "s3://b?region=us-east-1&s3ForcePathStyle=true&endpoint=http:%2F%2F127.0.0.1:9000/" "s3://bucket/a|b/" "gs://bucket/em/jpeg")
insts=("" grayscale grayscale "")
uuids=("" "" 0123456789abcdef0123456789abcdef "")
n=0
for i in "${!refs[@]}"; do
  ref="${refs[$i]}"; inst="${insts[$i]}"; uuid="${uuids[$i]}"
  DFLOW_DVID_SETUP="$setup" DVID_NGPRECOMPUTED_REF="$ref" DVID_NGPRECOMPUTED_INSTANCE="$inst" DVID_NGPRECOMPUTED_UUID="$uuid" \
    bash "$root/scripts/dvid-server.sh" render "$work/data dir" 18700 >/dev/null
  f="$work/$n.toml"
  cp "$work/data dir/dvid-config.toml" "$f"
  grep -q '^httpAddress = "127.0.0.1:18700"$' "$f" && grep -q "^rpcAddress  = \"127.0.0.1:18701\"$" "$f" \
    && grep -q "path   = \"$work/data dir/badger\"" "$f" || { echo "FAILED: $f lacks the addresses or paths"; cat "$f"; exit 1; }
  if grep -qE '@[A-Z_]+@|#@' "$f"; then echo "FAILED: placeholder or marker left in $f"; grep -nE '@[A-Z_]+@' "$f"; exit 1; fi
  if [ -n "$ref" ]; then
    grep -qF "ref      = \"$ref\"" "$f" || { echo "FAILED: $f lacks ref $ref"; cat "$f"; exit 1; }
  elif grep -q 'engine *= "ngprecomputed"' "$f"; then echo "FAILED: $f has an ngprecomputed store without a ref"; exit 1; fi
  [ -n "$inst" ] || ! grep -q '^    instance' "$f" || { echo "FAILED: empty instance line kept in $f"; exit 1; }
  [ -n "$uuid" ] || ! grep -q '^    uuid' "$f" || { echo "FAILED: empty uuid line kept in $f"; exit 1; }
  n=$((n + 1))
done
# A value the TOML cannot hold is refused.
if DFLOW_DVID_SETUP="$setup" DVID_NGPRECOMPUTED_REF='s3://b/"x' bash "$root/scripts/dvid-server.sh" render "$work/q" 18700 >/dev/null 2>&1; then
  echo "FAILED: a quote in the reference was accepted"; exit 1
fi
echo "render_config: dvid-server.sh rendered $n configurations through dvid-setup render-config"
