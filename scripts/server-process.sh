# Start, wait for and stop a loopback server run in the background (sourced by dvid-server.sh,
# minio-server.sh and fake-gcs-server.sh; a new server script does the same). Needs common.sh's
# say/die first.
#
#   server_setup NAME USAGE "$@"           sets cmd and dir (absolute, created) from the script's first
#                                          two arguments, or dies with USAGE; pidfile=$dir/NAME.pid
#   running                                true if the server of $pidfile is alive
#   server_running PIDFILE                 true if the pid in PIDFILE is alive
#   server_answers URL                     true if URL answers 2xx within 2 s
#   server_start NAME PIDFILE OUT LOG URL -- COMMAND...
#       runs COMMAND (use `env VAR=value prog ...` for its environment) with stdout and stderr to
#       OUT, records its pid, and waits up to 60 s until URL answers; if it exits first, the tails of
#       OUT and LOG (its own log file; "" if none) are shown and the script dies.
#   server_stop NAME PIDFILE               SIGTERM, then up to 30 s for it to exit, then SIGKILL.

server_setup() {
  local name="$1" usage="$2"
  shift 2
  cmd="${1:-}"; dir="${2:-}"
  [ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $usage"
  mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
  pidfile="$dir/$name.pid"
}

server_running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

running() { server_running "$pidfile"; }

server_answers() { curl -sf -m 2 "$1" >/dev/null 2>&1; }

server_start() {
  local name="$1" pidfile="$2" out="$3" log="$4" url="$5"
  shift 5
  [ "${1:-}" = "--" ] && shift
  nohup "$@" >"$out" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if server_answers "$url"; then say "$name up: $url (pid $(cat "$pidfile"))"; return 0; fi
    if ! server_running "$pidfile"; then
      tail -5 "$out" ${log:+"$log"} 2>/dev/null >&2
      die "$name exited during start-up (log: $out${log:+, $log})"
    fi
    sleep 0.5
  done
  die "$name did not answer $url within 60 s (log: $out${log:+, $log})"
}

server_stop() {
  local name="$1" pidfile="$2" pid
  if ! server_running "$pidfile"; then say "$name not running"; rm -f "$pidfile"; return 0; fi
  pid="$(cat "$pidfile")"; kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "$name stopped"; return 0; }; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null; rm -f "$pidfile"; say "$name did not stop in 30 s; killed"
}
