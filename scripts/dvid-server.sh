#!/usr/bin/env bash
# Start or stop the real DVID server on loopback for tests and the example.
#   dvid-server.sh start DATA_DIR [HTTP_PORT] [RPC_PORT]   renders workflows/01-dvid/dvid-config.toml.in,
#                                                         starts DVID, waits until /api/heartbeat answers
#   dvid-server.sh start-fresh DATA_DIR [HTTP_PORT]        same, after stopping it and deleting its stores
#   dvid-server.sh stop DATA_DIR                          SIGTERM, then waits for the process to exit
#   dvid-server.sh status DATA_DIR
# The admin token (DVID_ADMIN_TOKEN) is written to DATA_DIR/admin-token.
source "$(dirname "$0")/common.sh"
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|start-fresh|stop|status DATA_DIR [HTTP_PORT] [RPC_PORT]"
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
pidfile="$dir/dvid.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if [ "$cmd" = start-fresh ]; then
  "$0" stop "$dir" >/dev/null
  rm -rf "$dir/badger" "$dir/mutlog" "$dir"/dvid.log* "$dir/dvid.stdout"
  cmd=start
fi

case "$cmd" in
start)
  http="${3:-8000}"; rpc="${4:-$((http + 1))}"
  [ -x "$DVID_BIN" ] || bash "$DFLOW_ROOT/scripts/build-dvid.sh"
  if running; then say "DVID already running (pid $(cat "$pidfile")) at http://127.0.0.1:$(cat "$dir/http-port")"; exit 0; fi
  if curl -sf -m 2 "http://127.0.0.1:$http/api/heartbeat" >/dev/null 2>&1; then
    die "port $http already answers as a DVID server that is not ours (DATA_DIR $dir); stop it or pick another port"
  fi
  sed -e "s|@HTTP_ADDRESS@|127.0.0.1:$http|" -e "s|@RPC_ADDRESS@|127.0.0.1:$rpc|" \
      -e "s|@DATA_DIR@|$dir|g" -e "s|@NOTE@|dvidflow test server|" \
      "$DFLOW_ROOT/workflows/01-dvid/dvid-config.toml.in" > "$dir/dvid-config.toml"
  token="$(cat "$dir/admin-token" 2>/dev/null || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "$token" > "$dir/admin-token"; echo "$http" > "$dir/http-port"; echo "$rpc" > "$dir/rpc-port"
  DVID_ADMIN_TOKEN="$token" nohup "$DVID_BIN" serve "$dir/dvid-config.toml" >"$dir/dvid.stdout" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if curl -sf -m 2 "http://127.0.0.1:$http/api/heartbeat" >/dev/null 2>&1; then
      say "DVID $DVID_VERSION up at http://127.0.0.1:$http (pid $(cat "$pidfile"), data $dir)"; exit 0
    fi
    running || { tail -5 "$dir/dvid.stdout" "$dir/dvid.log" 2>/dev/null >&2; die "DVID exited during start-up (logs in $dir)"; }
    sleep 0.5
  done
  die "DVID did not answer http://127.0.0.1:$http/api/heartbeat within 60 s (logs in $dir)"
  ;;
stop)
  if ! running; then say "DVID not running (data $dir)"; rm -f "$pidfile"; exit 0; fi
  pid="$(cat "$pidfile")"; kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "DVID stopped"; exit 0; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null; rm -f "$pidfile"; say "DVID did not stop in 30 s; killed"
  ;;
status)
  if running; then echo "running pid $(cat "$pidfile") http://127.0.0.1:$(cat "$dir/http-port")"; else echo "stopped"; exit 1; fi
  ;;
*) die "unknown command '$cmd' (start|stop|status)";;
esac
