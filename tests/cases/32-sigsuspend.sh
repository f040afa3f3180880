#!/bin/sh
# 32-sigsuspend: a process checkpointed inside sigsuspend() is restored
# with its real signal mask, not sigsuspend's temporary one: after the
# signal wakes it, SIGUSR1 is blocked again.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start suspender
pid=$PROG_PID
sleep 0.5
prog_checkpoint
grep -A10 "^@[0-9]* TASK" show.out | grep "blocked" | grep -q "USR1" ||
	fail "the saved mask does not block SIGUSR1: $(grep -A3 TASK show.out | tr '\n' ' ')"
prog_restart
sleep 0.5
kill -USR1 "$pid"
wait "$RESTART_PID"
st=$?
[ "$st" -eq 0 ] || fail "restored suspender exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "suspender did not report success"
pass
