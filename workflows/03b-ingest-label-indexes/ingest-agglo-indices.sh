#!/usr/bin/env bash
# Agglomeration: body label indexes (with tombstones for merged-away supervoxels) and the
# supervoxel -> body mapping, posted together (--operation both) on a CHILD version of the
# supervoxel node. DVID keeps mappings per version and, by convention, the supervoxel node is
# committed first so the unagglomerated state stays readable; this script commits DVID_UUID if it is
# still open, creates a child (POST /newversion), and ingests into the child.
#
#   DVID_SERVER=http://127.0.0.1:8000 DVID_UUID=<supervoxel node> [DVID_INSTANCE=segmentation] \
#     ingest-agglo-indices.sh EXEC_DIR [MAPPING] [more ingest-label-indexes options]
#
# EXEC_DIR      execution directory of the supervoxel ingestion (holds block-statistics.h5)
# MAPPING       sv,body CSV or .npy (default EXEC_DIR/mapping.csv; the example's mapping.csv is
#               written by `make-example --output DIR` to DIR/mapping.csv)
#
# The child's UUID is printed and kept in EXEC_DIR/agglo-uuid; running the script again (e.g. after
# an interruption) reuses that child and resumes: mapping batches already posted are never posted
# twice (see the progress file in EXEC_DIR). The program is taken from DFLOW_BIN_DIR, else PATH.
set -euo pipefail
exec_dir="${1:?usage: ingest-agglo-indices.sh EXEC_DIR [MAPPING] [options] (set DVID_SERVER and DVID_UUID)}"; shift
mapping="$exec_dir/mapping.csv"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then mapping="$1"; shift; fi
: "${DVID_SERVER:?set DVID_SERVER, e.g. http://127.0.0.1:8000}"
: "${DVID_UUID:?set DVID_UUID to the node the supervoxels were ingested into}"
instance="${DVID_INSTANCE:-segmentation}"
prog="${DFLOW_BIN_DIR:+$DFLOW_BIN_DIR/}ingest-label-indexes"
stats="$exec_dir/block-statistics.h5"
[ -f "$stats" ] || { echo "ingest-agglo-indices.sh: $stats not found (run the supervoxel ingestion first)" >&2; exit 1; }
[ -f "$mapping" ] || { echo "ingest-agglo-indices.sh: mapping $mapping not found" >&2; exit 1; }
server="${DVID_SERVER%/}"; case "$server" in *://*) ;; *) server="http://$server";; esac

child_file="$exec_dir/agglo-uuid"
if [ -s "$child_file" ]; then
  child="$(cat "$child_file")"
  echo "ingest-agglo-indices.sh: resuming on child version $child (from $child_file)"
else
  if ! curl -sf "$server/api/node/$DVID_UUID/status" | grep -q '"Locked": *true'; then
    curl -sf -X POST -d '{"note": "supervoxels and their label indexes"}' "$server/api/node/$DVID_UUID/commit" >/dev/null \
      || { echo "ingest-agglo-indices.sh: cannot commit $DVID_UUID" >&2; exit 1; }
  fi
  reply="$(curl -sf -X POST -d '{"note": "agglomeration"}' "$server/api/node/$DVID_UUID/newversion")" \
    || { echo "ingest-agglo-indices.sh: cannot create a child version of $DVID_UUID" >&2; exit 1; }
  child="$(printf '%s' "$reply" | sed -n 's/.*"child" *: *"\([0-9a-fA-F]*\)".*/\1/p')"
  [ -n "$child" ] || { echo "ingest-agglo-indices.sh: unexpected newversion reply: $reply" >&2; exit 1; }
  echo "$child" > "$child_file"
  echo "ingest-agglo-indices.sh: agglomeration goes to child version $child of $DVID_UUID"
fi

"$prog" --server "$server" --uuid "$child" --instance "$instance" --stats "$stats" \
  --mapping "$mapping" --operation both --work-dir "$exec_dir" "$@"
echo "ingest-agglo-indices.sh: agglomerated segmentation at $server/api/node/$child/$instance"
