#!/usr/bin/env bash
# scripts/dvid-server.sh renders DVID's config with `dvid-setup render-config` when it is built and
# with sed otherwise: both must write the same file, with and without an ngprecomputed store.
#   render_consistency.sh REPO_ROOT DVID_SETUP WORK_DIR
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
  for mode in sed "$setup"; do
    DFLOW_DVID_SETUP="$mode" DVID_NGPRECOMPUTED_REF="$ref" DVID_NGPRECOMPUTED_INSTANCE="$inst" DVID_NGPRECOMPUTED_UUID="$uuid" \
      bash "$root/scripts/dvid-server.sh" render "$work/data dir" 18700 >/dev/null
    cp "$work/data dir/dvid-config.toml" "$work/$n-$(basename "$mode").toml"
  done
  if ! cmp -s "$work/$n-sed.toml" "$work/$n-$(basename "$setup").toml"; then
    echo "FAILED: sed and dvid-setup render differently for ref='$ref' instance='$inst' uuid='$uuid':"
    diff "$work/$n-sed.toml" "$work/$n-$(basename "$setup").toml" || true
    exit 1
  fi
  f="$work/$n-sed.toml"
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
# A value the TOML cannot hold is refused by both.
for mode in sed "$setup"; do
  if DFLOW_DVID_SETUP="$mode" DVID_NGPRECOMPUTED_REF='s3://b/"x' bash "$root/scripts/dvid-server.sh" render "$work/q" 18700 >/dev/null 2>&1; then
    echo "FAILED: $mode accepted a quote in the reference"; exit 1
  fi
done
echo "render_consistency: sed and dvid-setup render-config agree on $n configurations"
