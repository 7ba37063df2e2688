# Sourced by the other scripts: where things live.
set -euo pipefail
DFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DFLOW_CACHE="${DFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dvidflow}"
DVID_VERSION="${DVID_VERSION:-v1.0.0}"
DVID_HOME="$DFLOW_CACHE/dvid-$DVID_VERSION"
DVID_BIN="$DVID_HOME/bin/dvid"
# MinIO (S3 server for the ngprecomputed proxy tests): a pseudo-version of its master branch.
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
MINIO_HOME="$DFLOW_CACHE/minio-$MINIO_VERSION"
MINIO_BIN="$MINIO_HOME/bin/minio"
BUILD_DIR="${BUILD_DIR:-$DFLOW_ROOT/build}"
say() { printf '[%s] [setup] INFO  %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }
die() { printf '[%s] [setup] ERROR %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >&2; exit 1; }
venv_dir() { echo "$DFLOW_CACHE/venv-$(sha256sum "$DFLOW_ROOT/scripts/requirements.txt" | cut -c1-12)"; }
# tests/neuroglancer's Node packages and neuroglancer viewer (scripts/setup-node.sh), cached by hash.
node_home() { echo "$DFLOW_CACHE/node-$(cat "$DFLOW_ROOT/tests/neuroglancer/package.json" "$DFLOW_ROOT/tests/neuroglancer/package-lock.json" | sha256sum | cut -c1-12)"; }
# fake-gcs-server (a GCS JSON/XML API server for the bucket tests) and the MinIO client `mc` (the
# bulk-copy peer of the bucket benchmark), built like MinIO by scripts/build-go-tool.sh.
FAKE_GCS_VERSION="${FAKE_GCS_VERSION:-v1.56.1}"
FAKE_GCS_HOME="$DFLOW_CACHE/fake-gcs-server-$FAKE_GCS_VERSION"
FAKE_GCS_BIN="$FAKE_GCS_HOME/bin/fake-gcs-server"
MC_VERSION="${MC_VERSION:-v0.0.0-20250313080218-cf909e1063a9}"
MC_HOME="$DFLOW_CACHE/mc-$MC_VERSION"
MC_BIN="$MC_HOME/bin/mc"
