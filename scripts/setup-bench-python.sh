#!/usr/bin/env bash
# A venv for the benchmarks (bench/): igneous-pipeline pinned in scripts/requirements-bench.txt,
# cached by the file's hash, separate from the test venv. Prints the venv's python on stdout.
source "$(dirname "$0")/common.sh"
venv="$DFLOW_CACHE/venv-bench-$(sha256sum "$DFLOW_ROOT/scripts/requirements-bench.txt" | cut -c1-12)"
if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then
  say "bench Python: cached venv $venv" >&2
else
  say "creating the bench Python venv (igneous): $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$DFLOW_ROOT/scripts/requirements-bench.txt" >&2 \
    || die "pip install of scripts/requirements-bench.txt failed"
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
