#!/bin/sh
# 06-file-locks: a flock(2) write lock, POSIX write and read locks on byte
# ranges (one to the end of the file), an open file description lock and
# a flock read lock through a dup'ed descriptor are held again after
# restart: locker forks a prober that checks what conflicts, with which
# PID, and what does not, before the checkpoint and after the restore.
# The image has one FLOCK record for each of the five.  A restore while
# the original still holds them (restart --pid-ns) fails with EAGAIN
# naming the descriptor, and the original keeps running with its locks.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out ns.err"

prog_start locker
ckpt -o img "$PROG_PID" 2>ckpt.err || fail "ckpt failed: $(cat ckpt.err)"
restart --pid-ns img </dev/null >ns.out 2>ns.err
st=$?
[ "$st" -eq 1 ] || fail "restart while the original holds the locks exited $st: $(cat ns.err)"
grep -q "(EAGAIN)" ns.err && grep -q "held by another process" ns.err ||
	fail "the refusal does not say the lock is held: $(cat ns.err)"
proc_alive "$PROG_PID" || fail "the original died"

prog_checkpoint
[ "$(grep -c ': .* lock' show.out)" -eq 5 ] ||
	fail "not 5 locks in the image: $(grep ' lock' show.out)"
for pat in "flock write lock" "POSIX write lock, bytes 0+100" \
	   "POSIX read lock, bytes 200 to the end" \
	   "OFD write lock, bytes 10+10" "flock read lock"; do
	grep -q "$pat" show.out || fail "ckpt show has no '$pat'"
done
prog_restart
prog_finish
pass
