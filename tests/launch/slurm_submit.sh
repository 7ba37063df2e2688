#!/usr/bin/env bash
# A stage under a REAL Slurm: scripts/slurm-local.sh starts munged, slurmctld and slurmd on this
# machine (config, state and sockets in WORK; ports CTLD_PORT and CTLD_PORT+1), then
#  1. `launchflow --submit -n 2` of a cluster-type: slurm template: sbatch runs it, mpirun takes the
#     ranks from the allocation (no --oversubscribe), and its outputs equal a local run's;
#  2. the walltime warning: `scancel --batch --signal=USR2` mid-stage (what --signal=B:USR2@N does
#     before the limit) stops every rank after its brick; submitting job.slurm again resumes and
#     finishes with the same outputs;
#  3. inside a one-slot job, `launchflow -n 2` is refused naming both numbers.
# Needs root (slurmd) and Debian's slurm-wlm and munge (scripts/install-deps.sh).
#   slurm_submit.sh WORK BIN_DIR CTLD_PORT SLURM_LOCAL_SH
set -euo pipefail
work="$1"; bin="$2"; port="$3"; slurm_local="$4"
fail() { echo "slurm_submit.sh: FAILED: $*" >&2; exit 1; }
rm -rf "$work"; mkdir -p "$work"
trap 'bash "$slurm_local" stop "$work/slurm"' EXIT
bash "$slurm_local" start "$work/slurm" "$port"
export SLURM_CONF="$work/slurm/slurm.conf"
unset SLURM_JOB_ID LSB_JOBID DFLOW_BRICK_DELAY_MS

"$bin/make-example" --output "$work/example" >/dev/null
mkdir "$work/ref" "$work/tmpl"
cat > "$work/ref/workflow.yaml" <<YAML
workflow-name: survey-volume
input:
  n5: {path: $work/example/example.n5, dataset: segmentation/s0}
survey:
  brick-shape: [128, 128, 128]
YAML
sed 's/^workflow-name: survey-volume$/&\ncluster-type: slurm\nscheduler: {walltime: "00:10", job-name: dvidflow-test}/' \
  "$work/ref/workflow.yaml" > "$work/tmpl/workflow.yaml"
"$bin/launchflow" -n 1 "$work/ref" >/dev/null 2>&1 || fail "the local reference run failed"
ref="$(ls -d "$work"/ref-2*)"

# Waits for job $1 to end; prints its final JobState and ExitCode.
wait_job() {
  local state=""
  for _ in $(seq 600); do
    state="$(scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' || true)"
    case "$state" in JobState=COMPLETED|JobState=FAILED|JobState=CANCELLED|JobState=TIMEOUT|JobState=NODE_FAIL) break;; esac
    sleep 0.2
  done
  echo "$state $(scontrol show job "$1" | grep -o 'ExitCode=[0-9:]*')"
}
same_outputs() {
  for f in survey.json block-statistics.h5; do cmp "$ref/$f" "$1/$f" || fail "$1/$f differs from the local run's"; done
}
host="$(hostname -s)"

# 1. Submit, run, compare.
out="$("$bin/launchflow" --submit -n 2 "$work/tmpl")"
echo "$out"
job="$(sed -n 's/^Submitted Slurm job \([0-9]*\): 2 ranks$/\1/p' <<<"$out")"
x="$(sed -n 's/^Execution directory: //p' <<<"$out")"
[ -n "$job" ] && [ -d "$x" ] || fail "no job id or execution directory in: $out"
[ "$(cat "$x/job-id")" = "$job" ] || fail "$x/job-id"
grep -qx '#SBATCH --ntasks=2' "$x/job.slurm" || fail "job.slurm lacks --ntasks=2"
result="$(wait_job "$job")"
[ "$result" = "JobState=COMPLETED ExitCode=0:0" ] || { cat "$x"/job-*.log; fail "job $job: $result"; }
grep -q "\[launchflow\] INFO  Ranks: 2 ranks in Slurm job $job: 2 slots on 1 host ($host: 2)\$" "$x/output.log" \
  || fail "output.log does not say the ranks ran in the job's allocation"
grep -Eq "\[launchflow\] INFO  Running survey-volume with 2 ranks: \S+/mpirun -np 2 (--allow-run-as-root )?-x OMP_NUM_THREADS \S+/survey-volume --config $x/full-workflow-config.yaml --exec-dir $x\$" "$x/output.log" \
  || fail "unexpected mpirun command (never --oversubscribe in an allocation)"
tail -1 "$x/output.log" | grep -q "launchflow: survey-volume finished OK in " || fail "last line of $x/output.log"
same_outputs "$x"
echo "1. submitted job $job ran 2 ranks; outputs equal the local run's"

# 2. The walltime warning mid-stage, then the same job script again.
out="$(DFLOW_BRICK_DELAY_MS=300 "$bin/launchflow" --submit -n 2 "$work/tmpl")"
job="$(sed -n 's/^Submitted Slurm job \([0-9]*\): 2 ranks$/\1/p' <<<"$out")"
x="$(sed -n 's/^Execution directory: //p' <<<"$out")"
for _ in $(seq 300); do
  [ "$(cat "$x"/journal/*.txt 2>/dev/null | grep -vc '^#' || true)" -ge 3 ] && break
  sleep 0.1
done
scancel --batch --signal=USR2 "$job"
result="$(wait_job "$job")"
[ "$result" = "JobState=FAILED ExitCode=75:0" ] || { cat "$x"/job-*.log; fail "interrupted job $job: $result"; }
tail -1 "$x/output.log" | grep -q "launchflow: survey-volume interrupted after .*: every finished brick is in the journal; resume with: launchflow -n 2 --resume $x\$" \
  || fail "output.log does not end with how to resume: $(tail -1 "$x/output.log")"
done_before="$(cat "$x"/journal/*.txt | grep -vc '^#')"
[ "$done_before" -lt 18 ] || fail "the stage was not interrupted mid-way"
job2="$(cd "$x" && sbatch job.slurm | sed -n 's/^Submitted batch job //p')"
result="$(wait_job "$job2")"
[ "$result" = "JobState=COMPLETED ExitCode=0:0" ] || fail "resubmitted job $job2: $result"
grep -q "survey-volume: resuming: skipping $done_before of 18 bricks already done" "$x/output.log" || fail "the resumed job did not skip"
same_outputs "$x"
echo "2. SIGUSR2 stopped job $job after $done_before bricks; job $job2 resumed it; outputs equal the local run's"

# 3. More ranks than the job's slots.
sbatch -n 1 -o "$work/one-slot.log" --wrap "$bin/launchflow -n 2 $work/ref" | grep -o '[0-9]*$' > "$work/one-slot.id"
result="$(wait_job "$(cat "$work/one-slot.id")")"
[ "$result" = "JobState=FAILED ExitCode=2:0" ] || fail "one-slot job: $result"
grep -q -- "-n 2: more ranks than the 1 slots of Slurm job $(cat "$work/one-slot.id"): 1 slot on 1 host ($host: 1)" "$work/one-slot.log" \
  || fail "one-slot job: $(cat "$work/one-slot.log")"
echo "3. a one-slot job refused -n 2"
echo "slurm_submit.sh: OK"
