# Sourced by the other scripts: where things live.
set -euo pipefail
DFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DFLOW_CACHE="${DFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dvidflow}"
DVID_VERSION="${DVID_VERSION:-v1.0.0}"
DVID_HOME="$DFLOW_CACHE/dvid-$DVID_VERSION"
DVID_BIN="$DVID_HOME/bin/dvid"
BUILD_DIR="${BUILD_DIR:-$DFLOW_ROOT/build}"
say() { printf '[%s] [setup] INFO  %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }
die() { printf '[%s] [setup] ERROR %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >&2; exit 1; }
venv_dir() { echo "$DFLOW_CACHE/venv-$(sha256sum "$DFLOW_ROOT/scripts/requirements.txt" | cut -c1-12)"; }
