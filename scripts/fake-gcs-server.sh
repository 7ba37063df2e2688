#!/usr/bin/env bash
# Start or stop fake-gcs-server (a GCS JSON/XML API server, built by scripts/build-fake-gcs.sh) on
# loopback for the bucket tests and benchmarks.
#   fake-gcs-server.sh start DATA_DIR [PORT]  serves DATA_DIR/data at http://127.0.0.1:PORT (default 4443);
#                                             waits until /storage/v1/b answers
#   fake-gcs-server.sh stop DATA_DIR
#   fake-gcs-server.sh env DATA_DIR           prints the STORAGE_EMULATOR_HOST export that reaches it
# Clients reach it with STORAGE_EMULATOR_HOST=http://127.0.0.1:PORT and no token.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/server-process.sh"
server_setup fake-gcs "$0 start|stop|env DATA_DIR [PORT]" "$@"

case "$cmd" in
start)
  port="${3:-4443}"
  [ -x "$FAKE_GCS_BIN" ] || bash "$DFLOW_ROOT/scripts/build-fake-gcs.sh"
  if running; then say "fake-gcs-server already running (pid $(cat "$pidfile")) at http://127.0.0.1:$(cat "$dir/port")"; exit 0; fi
  if server_answers "http://127.0.0.1:$port/storage/v1/b"; then
    die "port $port already answers as a GCS server that is not ours (DATA_DIR $dir)"
  fi
  mkdir -p "$dir/data"; echo "$port" > "$dir/port"
  server_start fake-gcs-server "$pidfile" "$dir/fake-gcs.log" "" "http://127.0.0.1:$port/storage/v1/b" \
    -- "$FAKE_GCS_BIN" -scheme http -host 127.0.0.1 -port "$port" -backend filesystem \
    -filesystem-root "$dir/data" -public-host "127.0.0.1:$port" -external-url "http://127.0.0.1:$port" -log-level warn
  ;;
stop)
  server_stop "fake-gcs-server (data $dir)" "$pidfile"
  ;;
env)
  printf 'export STORAGE_EMULATOR_HOST=http://127.0.0.1:%s\n' "$(cat "$dir/port" 2>/dev/null || echo 4443)"
  ;;
*) die "unknown command '$cmd' (start|stop|env)";;
esac
