#!/bin/sh
# 29-deleted-files: files deleted while open (an unlinked file with a hole,
# an O_TMPFILE) come back with their contents, size, offsets and the
# "(deleted)" name.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="g.err ckpt.err restart.err show.out"

ghost "$TESTDIR" </dev/null >g.out 2>g.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "ghost did not start"
ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "GHOSTDATA" show.out || fail "no deleted-file data in the image"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored ghost exited with $st: $(cat g.err)"
grep -q "all checks passed" g.out || fail "ghost did not report success"
pass
