#!/bin/sh
# 14-nanosleep: a process checkpointed (--kill) in the middle of a 10 s
# sleep and restored 3 s later must sleep only the time it had left: not
# return early, not with EINTR, not sleep the whole 10 s again, and not
# count the downtime as slept.  Sleepers at once: libc nanosleep (relative
# clock_nanosleep on CLOCK_REALTIME, which the kernel runs on MONOTONIC),
# the raw nanosleep system call, relative clock_nanosleep on
# CLOCK_MONOTONIC; and an absolute clock_nanosleep (TIMER_ABSTIME on
# CLOCK_REALTIME), which must end at its deadline, downtime or not.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module

D=10		# seconds each relative sleeper sleeps
DA=14		# seconds to the absolute sleeper's deadline
LOW=300		# ms it may end before the expected time
HIGH=1500	# ms it may end after the expected time
MODES="libc raw mono abs"

for m in $MODES; do
	d=$D
	[ "$m" = abs ] && d=$DA
	sleeper -m "$m" "$d" "$m.out" </dev/null >"$m.stdout" 2>"$m.err" &
	eval "pid_$m=$!"
	track $!
	DUMP_ON_FAIL="$DUMP_ON_FAIL $m.out $m.err $m.ckpt.err $m.restart.err"
done
for m in $MODES; do
	wait_for 30 file_has "$m.out" start_ns= || fail "$m: sleeper did not start"
done
sleep 4

for m in $MODES; do
	eval "pid=\$pid_$m"
	t0=$(nowms)
	ckpt --kill -o "$m.img" "$pid" 2>"$m.ckpt.err" || fail "$m: ckpt --kill failed: $(cat "$m.ckpt.err")"
	t1=$(nowms)
	wait "$pid"
	eval "t0_$m=$t0 t1_$m=$t1"
done
for m in $MODES; do
	file_has "$m.out" end_ns= && fail "$m: the sleep ended before the checkpoint"
done

sleep 3

for m in $MODES; do
	r0=$(nowms)
	restart "$m.img" </dev/null >"$m.restart.out" 2>"$m.restart.err" ||
		fail "$m: restart failed: $(cat "$m.restart.err")"
	r1=$(nowms)
	eval "r0_$m=$r0 r1_$m=$r1"
done

for m in $MODES; do
	eval "pid=\$pid_$m t0=\$t0_$m t1=\$t1_$m r0=\$r0_$m r1=\$r1_$m"
	wait_for $((D + 20)) file_has "$m.out" end_ns= || fail "$m: restored sleeper never woke up"
	start=$(($(kv "$m.out" start_ns) / 1000000))
	end=$(($(kv "$m.out" end_ns) / 1000000))
	ret=$(kv "$m.out" ret)
	[ "$ret" = 0 ] || fail "$m: restored sleep returned $ret: $(cat "$m.err")"
	[ "$(kv "$m.out" pid)" = "$pid" ] || fail "$m: woke up with pid $(kv "$m.out" pid), expected $pid"
	if [ "$m" = abs ]; then
		# it ends at its deadline, or at once if restored after it
		dl=$((start + DA * 1000))
		if [ "$dl" -ge "$r1" ]; then
			lo=$dl
			hi=$((dl + HIGH))
		elif [ "$dl" -le "$r0" ]; then
			lo=$r0
			hi=$((r1 + HIGH))
		else
			lo=$r0
			hi=$((dl + HIGH))
		fi
		log "$m: woke $((end - start)) ms after it started (deadline $((DA * 1000)) ms, restored at $((r0 - start))..$((r1 - start)) ms), down $((r0 - t1)) ms"
	else
		# left to sleep when frozen, somewhere between t0 and t1
		left_min=$((D * 1000 - (t1 - start)))
		left_max=$((D * 1000 - (t0 - start)))
		# the restored sleep starts between r0 and r1
		lo=$((r0 + left_min - LOW))
		hi=$((r1 + left_max + HIGH))
		log "$m: slept $((t0 - start))..$((t1 - start)) ms, down $((r0 - t1)) ms, woke $((end - r1)) ms after restart (expected $left_min..$left_max)"
	fi
	[ "$end" -ge "$lo" ] || fail "$m: woke up $((lo - end)) ms too early (slept too little: downtime counted, or returned early)"
	[ "$end" -le "$hi" ] || fail "$m: woke up $((end - hi)) ms too late (slept the whole duration again?)"
	expect_gone "$pid" "$m: after waking"
done
pass
