#!/bin/sh
# 60-signal-wakeup: a process checkpointed while blocked in pause() or a
# read() reacts to a signal as the original would have: pause() and a
# read() without SA_RESTART end with EINTR (no lost wakeup); with
# SA_RESTART the handler runs and read() keeps waiting for its data.
# Twice for each: with the signal sent after restart, and with the signal
# already pending in the image (sent while the process was stopped by a
# first checkpoint, so it is delivered on the way out of the restore).
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err"

sleeping() {
	[ "$(proc_state "$1")" = S ]
}

# usr1_pending PID: SIGUSR1 (bit 9) pending, for the thread or the process.
usr1_pending() {
	for _m in $(sed -n 's/^\(ShdPnd\|SigPnd\):[[:space:]]*//p' "/proc/$1/status"); do
		[ $((0x$_m & 0x200)) -ne 0 ] && return 0
	done
	return 1
}

for when in after pending; do
	for mode in pause eintr restart; do
		rm -f ready go img img0 p.out p.err fifo
		wakeup "$TESTDIR" "$mode" </dev/null >p.out 2>p.err &
		PROG_PID=$!
		track "$PROG_PID"
		wait_for 30 test -e ready || fail "$mode: wakeup did not start: $(cat p.err)"
		wait_for 10 sleeping "$PROG_PID" || fail "$mode: it never slept"
		if [ "$when" = pending ]; then
			ckpt --stop -o img0 "$PROG_PID" 2>ckpt.err ||
				fail "ckpt --stop failed: $(cat ckpt.err)"
			kill -USR1 "$PROG_PID"
			wait_for 5 usr1_pending "$PROG_PID" ||
				fail "$mode: SIGUSR1 is not pending in the stopped process"
		fi
		prog_checkpoint
		if [ "$when" = pending ]; then
			grep -A2 " SIGPENDING" show.out | grep -q "USR1 (process)" ||
				fail "$mode: the image holds no pending SIGUSR1"
		fi
		if [ "$when" = after ] || [ "$mode" = restart ]; then
			prog_restart
		else
			# It may wake, check and exit before we could see it.
			restart --wait img </dev/null >restart.out 2>restart.err &
			RESTART_PID=$!
			track "$RESTART_PID"
		fi
		if [ "$when" = after ]; then
			wait_for 10 sleeping "$PROG_PID" ||
				fail "$mode: the restored process does not sleep"
			kill -USR1 "$PROG_PID"
		fi
		if [ "$mode" = restart ]; then
			# The handler ran and read() must still be waiting.
			sleep 1
			proc_alive "$PROG_PID" ||
				fail "$when/restart: read() ended on the signal: $(cat p.err)"
			echo hello >fifo
		fi
		wait_for 10 proc_gone "$RESTART_PID" ||
			fail "$when/$mode: the signal did not wake the restored process (lost wakeup)"
		wait "$RESTART_PID"
		st=$?
		[ "$st" -eq 0 ] ||
			fail "$when/$mode: the restored program exited with $st: $(cat p.err)"
		grep -q "all checks passed" p.out ||
			fail "$when/$mode: it did not report success"
		log "$when/$mode: ok"
	done
done
pass
