#!/usr/bin/env bash
# A venv with the pinned reference implementations (scripts/requirements.txt), cached by its hash.
source "$(dirname "$0")/common.sh"
venv="$(venv_dir)"
if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then say "Python readers: cached venv $venv"; exit 0; fi
say "creating Python venv with the reference readers: $venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$DFLOW_ROOT/scripts/requirements.txt" \
  || die "pip install of scripts/requirements.txt failed"
touch "$venv/.complete"
