#!/bin/sh
# 93-rseq: glibc's rseq registrations, of the main thread and of a second
# thread, are live after restart: the same area cannot be registered
# again (EBUSY) and the kernel writes the current CPU into it when a
# signal is delivered (rseqcheck checks both, before and after).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

rseqcheck "$TESTDIR" </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
if ! wait_for 30 test -e ready; then
	wait "$PROG_PID"
	[ $? -eq 3 ] && skip "glibc registered no rseq"
	fail "rseqcheck did not start: $(cat p.err)"
fi
prog_checkpoint
grep -q "THREAD" show.out || fail "the image has no THREAD record"
prog_restart
prog_finish
pass
