#!/usr/bin/env bash
# Step 4: load the agglomeration (supervoxel -> body mapping) with its body label indexes, between
# the commits the setup we replace makes:
#   1. commit the supervoxel node DVID_UUID   "Ingested supervoxels"
#   2. open a child version and post there, with ingest-label-indexes --operation both, the body
#      LabelIndices (tombstones for merged-away supervoxels) and the MappingOps
#   3. commit the child                       "Ingested agglomeration mapping/indexes"
#   4. open the version proofreaders work in  "Open for proofreading"
# Commits and versions go through dvid-setup (commit, new-version).
#
#   DVID_SERVER=http://127.0.0.1:8000 DVID_UUID=<supervoxel node> [DVID_INSTANCE=segmentation] \
#     [DVID_BRANCH=name] ingest-agglo-indices.sh EXEC_DIR [MAPPING] [more ingest-label-indexes options]
#
# EXEC_DIR      execution directory of the supervoxel ingestion (03a; holds block-statistics.h5)
# MAPPING       sv,body CSV or .npy (default EXEC_DIR/mapping.csv; `make-example --output DIR`
#               writes the example's to DIR/mapping.csv)
#
# The uuids go to EXEC_DIR/agglo-uuid (the agglomerated, committed node) and
# EXEC_DIR/proofreading-uuid (the open node), and are printed. Running the script again (e.g. after
# an interruption) reuses the child and resumes: mapping batches already posted are never posted
# twice; once proofreading-uuid exists there is nothing left to do. Programs are taken from
# DFLOW_BIN_DIR, else PATH.
#
# A second labelmap of the same supervoxel node: DVID allows one child per node on its branch, so
# when DVID_UUID has its child already, that child is used if it is still open (both agglomerations
# go there); if it is committed the script stops and says so: set DVID_BRANCH=name to put this
# agglomeration (and its proofreading node) on a branch of its own.
set -euo pipefail
me=ingest-agglo-indices.sh
exec_dir="${1:?usage: ingest-agglo-indices.sh EXEC_DIR [MAPPING] [options] (set DVID_SERVER and DVID_UUID)}"; shift
mapping="$exec_dir/mapping.csv"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then mapping="$1"; shift; fi
: "${DVID_SERVER:?set DVID_SERVER, e.g. http://127.0.0.1:8000}"
: "${DVID_UUID:?set DVID_UUID to the node the supervoxels were ingested into}"
instance="${DVID_INSTANCE:-segmentation}"
bin="${DFLOW_BIN_DIR:+$DFLOW_BIN_DIR/}"
stats="$exec_dir/block-statistics.h5"
[ -f "$stats" ] || { echo "$me: $stats not found (run the supervoxel ingestion first)" >&2; exit 1; }
[ -f "$mapping" ] || { echo "$me: mapping $mapping not found" >&2; exit 1; }
server="${DVID_SERVER%/}"; case "$server" in *://*) ;; *) server="http://$server";; esac
setup() { "${bin}dvid-setup" "$1" --server "$server" "${@:2}"; }

if [ -s "$exec_dir/proofreading-uuid" ]; then
  echo "$me: already done: agglomeration in $(cat "$exec_dir/agglo-uuid"), open for proofreading: $(cat "$exec_dir/proofreading-uuid")"
  exit 0
fi
child_file="$exec_dir/agglo-uuid"
if [ -s "$child_file" ]; then
  child="$(cat "$child_file")"
  echo "$me: resuming on child version $child (from $child_file)"
else
  setup commit --uuid "$DVID_UUID" --note "Ingested supervoxels" >/dev/null
  child="$(setup new-version --uuid "$DVID_UUID" --note "Agglomeration" ${DVID_BRANCH:+--branch "$DVID_BRANCH"} \
    --if-child-exists reuse)"
  echo "$child" > "$child_file"
  echo "$me: committed $DVID_UUID (\"Ingested supervoxels\"); agglomeration goes to child version $child"
fi

"${bin}ingest-label-indexes" --server "$server" --uuid "$child" --instance "$instance" --stats "$stats" \
  --mapping "$mapping" --operation both --work-dir "$exec_dir" "$@"
setup commit --uuid "$child" --note "Ingested agglomeration mapping/indexes" >/dev/null
proof="$(setup new-version --uuid "$child" --note "Open for proofreading" --if-child-exists reuse)"
echo "$proof" > "$exec_dir/proofreading-uuid"
echo "$me: agglomerated segmentation in committed node $child (\"Ingested agglomeration mapping/indexes\");"
echo "$me: open for proofreading: $server/api/node/$proof/$instance"
