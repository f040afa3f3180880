#!/bin/sh
# 18-proc-attrs: rlimits, pending signals with their siginfo (standard and
# real-time, in queue order) and the /proc/PID/exe link survive restart.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start procattrs
pid=$PROG_PID
prog_checkpoint
grep -q "^@[0-9]* SIGPENDING" show.out || fail "no SIGPENDING record"
grep -q "nofile *100 / 200" show.out || fail "RLIMITS record lacks nofile 100/200"
prog_restart
exe=$(readlink "/proc/$pid/exe")
[ "$exe" = /tests/progs/procattrs ] || fail "/proc/$pid/exe is '$exe'"
prog_finish
pass
