#!/bin/sh
# 30-stream-restart: an image piped into restart while its PID is free is
# restored as it arrives (not spooled first), and the process is whole.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err"

selfpipe "$TESTDIR" </dev/null >p.out 2>p.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "selfpipe did not start"
ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"

cat img | restart -v --wait >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
grep -q "as it arrives" restart.err || fail "restart did not stream: $(cat restart.err)"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored selfpipe exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "selfpipe did not report success"
pass
