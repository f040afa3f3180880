#!/bin/sh
# 18-proc-attrs: rlimits, pending signals with their siginfo (standard and
# real-time, in queue order) and the /proc/PID/exe link survive restart.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

procattrs "$TESTDIR" </dev/null >p.out 2>p.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "procattrs did not start"

ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "^@[0-9]* SIGPENDING" show.out || fail "no SIGPENDING record"
grep -q "nofile *100 / 200" show.out || fail "RLIMITS record lacks nofile 100/200"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
exe=$(readlink "/proc/$pid/exe")
[ "$exe" = /tests/progs/procattrs ] || fail "/proc/$pid/exe is '$exe'"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored procattrs exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "procattrs did not report success"
pass
