#!/usr/bin/env bash
# THE "try it" command (README): set up a fresh machine, build, start a local DVID on loopback, and
# run the pipeline's workflows on the embedded example, each through launchflow as a user would.
#   scripts/run-example.sh [--keep-dvid] [-n RANKS]
# Results land in $EXAMPLE_DIR (default ./example-run); DVID listens on 127.0.0.1:$DFLOW_EXAMPLE_PORT
# (default 8000) while the example runs, and afterwards if --keep-dvid is given.
source "$(dirname "$0")/common.sh"
keep=0; ranks=2
while (($#)); do
  case "$1" in
    --keep-dvid) keep=1; shift;;
    -n) ranks="$2"; shift 2;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    *) die "unknown option $1 (see --help)";;
  esac
done
EXAMPLE_DIR="${EXAMPLE_DIR:-$DFLOW_ROOT/example-run}"
PORT="${DFLOW_EXAMPLE_PORT:-8000}"
bash "$DFLOW_ROOT/scripts/setup.sh"
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

say "done in $(( $(date +%s) - start )) s. Results:"
say "  example data:        $EXAMPLE_DIR/example-data (example.n5, mapping.csv, edges.csv)"
say "  survey:              $survey/survey.json, block-statistics.csv, output.log"
if ((keep)); then say "  DVID (still running): http://$SERVER  (stop: scripts/dvid-server.sh stop $EXAMPLE_DIR/dvid)"; fi
