#!/usr/bin/env bash
# Start or stop a MinIO S3 server on loopback (built by scripts/build-minio.sh) for the tests that
# serve neuroglancer precomputed volumes to DVID's ngprecomputed store.
#   minio-server.sh start DATA_DIR [PORT]   serves DATA_DIR/data at http://127.0.0.1:PORT (default 9000),
#                                           console on PORT+1; waits until /minio/health/live answers
#   minio-server.sh stop DATA_DIR
#   minio-server.sh env DATA_DIR            prints the AWS_* exports that reach it
# Credentials are made once per DATA_DIR and kept in DATA_DIR/credentials (user and password lines).
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/server-process.sh"
server_setup minio "$0 start|stop|env DATA_DIR [PORT]" "$@"
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
  if server_answers "http://127.0.0.1:$port/minio/health/live"; then
    die "port $port already answers as a MinIO server that is not ours (DATA_DIR $dir)"
  fi
  credentials
  mkdir -p "$dir/data"; echo "$port" > "$dir/port"
  # No update checks, no telemetry: the sandbox has no network beyond loopback.
  server_start MinIO "$pidfile" "$dir/minio.log" "" "http://127.0.0.1:$port/minio/health/live" \
    -- env MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_UPDATE=off MINIO_BROWSER=off \
    "$MINIO_BIN" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" "$dir/data"
  ;;
stop)
  server_stop "MinIO (data $dir)" "$pidfile"
  ;;
env)
  credentials
  printf 'export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REGION=us-east-1 DFLOW_S3_ENDPOINT=http://127.0.0.1:%s\n' \
    "$user" "$password" "$(cat "$dir/port" 2>/dev/null || echo 9000)"
  ;;
*) die "unknown command '$cmd' (start|stop|env)";;
esac
