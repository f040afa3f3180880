#!/bin/sh
# 62-cpu-itimers: ITIMER_PROF and ITIMER_VIRTUAL are saved with the CPU
# time they had left and their intervals (ckpt show lists them), and keep
# firing as the restored process uses CPU time.  Then POSIX timers on
# CPU-time clocks (the process's, the main thread's, another thread's) and
# on CLOCK_BOOTTIME_ALARM: same IDs and time left, each runs down with its
# own clock only, the process one keeps firing (cputimers checks); and
# again in a tree (under a shell, ckpt --tree), whose process arms them
# after filling its last pages.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start cpuitimer
sleep 1
prog_checkpoint
grep -q "ITIMER_PROF .* interval 0.050000000 s" show.out ||
	fail "the image has no ITIMER_PROF every 50 ms"
grep -q "ITIMER_VIRTUAL .* interval 0.050000000 s" show.out ||
	fail "the image has no ITIMER_VIRTUAL every 50 ms"
prog_restart
prog_finish
log "$(cat p.out)"

subdir posix
prog_start cputimers
prog_checkpoint
grep -q "(scheduler CPU time of the process), SIGRTMIN\|(scheduler CPU time of the process), SIG" show.out ||
	fail "ckpt show has no timer on the process's CPU time"
grep -q "(scheduler CPU time of thread [0-9]*)" show.out ||
	fail "ckpt show has no timer on a thread's CPU time"
prog_restart
prog_finish
log "$(cat p.out)"

# The same in a tree (ckpt --tree of a shell waiting for cputimers): a
# process of a tree fills its last pages after its turn and arms its
# CPU-time timers after that.
cd .. && subdir tree
prog_start_in_tree cputimers
prog_checkpoint --tree
prog_restart
prog_finish
log "tree: $(cat p.out)"
pass
