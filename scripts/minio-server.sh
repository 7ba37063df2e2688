#!/usr/bin/env bash
# Start or stop a MinIO S3 server on loopback (built by scripts/build-minio.sh) for the tests that
# serve neuroglancer precomputed volumes to DVID's ngprecomputed store.
#   minio-server.sh start DATA_DIR [PORT]   serves DATA_DIR/data at http://127.0.0.1:PORT (default 9000),
#                                           console on PORT+1; waits until /minio/health/live answers
#   minio-server.sh stop DATA_DIR
#   minio-server.sh env DATA_DIR            prints the AWS_* exports that reach it
# Credentials are made once per DATA_DIR and kept in DATA_DIR/credentials (user and password lines).
source "$(dirname "$0")/common.sh"
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|env DATA_DIR [PORT]"
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
pidfile="$dir/minio.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
credentials() {
  if [ ! -s "$dir/credentials" ]; then
    # MinIO wants at least 3 / 8 characters; random so a stray server is not an open bucket.
    printf 'dvidflow\n%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/credentials"
  fi
  user="$(sed -n 1p "$dir/credentials")"; password="$(sed -n 2p "$dir/credentials")"
}

case "$cmd" in
start)
  port="${3:-9000}"
  [ -x "$MINIO_BIN" ] || bash "$DFLOW_ROOT/scripts/build-minio.sh"
  if running; then say "MinIO already running (pid $(cat "$pidfile")) at http://127.0.0.1:$(cat "$dir/port")"; exit 0; fi
  if curl -sf -m 2 "http://127.0.0.1:$port/minio/health/live" >/dev/null 2>&1; then
    die "port $port already answers as a MinIO server that is not ours (DATA_DIR $dir)"
  fi
  credentials
  mkdir -p "$dir/data"; echo "$port" > "$dir/port"
  # No update checks, no telemetry: the sandbox has no network beyond loopback.
  MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_UPDATE=off MINIO_BROWSER=off \
    nohup "$MINIO_BIN" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" \
    "$dir/data" >"$dir/minio.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if curl -sf -m 2 "http://127.0.0.1:$port/minio/health/live" >/dev/null 2>&1; then
      say "MinIO up at http://127.0.0.1:$port (pid $(cat "$pidfile"), data $dir/data)"; exit 0
    fi
    running || { tail -5 "$dir/minio.log" >&2; die "MinIO exited during start-up (log: $dir/minio.log)"; }
    sleep 0.5
  done
  die "MinIO did not answer http://127.0.0.1:$port/minio/health/live within 60 s (log: $dir/minio.log)"
  ;;
stop)
  if ! running; then say "MinIO not running (data $dir)"; rm -f "$pidfile"; exit 0; fi
  pid="$(cat "$pidfile")"; kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "MinIO stopped"; exit 0; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null; rm -f "$pidfile"; say "MinIO did not stop in 30 s; killed"
  ;;
env)
  credentials
  printf 'export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=us-east-1 DFLOW_S3_ENDPOINT=http://127.0.0.1:%s\n' \
    "$user" "$password" "$(cat "$dir/port" 2>/dev/null || echo 9000)"
  ;;
*) die "unknown command '$cmd' (start|stop|env)";;
esac
