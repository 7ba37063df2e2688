#!/usr/bin/env bash
# ctest entry of the neuroglancer check: makes sure the Node side is installed (scripts/setup-node.sh,
# cached), then runs check_neuroglancer.cjs with these arguments (see its header).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ -x /usr/bin/chromium ] || { echo "[check_neuroglancer] FAILED: /usr/bin/chromium is missing (scripts/install-deps.sh installs Debian's chromium)"; exit 1; }
home="$(bash "$root/scripts/setup-node.sh" | tail -1)"
exec node "$root/tests/neuroglancer/check_neuroglancer.cjs" --node-home "$home" "$@"
