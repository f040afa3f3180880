#!/bin/sh
# 97-sysv-ipc-named: 'ckpt --sysv-ipc msg:ID' (and sem:ID) saves a message
# queue (semaphore set) of our IPC namespace that the process uses: the
# image holds it (a queued message; a value), the object is removed after
# the checkpoint, and restart makes it again with its id and contents:
# the restored process finds its message (its semaphore value) under the
# same id.  With its id taken by another object: EEXIST, nothing
# restored.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

for kind in msgq sem; do
	mkdir "$kind" && cd "$kind" || fail "mkdir"
	case $kind in
	msgq) pre=msg rm=rmmsg ;;
	sem) pre=sem rm=rmsem ;;
	esac
	sysvshm "$kind" "$TESTDIR/$kind" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "sysvshm $kind did not start: $(cat p.err)"
	id=$(kv ready id)
	ckpt --sysv-ipc "$pre:$id" --kill -o img "$PROG_PID" 2>ckpt.err ||
		fail "ckpt --sysv-ipc $pre:$id failed: $(cat ckpt.err)"
	wait "$PROG_PID"
	ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
	case $kind in
	msgq) grep -q "SysV message queue $id .*: 1 messages" show.out &&
		grep -q "message 0: type 5, 5 bytes" show.out ||
		fail "the image does not hold queue $id with its message" ;;
	sem) grep -q "SysV semaphore set $id .*: 1 values 3\$" show.out ||
		fail "the image does not hold set $id with value 3" ;;
	esac
	sysvshm "$rm" "$id" || fail "cannot remove $pre $id"
	prog_restart restart -v --wait img
	prog_finish
	log "$kind: made again"

	# its id taken by another object: refused
	sysvshm "squat$pre" "$id" || fail "cannot make a $pre with id $id"
	restart --wait img </dev/null >restart2.out 2>restart2.err &&
		fail "restart succeeded with $pre id $id taken"
	sysvshm "$rm" "$id"
	expect_err EEXIST restart2.err >/dev/null
	grep -q "id $id is taken by another one" restart2.err ||
		fail "the refusal does not name id $id: $(cat restart2.err)"
	proc_gone "$PROG_PID" || fail "pid $PROG_PID was restored anyway"
	log "$kind: id taken: refused"
	cd .. || fail "cd"
done
pass
