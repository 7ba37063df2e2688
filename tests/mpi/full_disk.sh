#!/usr/bin/env bash
# Bad input "the disk is full": survey-volume with its execution directory on a 256 KiB tmpfs (mounted
# here; the tests run as root, as CI does) must stop with one error line naming the file it could
# not write and the reason, not a crash or a half-written result; after room is made the same
# execution directory resumes and finishes.
#   full_disk.sh MPIRUN MAKE_EXAMPLE SURVEY WORK
set -euo pipefail
mpirun="$1"; make_example="$2"; survey="$3"; work="$4"
rm -rf "$work"; mkdir -p "$work/small"
"$make_example" --output "$work/example" --size 128,128,128 >/dev/null 2>&1
mount -t tmpfs -o size=256k tmpfs "$work/small"
trap 'umount "$work/small" 2>/dev/null || true' EXIT
exec_dir="$work/small/run"
mkdir -p "$exec_dir"
cat > "$exec_dir/full-workflow-config.yaml" <<YAML
workflow-name: survey-volume
input:
  n5:
    path: $work/example/example.n5
    dataset: segmentation/s0
survey:
  brick-shape: [64, 64, 64]
  kind: segmentation
YAML
# Fill the disk but leave a little room, so the first bricks' results fit and a later one does not.
dd if=/dev/zero of="$work/small/filler" bs=1k count=236 status=none 2>/dev/null || true
set +e
out="$("$mpirun" --allow-run-as-root --oversubscribe -n 2 "$survey" --config "$exec_dir/full-workflow-config.yaml" \
       --exec-dir "$exec_dir" 2>&1)"
rc=$?
set -e
fail() { echo "FAILED: $*"; echo "$out"; exit 1; }
[ "$rc" -ne 0 ] || fail "survey-volume succeeded on a full disk"
# One line from each rank that hit the full disk (both may), each naming its file and the reason.
errors="$(grep -c '\] ERROR ' <<<"$out" || true)"
[ "$errors" -ge 1 ] && [ "$errors" -le 2 ] || fail "expected one ERROR line per failing rank, got $errors"
while IFS= read -r line; do
  grep -q "No space left on device" <<<"$line" || fail "the error does not say the disk is full: $line"
  grep -Eq "$exec_dir/bricks/survey-volume/[0-9]*\.(bin|rows): write failed" <<<"$line" || fail "the error does not name the file: $line"
done < <(grep '\] ERROR ' <<<"$out")
line="$(grep -m1 '\] ERROR ' <<<"$out")"
# Room again: the same execution directory resumes and completes.
rm -f "$work/small/filler"
out="$("$mpirun" --allow-run-as-root --oversubscribe -n 2 "$survey" --config "$exec_dir/full-workflow-config.yaml" \
       --exec-dir "$exec_dir" 2>&1)" || fail "the resumed run failed"
grep -q "survey-volume: done" <<<"$out" || fail "the resumed run did not finish"
[ -f "$exec_dir/survey.json" ] || fail "no survey.json after the resumed run"
echo "full_disk: one error line ($line); resumed and finished after room was made"
