#!/usr/bin/env bash
# Start or stop fake-gcs-server (a GCS JSON/XML API server, built by scripts/build-fake-gcs.sh) on
# loopback for the bucket tests and benchmarks.
#   fake-gcs-server.sh start DATA_DIR [PORT]  serves DATA_DIR/data at http://127.0.0.1:PORT (default 4443);
#                                             waits until /storage/v1/b answers
#   fake-gcs-server.sh stop DATA_DIR
#   fake-gcs-server.sh env DATA_DIR           prints the STORAGE_EMULATOR_HOST export that reaches it
# Clients reach it with STORAGE_EMULATOR_HOST=http://127.0.0.1:PORT and no token.
source "$(dirname "$0")/common.sh"
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|env DATA_DIR [PORT]"
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
pidfile="$dir/fake-gcs.pid"
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "$cmd" in
start)
  port="${3:-4443}"
  [ -x "$FAKE_GCS_BIN" ] || bash "$DFLOW_ROOT/scripts/build-fake-gcs.sh"
  if running; then say "fake-gcs-server already running (pid $(cat "$pidfile")) at http://127.0.0.1:$(cat "$dir/port")"; exit 0; fi
  if curl -sf -m 2 "http://127.0.0.1:$port/storage/v1/b" >/dev/null 2>&1; then
    die "port $port already answers as a GCS server that is not ours (DATA_DIR $dir)"
  fi
  mkdir -p "$dir/data"; echo "$port" > "$dir/port"
  nohup "$FAKE_GCS_BIN" -scheme http -host 127.0.0.1 -port "$port" -backend filesystem \
    -filesystem-root "$dir/data" -public-host "127.0.0.1:$port" -external-url "http://127.0.0.1:$port" \
    -log-level warn >"$dir/fake-gcs.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if curl -sf -m 2 "http://127.0.0.1:$port/storage/v1/b" >/dev/null 2>&1; then
      say "fake-gcs-server up at http://127.0.0.1:$port (pid $(cat "$pidfile"), data $dir/data)"; exit 0
    fi
    running || { tail -5 "$dir/fake-gcs.log" >&2; die "fake-gcs-server exited during start-up (log: $dir/fake-gcs.log)"; }
    sleep 0.25
  done
  die "fake-gcs-server did not answer http://127.0.0.1:$port/storage/v1/b within 30 s (log: $dir/fake-gcs.log)"
  ;;
stop)
  if ! running; then say "fake-gcs-server not running (data $dir)"; rm -f "$pidfile"; exit 0; fi
  pid="$(cat "$pidfile")"; kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "fake-gcs-server stopped"; exit 0; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null; rm -f "$pidfile"; say "fake-gcs-server did not stop in 30 s; killed"
  ;;
env)
  printf 'export STORAGE_EMULATOR_HOST=http://127.0.0.1:%s\n' "$(cat "$dir/port" 2>/dev/null || echo 4443)"
  ;;
*) die "unknown command '$cmd' (start|stop|env)";;
esac
