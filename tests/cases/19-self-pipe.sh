#!/bin/sh
# 19-self-pipe: anonymous pipes whose both ends the process holds come back
# connected, with their unread bytes, capacity and flags.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

selfpipe "$TESTDIR" </dev/null >p.out 2>p.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "selfpipe did not start"

ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "PIPEDATA" show.out || fail "the image holds no pipe data"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored selfpipe exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "selfpipe did not report success"
pass
