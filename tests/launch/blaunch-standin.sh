#!/bin/sh
# TEST ONLY: a stand-in for LSF's blaunch (LSF cannot be installed here). Open MPI's rsh launcher
# calls it as `blaunch HOST orted ARGS...`, as it would call ssh; like blaunch and ssh it runs the
# command through a shell, here on this machine, and records the call in $DFLOW_BLAUNCH_LOG.
host="$1"
shift
echo "blaunch $host $*" >> "${DFLOW_BLAUNCH_LOG:-/dev/null}"
exec /bin/sh -c "$*"
