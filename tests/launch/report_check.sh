#!/usr/bin/env bash
# report.html checked in a real browser: a survey run stopped by SIGTERM mid-stage at 2 ranks and
# resumed at 3 gives two phase runs; check_report.cjs then verifies what Chart.js drew from them
# against the journal (bricks of each run).
#   report_check.sh WORK BIN_DIR
set -euo pipefail
work="$1"; bin="$2"
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
fail() { echo "report_check.sh: FAILED: $*" >&2; exit 1; }
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing (scripts/install-deps.sh installs Debian's chromium)"
node_home="$(bash "$root/scripts/setup-node.sh" | tail -1)"
rm -rf "$work"; mkdir -p "$work/tmpl"
unset LSB_JOBID SLURM_JOB_ID
"$bin/make-example" --output "$work/example" >/dev/null
cat > "$work/tmpl/workflow.yaml" <<YAML
workflow-name: survey-volume
input:
  n5: {path: $work/example/example.n5, dataset: segmentation/s0}
survey:
  brick-shape: [128, 128, 128]
YAML
DFLOW_BRICK_DELAY_MS=250 "$bin/launchflow" -n 2 "$work/tmpl" > "$work/first.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  x="$(ls -d "$work"/tmpl-2* 2>/dev/null || true)"
  [ -n "$x" ] && [ "$(cat "$x"/journal/*.txt 2>/dev/null | grep -vc '^#' || true)" -ge 4 ] && break
  sleep 0.05
done
kill -TERM "$pid"
status=0; wait "$pid" || status=$?
[ "$status" = 75 ] || fail "the interrupted run exited $status, not 75"
first="$(cat "$x"/journal/*.txt | grep -vc '^#')"
[ "$first" -le 15 ] || fail "stopped too late ($first of 18 bricks) for every rank of the resumed run to have work"
"$bin/launchflow" -n 3 --resume "$x" > "$work/second.log" 2>&1 || fail "the resumed run failed"
node "$here/check_report.cjs" --node-home "$node_home" --report "$x/report.html" \
  --expect-bricks "$first,$((18 - first))" --expect-ranks 2,3
