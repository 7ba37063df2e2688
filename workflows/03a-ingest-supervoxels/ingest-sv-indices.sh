#!/usr/bin/env bash
# Step 3a, second half: label indexes for the supervoxels alone (every supervoxel its own body), so
# the node just ingested by this template's workflow (launchflow 03a-ingest-supervoxels) can be
# browsed and queried before any agglomeration. The node stays open; 04-load-agglomeration commits
# it ("Ingested supervoxels") before loading the agglomeration into a child version.
#
#   DVID_SERVER=http://127.0.0.1:8000 DVID_UUID=<uuid> [DVID_INSTANCE=segmentation] \
#     ingest-sv-indices.sh EXEC_DIR [more ingest-label-indexes options, e.g. --threads 8]
#
# EXEC_DIR is the execution directory of the supervoxel ingestion (it holds block-statistics.h5);
# the progress file (for resuming an interrupted run: just run the script again) and, for tables
# larger than --memory-budget, the temporary sort runs go there too. The program is taken from
# DFLOW_BIN_DIR if set, else from PATH.
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
