#!/usr/bin/env bash
# Submit a dvidflow workflow to LSF: the whole launchflow run (which calls mpirun inside the job's
# allocation; Open MPI reads LSB_* and places ranks on the hosts LSF gave) becomes one bsub job.
#
#   lsf/submit.sh -n 128 [-W 04:00] [-P flyem] [-q normal] [-R "span[ptile=32]"] [--dry-run] TEMPLATE_DIR
#
# The execution directory (TEMPLATE_DIR-YYYYmmdd.HHMMSS) and its output.log are made by launchflow
# inside the job, exactly as in a local run; LSF's own job log goes to TEMPLATE_DIR-lsf-<jobid>.log.
set -euo pipefail
n=1; walltime="24:00"; project=""; queue=""; resources=""; dry=0
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    -n) n="$2"; shift 2;;
    -W) walltime="$2"; shift 2;;
    -P) project="$2"; shift 2;;
    -q) queue="$2"; shift 2;;
    -R) resources="$2"; shift 2;;
    --dry-run) dry=1; shift;;
    -h|--help) usage 0;;
    -*) echo "lsf/submit.sh: unknown option $1" >&2; usage 2;;
    *) break;;
  esac
done
(($# == 1)) || usage 2
template="${1%/}"
[ -f "$template/workflow.yaml" ] || { echo "lsf/submit.sh: $template/workflow.yaml: no such file" >&2; exit 2; }
bindir="${DFLOW_BIN_DIR:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}"
# Validate before queueing, so a typo costs seconds, not a place in the queue.
"$bindir/launchflow" --dry-run -n "$n" "$template" >/dev/null
cmd=(bsub -n "$n" -W "$walltime" -J "dvidflow-$(basename "$template")" -o "$template-lsf-%J.log")
[ -n "$project" ] && cmd+=(-P "$project")
[ -n "$queue" ] && cmd+=(-q "$queue")
[ -n "$resources" ] && cmd+=(-R "$resources")
cmd+=("$bindir/launchflow" -n "$n" "$template")
if ((dry)); then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
command -v bsub >/dev/null || { echo "lsf/submit.sh: bsub not found: is this an LSF submission host?" >&2; exit 2; }
exec "${cmd[@]}"
