#!/bin/sh
# 91-skip-fds: a process holding a fanotify fd (7) and an io_uring (8) is
# refused by ckpt (EOPNOTSUPP, the fd named, a hint at --skip) and runs
# on; with --skip=fds it is checkpointed, ckpt show and restart name the
# fds left out, and after restart fds 7 and 8 are closed while the rest
# (a file at its offset, memory) is intact (skipper checks).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err ckpt0.err restart.err show.out"

prog_start skipper
ckpt -o img0 "$PROG_PID" 2>ckpt0.err
st=$?
[ "$st" -eq 1 ] || fail "ckpt without --skip exited $st, expected 1"
expect_err EOPNOTSUPP ckpt0.err >/dev/null
grep -q "fd 7" ckpt0.err || fail "the refusal does not name fd 7: $(cat ckpt0.err)"
grep -q -- "--skip=fds" ckpt0.err || fail "the refusal does not mention --skip=fds"
sleep 0.2
proc_alive "$PROG_PID" || fail "skipper died after the refused checkpoint"

ckpt --skip=fds --kill -o img "$PROG_PID" 2>ckpt.err ||
	fail "ckpt --skip=fds failed: $(cat ckpt.err)"
grep -q "left out 2 objects" ckpt.err || fail "ckpt does not say it left 2 objects out: $(cat ckpt.err)"
wait "$PROG_PID"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "skipped fd 7: anon_inode:\[fanotify\]" show.out ||
	fail "ckpt show does not list fd 7 (fanotify) as skipped"
grep -q "skipped fd 8: " show.out || fail "ckpt show does not list fd 8 as skipped"
prog_restart
wait_for 10 grep -q "fd 7 (anon_inode:\[fanotify\]) was left out" restart.err ||
	fail "restart does not say fd 7 was left out: $(cat restart.err)"
prog_finish
pass
