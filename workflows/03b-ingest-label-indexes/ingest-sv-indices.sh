#!/usr/bin/env bash
# Label indexes for the supervoxels alone (no agglomeration): every supervoxel is its own body.
#
# Run after the supervoxel ingestion stage (03), which leaves block-statistics.h5 in its execution
# directory; the indexes go to the node the supervoxels were ingested into (uncommitted).
#
#   DVID_SERVER=http://127.0.0.1:8000 DVID_UUID=<uuid> [DVID_INSTANCE=segmentation] \
#     ingest-sv-indices.sh EXEC_DIR [more ingest-label-indexes options, e.g. --threads 8]
#
# Reads EXEC_DIR/block-statistics.h5; the progress file (for resuming an interrupted run: just run
# the script again) and, for tables larger than --memory-budget, the temporary sort runs go to
# EXEC_DIR. The program is taken from DFLOW_BIN_DIR if set, else from PATH.
set -euo pipefail
exec_dir="${1:?usage: ingest-sv-indices.sh EXEC_DIR [options] (set DVID_SERVER and DVID_UUID)}"; shift
: "${DVID_SERVER:?set DVID_SERVER, e.g. http://127.0.0.1:8000}"
: "${DVID_UUID:?set DVID_UUID to the node the supervoxels were ingested into}"
instance="${DVID_INSTANCE:-segmentation}"
prog="${DFLOW_BIN_DIR:+$DFLOW_BIN_DIR/}ingest-label-indexes"
stats="$exec_dir/block-statistics.h5"
[ -f "$stats" ] || { echo "ingest-sv-indices.sh: $stats not found (run the supervoxel ingestion first)" >&2; exit 1; }

exec "$prog" --server "$DVID_SERVER" --uuid "$DVID_UUID" --instance "$instance" \
  --stats "$stats" --operation indexes --work-dir "$exec_dir" "$@"
