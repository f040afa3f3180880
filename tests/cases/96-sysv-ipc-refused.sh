#!/bin/sh
# 96-sysv-ipc-refused: a process that sent to a SysV message queue, and one
# that operated on a semaphore set, of our (shared) IPC namespace: 'ckpt
# --kill' refuses each with EOPNOTSUPP and a message naming the queue or
# set (they are not saved), leaves no image, and the process runs on
# untouched: its message and semaphore value are still there.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err"

for kind in msgq sem; do
	mkdir "$kind" && cd "$kind" || fail "mkdir"
	sysvshm "$kind" "$TESTDIR/$kind" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "sysvshm $kind did not start: $(cat p.err)"
	id=$(kv ready id)
	ckpt --kill -o img "$PROG_PID" 2>ckpt.err && fail "ckpt of a $kind user succeeded"
	expect_err EOPNOTSUPP ckpt.err >/dev/null
	case $kind in
	msgq) what="message queue $id" ;;
	sem) what="semaphore set $id" ;;
	esac
	grep -q "process $PROG_PID uses SysV $what " ckpt.err ||
		fail "the refusal does not name $what: $(cat ckpt.err)"
	[ ! -e img ] || fail "a refused checkpoint left an image"
	proc_alive "$PROG_PID" || fail "the refused process $PROG_PID is gone"
	touch go
	wait "$PROG_PID" || fail "sysvshm $kind failed after the refusal: $(cat p.err)"
	grep -q "all checks passed" p.out || fail "sysvshm $kind did not report success"
	cd .. || fail "cd"
done
pass
