#!/usr/bin/env bash
# Start or stop the real DVID server on loopback for tests and the example.
#   dvid-server.sh start DATA_DIR [HTTP_PORT] [RPC_PORT]   renders workflows/01-dvid/dvid-config.toml.in,
#                                                         starts DVID, waits until /api/heartbeat answers
#   dvid-server.sh start-fresh DATA_DIR [HTTP_PORT]        same, after stopping it and deleting its stores
#   dvid-server.sh stop DATA_DIR                          SIGTERM, then waits for the process to exit
#   dvid-server.sh status DATA_DIR
#   dvid-server.sh render DATA_DIR [HTTP_PORT] [RPC_PORT]  only writes DATA_DIR/dvid-config.toml
# The admin token (DVID_ADMIN_TOKEN) is written to DATA_DIR/admin-token.
# The config is rendered by `dvid-setup render-config` ($DFLOW_DVID_SETUP, else $BUILD_DIR/bin/dvid-setup),
# the one renderer of the template, so build first.
# To proxy a neuroglancer precomputed volume (DVID's ngprecomputed store) set
#   DVID_NGPRECOMPUTED_REF=s3://bucket/prefix/ [DVID_NGPRECOMPUTED_INSTANCE=grayscale] [DVID_NGPRECOMPUTED_UUID=uuid]
# and the AWS_* variables DVID's S3 client reads.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/server-process.sh"
server_setup dvid "$0 start|start-fresh|stop|status|render DATA_DIR [HTTP_PORT] [RPC_PORT]" "$@"

# The template language is lib/dvidsetup/server_config.hpp's.
render_config() {
  local http="$1" rpc="$2" tmpl="$DFLOW_ROOT/workflows/01-dvid/dvid-config.toml.in" out="$dir/dvid-config.toml"
  local ref="${DVID_NGPRECOMPUTED_REF:-}" inst="${DVID_NGPRECOMPUTED_INSTANCE:-}" uuid="${DVID_NGPRECOMPUTED_UUID:-}"
  local setup="${DFLOW_DVID_SETUP:-$BUILD_DIR/bin/dvid-setup}"
  [ -x "$setup" ] || die "$setup is not built: run scripts/setup.sh first (or set DFLOW_DVID_SETUP to the dvid-setup program)"
  local ng=()
  [ -z "$ref" ] || ng+=(--ngprecomputed-ref "$ref")
  [ -z "$inst" ] || ng+=(--ngprecomputed-instance "$inst")
  [ -z "$uuid" ] || ng+=(--ngprecomputed-uuid "$uuid")
  "$setup" render-config --template "$tmpl" --out "$out" --data-dir "$dir" --http "127.0.0.1:$http" \
    --rpc "127.0.0.1:$rpc" --note "dvidflow test server" "${ng[@]}" || die "dvid-setup render-config failed"
}

if [ "$cmd" = start-fresh ]; then
  "$0" stop "$dir" >/dev/null
  rm -rf "$dir/badger" "$dir/mutlog" "$dir"/dvid.log* "$dir/dvid.stdout"
  cmd=start
fi

case "$cmd" in
render)
  http="${3:-8000}"; rpc="${4:-$((http + 1))}"
  render_config "$http" "$rpc"; echo "$dir/dvid-config.toml"
  ;;
start)
  http="${3:-8000}"; rpc="${4:-$((http + 1))}"
  [ -x "$DVID_BIN" ] || bash "$DFLOW_ROOT/scripts/build-dvid.sh"
  if running; then say "DVID already running (pid $(cat "$pidfile")) at http://127.0.0.1:$(cat "$dir/http-port")"; exit 0; fi
  if server_answers "http://127.0.0.1:$http/api/heartbeat"; then
    die "port $http already answers as a DVID server that is not ours (DATA_DIR $dir); stop it or pick another port"
  fi
  render_config "$http" "$rpc"
  token="$(cat "$dir/admin-token" 2>/dev/null || head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "$token" > "$dir/admin-token"; echo "$http" > "$dir/http-port"; echo "$rpc" > "$dir/rpc-port"
  server_start "DVID $DVID_VERSION" "$pidfile" "$dir/dvid.stdout" "$dir/dvid.log" "http://127.0.0.1:$http/api/heartbeat" \
    -- env DVID_ADMIN_TOKEN="$token" "$DVID_BIN" serve "$dir/dvid-config.toml"
  ;;
stop)
  server_stop "DVID (data $dir)" "$pidfile"
  ;;
status)
  if running; then echo "running pid $(cat "$pidfile") http://127.0.0.1:$(cat "$dir/http-port")"; else echo "stopped"; exit 1; fi
  ;;
*) die "unknown command '$cmd' (start|start-fresh|stop|status|render)";;
esac
