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
# 3b. One mesh per supervoxel into the tarsupervoxels instance, while the node is still open.
svmeshes="$(run_workflow 03b-sv-meshes "$ranks" "server=http://$SERVER" "uuid=$UUID")"

# Step 4: commit "Ingested supervoxels", load the agglomeration into a child, commit it "Ingested
# agglomeration mapping/indexes", open the node for proofreading ("Open for proofreading").
bash "$DFLOW_ROOT/workflows/04-load-agglomeration/ingest-agglo-indices.sh" "$seg" "$EXAMPLE_DIR/example-data/mapping.csv" >&2
AGGLO_UUID="$(cat "$seg/agglo-uuid")"
PROOF_UUID="$(cat "$seg/proofreading-uuid")"
# 4. One mesh per body for neuroglancer, from the supervoxel meshes, on the proofreading node (the
# agglomeration node is committed now); then count what DVID holds (GET /exists for every
# supervoxel, GET /keys of the body meshes).
bodymeshes="$(run_workflow 04-body-meshes "$ranks" "server=http://$SERVER" "uuid=$PROOF_UUID")"
svlist="$(tail -n +2 "$svmeshes/sv-meshes-supervoxels.csv" | cut -d, -f1 | paste -sd, -)"
held_sv="$(curl -sf -X GET --data-binary "[$svlist]" "http://$SERVER/api/node/$UUID/segmentation_sv_meshes/exists" | grep -o true | wc -l)"
held_body="$(curl -sf "http://$SERVER/api/node/$PROOF_UUID/segmentation_meshes/keys" | grep -o '\.ngmesh"' | wc -l)"

# Step 5: the cleave server (workflows/05-cleave-server) on the example's edges and mapping, asked one
# real cleave (two seeds in the largest body) as neu3 asks it; stopped at the end unless --keep-dvid.
CLEAVE_PORT="${DFLOW_CLEAVE_PORT:-5555}"
while (echo >"/dev/tcp/127.0.0.1/$CLEAVE_PORT") 2>/dev/null; do CLEAVE_PORT=$((CLEAVE_PORT + 1)); done  # in use: the next one
cleave="$EXAMPLE_DIR/05-cleave-server"
[ -f "$cleave/cleave-server.pid" ] && kill "$(cat "$cleave/cleave-server.pid")" 2>/dev/null || true
DVID_SERVER="http://$SERVER" DVID_UUID="$PROOF_UUID" CLEAVE_PORT="$CLEAVE_PORT" bash "$DFLOW_ROOT/workflows/05-cleave-server/launch_cleave_server.sh" \
  "$cleave" "$EXAMPLE_DIR/example-data/edges.csv" "$EXAMPLE_DIR/example-data/mapping.csv" --background >&2 || die "the cleave server did not start"
stop_cleave() { ((keep)) || kill "$(cat "$cleave/cleave-server.pid")" 2>/dev/null || true; }
trap 'stop_cleave; stop_dvid' EXIT
read -r cbody cfirst clast <<<"$(awk -F, 'NR > 1 { n[$2]++; if (!($2 in lo)) lo[$2] = $1; hi[$2] = $1 } END { for (b in n) print n[b], b, lo[b], hi[b] }' \
  "$EXAMPLE_DIR/example-data/mapping.csv" | sort -n | tail -1 | cut -d' ' -f2-)"
creq="{\"body-id\": $cbody, \"seeds\": {\"1\": [$cfirst], \"2\": [$clast]}, \"server\": \"127.0.0.1\", \"port\": $PORT, \"uuid\": \"$PROOF_UUID\", \"segmentation-instance\": \"segmentation\", \"user\": \"run-example\", \"request-number\": 1}"
creply="$(curl -sf -H 'Content-Type: application/json' -d "$creq" "http://127.0.0.1:$CLEAVE_PORT/compute-cleave")" || die "the cleave request failed (see $cleave/cleave-table.log)"
say "cleave of body $cbody (seeds $cfirst, $clast): ${creply:0:160}..."
say "cleave server: http://$(hostname -f 2>/dev/null || hostname):$CLEAVE_PORT (table and log in $cleave)$( ((keep)) || echo '; stopped at the end, --keep-dvid keeps it')"

# Every stage's uuids and a neuroglancer view of the proofreading node (DVID's own data source).
layers="{\"type\":\"segmentation\",\"source\":\"dvid://http://$SERVER/$PROOF_UUID/segmentation\",\"name\":\"segmentation\"}"
NG_LINK="https://neuroglancer-demo.appspot.com/#!$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
  "{\"layers\":[$layers],\"layout\":\"4panel\"}")"
say "done in $(( $(date +%s) - start )) s. Results:"
say "  example data:        $EXAMPLE_DIR/example-data (example.n5, mapping.csv, edges.csv)"
say "  survey:              $survey/survey.json, block-statistics.h5, output.log"
say "  grayscale pyramid:   $gray/grayscale-precomputed (neuroglancer precomputed, jpeg)"
say "  supervoxels:         $seg (block-statistics.h5, ingest-supervoxels.json, output.log)"
say "  DVID setup:          $dvidsetup/dvid-setup.json (repo, instances, committed root, child)"
say "  DVID uuids:          $UUID  supervoxels + label indexes, committed \"Ingested supervoxels\""
say "                       $AGGLO_UUID  agglomeration, committed \"Ingested agglomeration mapping/indexes\""
say "                       $PROOF_UUID  open for proofreading"
say "  neuroglancer:        $NG_LINK"
say "  meshes in DVID:      $held_sv of $(tail -n +2 "$svmeshes/sv-meshes-supervoxels.csv" | wc -l) supervoxel meshes (segmentation_sv_meshes; $svmeshes),"
say "                       $held_body body meshes <body>.ngmesh (segmentation_meshes at $PROOF_UUID; $bodymeshes)"
if ((keep)); then say "  DVID (still running): http://$SERVER  (stop: scripts/dvid-server.sh stop $EXAMPLE_DIR/dvid)"; fi
