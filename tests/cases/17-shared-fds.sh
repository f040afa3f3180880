#!/bin/sh
# 17-shared-fds: descriptors sharing one open file (dup) share it again
# after restart: one offset, one set of status flags; a separate open of
# the same file stays separate; FD_CLOEXEC stays per descriptor.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="d.err ckpt.err restart.err show.out"

dupfds "$TESTDIR" </dev/null >d.out 2>d.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "dupfds did not start"

ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "shares the open file of fd" show.out ||
	fail "the image does not record the shared open files"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored dupfds exited with $st: $(cat d.err)"
grep -q "all checks passed" d.out || fail "dupfds did not report success"
[ "$(cat f)" = "0123X" ] || fail "file contents '$(cat f)', expected 0123X"
pass
