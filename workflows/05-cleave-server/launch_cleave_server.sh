#!/usr/bin/env bash
# The cleave server for neu3 (seed step 5): builds the cleave table from the supervoxel edges and the
# agglomeration mapping (construct-cleave-table), then starts cleave-server on it.
#
#   DVID_SERVER=http://127.0.0.1:8000 DVID_UUID=<agglomerated node> [DVID_INSTANCE=segmentation] \
#   [CLEAVE_PORT=5555] launch_cleave_server.sh EXEC_DIR EDGES MAPPING [--background] [cleave-server options]
#
# EXEC_DIR   execution directory (created): cleave-table.bin (+ cleave-table.npy, the reference's
#            layout), the server's log cleave-table.log, and with --background cleave-server.pid
# EDGES      supervoxel edge table: edges.csv (id_a,id_b,xa,ya,za,xb,yb,zb,score; make-example
#            writes one) or .npy of the reference's MERGE_TABLE_DTYPE
# MAPPING    sv,body CSV or .npy (as ingest-label-indexes reads it)
#
# The table is rebuilt only when it is missing or older than EDGES or MAPPING. --background starts
# the server detached, waits until it answers /health and prints its address; otherwise the script
# becomes the server (stop it with Ctrl-C or SIGTERM). Programs come from DFLOW_BIN_DIR, else PATH.
set -euo pipefail
usage="usage: launch_cleave_server.sh EXEC_DIR EDGES MAPPING [--background] [cleave-server options] (set DVID_SERVER and DVID_UUID)"
exec_dir="${1:?$usage}"; edges="${2:?$usage}"; mapping="${3:?$usage}"; shift 3
background=0
if [ "${1:-}" = "--background" ]; then background=1; shift; fi
: "${DVID_SERVER:?set DVID_SERVER, e.g. http://127.0.0.1:8000}"
: "${DVID_UUID:?set DVID_UUID to the node holding the agglomeration}"
instance="${DVID_INSTANCE:-segmentation}"
port="${CLEAVE_PORT:-5555}"
bin="${DFLOW_BIN_DIR:+$DFLOW_BIN_DIR/}"
for f in "$edges" "$mapping"; do
  [ -f "$f" ] || { echo "launch_cleave_server.sh: $f not found" >&2; exit 1; }
done
mkdir -p "$exec_dir"
exec_dir="$(cd "$exec_dir" && pwd)"
table="$exec_dir/cleave-table.bin"
if [ ! -f "$table" ] || [ "$edges" -nt "$table" ] || [ "$mapping" -nt "$table" ]; then
  "${bin}construct-cleave-table" --edges "$edges" --mapping "$mapping" --output "$table" --npy "$exec_dir/cleave-table.npy"
fi
server="${DVID_SERVER#http://}"; server="${server%/}"
cmd=("${bin}cleave-server" --merge-table "$table" --port "$port" --primary-dvid-server "$server"
     --primary-uuid "$DVID_UUID" --primary-labelmap-instance "$instance" --log-dir "$exec_dir" "$@")
if ((background)); then
  nohup "${cmd[@]}" >/dev/null 2>&1 &
  pid=$!
  echo "$pid" > "$exec_dir/cleave-server.pid"
  for _ in $(seq 1 100); do
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null; then
      echo "launch_cleave_server.sh: cleave server (pid $pid) at http://$(hostname -f 2>/dev/null || hostname):$port, log $exec_dir/cleave-table.log"
      exit 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "launch_cleave_server.sh: the cleave server did not start; see $exec_dir/cleave-table.log" >&2
  exit 1
fi
exec "${cmd[@]}"
