#!/usr/bin/env bash
# THE "try it" command (README): set up a fresh machine, build, start a local DVID on loopback, and
# run the pipeline's workflows on the embedded example, each through launchflow as a user would.
#   scripts/run-example.sh [--keep-dvid] [--no-setup] [-n RANKS]
# Results land in $EXAMPLE_DIR (default ./example-run); DVID listens on 127.0.0.1:$DFLOW_EXAMPLE_PORT
# (default 8000) while the example runs, and afterwards if --keep-dvid is given.
source "$(dirname "$0")/common.sh"
keep=0; ranks=2; setup=1
while (($#)); do
  case "$1" in
    --keep-dvid) keep=1; shift;;
    --no-setup) setup=0; shift;;   # already installed and built in $BUILD_DIR
    -n) ranks="$2"; shift 2;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    *) die "unknown option $1 (see --help)";;
  esac
done
EXAMPLE_DIR="${EXAMPLE_DIR:-$DFLOW_ROOT/example-run}"
PORT="${DFLOW_EXAMPLE_PORT:-8000}"
((setup)) && bash "$DFLOW_ROOT/scripts/setup.sh"
BIN="$BUILD_DIR/bin"
start=$(date +%s)

mkdir -p "$EXAMPLE_DIR"
if [ ! -f "$EXAMPLE_DIR/example-data/example.json" ]; then
  say "generating the embedded example in $EXAMPLE_DIR/example-data"
  "$BIN/make-example" --output "$EXAMPLE_DIR/example-data"
fi

bash "$DFLOW_ROOT/scripts/dvid-server.sh" start-fresh "$EXAMPLE_DIR/dvid" "$PORT"
stop_dvid() { ((keep)) || bash "$DFLOW_ROOT/scripts/dvid-server.sh" stop "$EXAMPLE_DIR/dvid"; }
trap stop_dvid EXIT
SERVER="127.0.0.1:$PORT"

# Copy a template next to the example data, point it at this DVID, and run it with launchflow.
# Prints the execution directory.
run_workflow() {
  local name="$1" n="$2"; shift 2
  rm -rf "$EXAMPLE_DIR/$name"
  cp -r "$DFLOW_ROOT/workflows/$name" "$EXAMPLE_DIR/$name"
  for kv in "$@"; do  # key=value: replace the value of every "key:" line in workflow.yaml
    sed -i "s|^\(\s*${kv%%=*}:\).*|\1 ${kv#*=}|" "$EXAMPLE_DIR/$name/workflow.yaml"
  done
  "$BIN/launchflow" -n "$n" "$EXAMPLE_DIR/$name" >&2 || die "$name failed: see $(ls -d "$EXAMPLE_DIR/$name"-2* | tail -1)/output.log"
  ls -d "$EXAMPLE_DIR/$name"-2* | tail -1
}

survey="$(run_workflow 00-survey "$ranks")"
gray="$(run_workflow 02-export-grayscale "$ranks")"

# Step 1: the repo and its instances (labelmap, uint8blk, keyvalue with tags, tarsupervoxels), a
# committed root and an open child version, through the dvid-setup workflow.
dvidsetup="$(run_workflow 01-dvid 1 "server=http://$SERVER")"
UUID="$(sed -n 's/.*"uuid": *"\([0-9a-f]*\)".*/\1/p' "$dvidsetup/dvid-setup.json" | tail -1)"
[ -n "$UUID" ] || die "dvid-setup wrote no working uuid (see $dvidsetup/output.log)"
say "DVID node for ingestion: $UUID"

# Step 3a: supervoxels with their pyramid and block statistics, verified, and their label indexes.
seg="$(run_workflow 03a-ingest-supervoxels "$ranks" "server=http://$SERVER" "uuid=$UUID")"
"$BIN/ingest-supervoxels" --config "$seg/full-workflow-config.yaml" --exec-dir "$seg" --verify >&2 \
  || die "verification of the supervoxel ingestion failed (see above)"
export DVID_SERVER="http://$SERVER" DVID_UUID="$UUID" DFLOW_BIN_DIR="$BIN"
bash "$DFLOW_ROOT/workflows/03a-ingest-supervoxels/ingest-sv-indices.sh" "$seg" >&2

# Step 4: commit "Ingested supervoxels", load the agglomeration into a child, commit it "Ingested
# agglomeration mapping/indexes", open the node for proofreading ("Open for proofreading").
bash "$DFLOW_ROOT/workflows/04-load-agglomeration/ingest-agglo-indices.sh" "$seg" "$EXAMPLE_DIR/example-data/mapping.csv" >&2
AGGLO_UUID="$(cat "$seg/agglo-uuid")"
PROOF_UUID="$(cat "$seg/proofreading-uuid")"

# Every stage's uuids and a neuroglancer view of the proofreading node (DVID's own data source).
layers="{\"type\":\"segmentation\",\"source\":\"dvid://http://$SERVER/$PROOF_UUID/segmentation\",\"name\":\"segmentation\"}"
NG_LINK="https://neuroglancer-demo.appspot.com/#!$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
  "{\"layers\":[$layers],\"layout\":\"4panel\"}")"
say "done in $(( $(date +%s) - start )) s. Results:"
say "  example data:        $EXAMPLE_DIR/example-data (example.n5, mapping.csv, edges.csv)"
say "  survey:              $survey/survey.json, block-statistics.csv, output.log"
say "  grayscale pyramid:   $gray/grayscale-precomputed (neuroglancer precomputed, jpeg)"
say "  supervoxels:         $seg (block-statistics.h5, ingest-supervoxels.json, output.log)"
say "  DVID setup:          $dvidsetup/dvid-setup.json (repo, instances, committed root, child)"
say "  DVID uuids:          $UUID  supervoxels + label indexes, committed \"Ingested supervoxels\""
say "                       $AGGLO_UUID  agglomeration, committed \"Ingested agglomeration mapping/indexes\""
say "                       $PROOF_UUID  open for proofreading"
say "  neuroglancer:        $NG_LINK"
if ((keep)); then say "  DVID (still running): http://$SERVER  (stop: scripts/dvid-server.sh stop $EXAMPLE_DIR/dvid)"; fi
