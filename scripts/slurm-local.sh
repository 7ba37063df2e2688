#!/usr/bin/env bash
# A real one-machine Slurm cluster for the tests: munged, slurmctld and slurmd (Debian's slurm-wlm
# 22.05 and munge, from scripts/install-deps.sh), all state, sockets, logs and the config under DIR,
# nothing in /etc or /run touched. Needs root (slurmd runs jobs as their users).
#   scripts/slurm-local.sh start DIR [CTLD_PORT]   # up and the node idle in a few seconds
#   scripts/slurm-local.sh stop DIR                # stops the three daemons, leaves DIR
# Clients find the cluster through SLURM_CONF=DIR/slurm.conf (printed by start). Ports default to
# 18930 (slurmctld) and CTLD_PORT+1 (slurmd), away from Slurm's 6817/6818.
set -euo pipefail
say() { printf '[%s] [slurm-local] INFO  %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >&2; }
die() { printf '[%s] [slurm-local] ERROR %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >&2; exit 1; }
cmd="${1:?usage: slurm-local.sh start|stop DIR [CTLD_PORT]}"
dir="${2:?usage: slurm-local.sh start|stop DIR [CTLD_PORT]}"
port="${3:-18930}"

# Stops what DIR's pid files name (only our own daemons, never others of the same name).
stop() {
  local pidfile pid
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

case "$cmd" in
  stop) [ -d "$dir" ] && stop; exit 0;;
  start) ;;
  *) die "unknown command $cmd (start|stop)";;
esac

[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their owners)"
for p in munged slurmctld slurmd sbatch scontrol; do
  command -v "$p" >/dev/null || die "$p not found: install Debian's slurm-wlm and munge (scripts/install-deps.sh)"
done
[ -d "$dir" ] && stop
rm -rf "$dir"
mkdir -p "$dir/munge/private" "$dir/state" "$dir/spool"
dir="$(cd "$dir" && pwd)"

# munge: a fresh key and socket of our own. munged runs as user munge and insists that its key and
# state are private (private/, 700) while clients can reach the socket (munge/, 755).
dd if=/dev/urandom of="$dir/munge/private/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$dir/munge"
chmod 755 "$dir/munge"
chmod 700 "$dir/munge/private"
chmod 400 "$dir/munge/private/munge.key"
runuser -u munge -- munged --key-file="$dir/munge/private/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/private/munged.log" \
  --seed-file="$dir/munge/private/munged.seed" \
  || die "munged did not start (see $dir/munge/private/munged.log)"

host="$(hostname -s)"
# The node's real CPUs/memory (slurmd -C), so slurmd does not drain it as misconfigured.
node="$(slurmd -C | grep '^NodeName=')"
cat > "$dir/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh: a one-machine test cluster.
ClusterName=dvidflow-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
PlugStackConfig=$dir/plugstack.conf
SchedulerType=sched/builtin
KillWait=5
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
: > "$dir/plugstack.conf"
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || die "slurmctld did not start (see $dir/slurmctld.log)"
slurmd -f "$SLURM_CONF" -N "$host" || die "slurmd did not start (see $dir/slurmd.log)"
for _ in $(seq 100); do
  state="$(scontrol show node "$host" 2>/dev/null | sed -n 's/.*State=\([A-Z+_]*\).*/\1/p' | head -1)"
  [ "$state" = IDLE ] && { say "node $host idle; export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.1
done
die "node $host not idle after 10 s (state: ${state:-unknown}; logs: $dir/slurmctld.log $dir/slurmd.log)"
