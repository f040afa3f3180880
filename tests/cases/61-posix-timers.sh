#!/bin/sh
# 61-posix-timers: POSIX timers come back with their IDs (a gap left by a
# deleted one stays a gap), clocks, notification (to the process, to one
# thread, none), si_value, time left and interval; the periodic ones keep
# firing.  ckpt show lists them.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start ptimers
sleep 1
prog_checkpoint
n=$(grep -c "POSIX timer" show.out)
[ "$n" -eq 5 ] || fail "ckpt show lists $n POSIX timers, expected 5"
grep -q "POSIX timer 5: clock 1, SIG.* to thread " show.out ||
	fail "timer 5 is not shown signalling its thread"
prog_restart
prog_finish
log "$(cat p.out)"
pass
