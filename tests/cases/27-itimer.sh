#!/bin/sh
# 27-itimer: an armed ITIMER_REAL keeps firing after restart, with its
# interval; a process using a POSIX timer on a CPU-time clock is refused
# (not yet saved) rather than restored without it.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="i.err ckpt.err restart.err show.out"

itimer "$TESTDIR" </dev/null >i.out 2>i.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "itimer did not start"
ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "ITIMER_REAL" show.out || fail "no TIMERS record in the image"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored itimer exited with $st: $(cat i.err)"
grep -q "all checks passed" i.out || fail "itimer did not report success"

mkdir p
itimer -p "$TESTDIR/p" </dev/null >/dev/null 2>&1 &
ppid=$!
track "$ppid"
wait_for 30 test -e p/ready || fail "itimer -p did not start"
ckpt --kill -o img2 "$ppid" 2>err2
st=$?
[ "$st" -eq 1 ] || fail "ckpt of a process with a POSIX timer on another process's CPU clock exited $st, expected 1"
expect_err EOPNOTSUPP err2 >/dev/null
proc_alive "$ppid" || fail "the refused process did not survive"
pass
