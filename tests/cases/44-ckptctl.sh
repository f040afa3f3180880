#!/bin/sh
# 44-ckptctl: 'ckptctl monitor' prints the events of a PID range set, a
# tombstone and untombstone, a range clear, a checkpoint (start, done with
# the image's size) and a failed one (to /dev/full, with ckpt's errno), in order, with
# the right PIDs; 'ckptctl status' works for an unprivileged user, but
# changes and event subscription are refused with EPERM; bad arguments
# give usage errors.
. "$(dirname "$0")/lib.sh"
require_module
command -v ckptctl >/dev/null || fail "ckptctl not installed"
DUMP_ON_FAIL="mon.out mon.err"

ckptctl monitor -n 8 >mon.out 2>mon.err &
mon=$!
track "$mon"
wait_for 10 grep -q '^monitoring' mon.out || fail "monitor did not start: $(cat mon.err)"

unshare -p -f --mount-proc sh -c '
	ckptctl pid-range 300 400 >/dev/null || exit 1
	ckptctl tombstone 333 >tomb.out || exit 2
	ckptctl untombstone 333 >/dev/null || exit 3
	ckptctl pid-range off >/dev/null || exit 4
' 2>ns.err || fail "namespace steps failed ($?): $(cat ns.err)"
grep -q '^PID 333 tombstoned$' tomb.out || fail "tombstone of a free PID: $(cat tomb.out)"

spin </dev/null >/dev/null 2>&1 &
sp=$!
track "$sp"
wait_for 10 proc_alive "$sp" || fail "spin did not start"
ckpt -o img "$sp" 2>ckpt.err || fail "ckpt: $(cat ckpt.err)"
size=$(wc -c <img)
ckpt -o /dev/full "$sp" 2>full.err && fail "checkpoint to /dev/full succeeded"
# (a function: wait_for must count the lines again each time)
mon_lines_ge() {
	[ "$(wc -l <mon.out)" -ge "$1" ]
}
wait_for 90 mon_lines_ge 9 || fail "monitor saw $(($(wc -l <mon.out) - 1)) events, expected 8: $(tr '\n' '|' <mon.out)"
wait "$mon" || fail "monitor -n 8 exited $?"
sed -n '2,$p' mon.out >ev.out
log "events: $(tr '\n' '|' <ev.out)"
expect_line() {
	sed -n "$1p" ev.out | grep -qx -- "$2" ||
		fail "event $1 is '$(sed -n "$1p" ev.out)', expected '$2'"
}
expect_line 1 'event=pid-range-set range=300-400'
expect_line 2 'event=tombstone pid=333'
expect_line 3 'event=untombstone pid=333'
expect_line 4 'event=pid-range-clear'
expect_line 5 "event=checkpoint-start pid=$sp"
expect_line 6 "event=checkpoint-done pid=$sp bytes=$size"
expect_line 7 "event=checkpoint-start pid=$sp"
e8=$(sed -n 8p ev.out)
echo "$e8" | grep -qxE "event=checkpoint-fail pid=$sp( bytes=[0-9]+)? error=E[A-Z0-9]+" ||
	fail "event 8 is '$e8', expected a checkpoint-fail"
grep -q "(${e8##*error=})" full.err ||
	fail "the event's error ${e8##*error=} is not the one ckpt reported: $(cat full.err)"

# status for everyone, changes for CAP_SYS_ADMIN only
su -s /bin/sh -c 'ckptctl status' "$TEST_USER" >ust.out 2>ust.err ||
	fail "status as a user failed: $(cat ust.err)"
grep -q '^range: none$' ust.out || fail "user status: $(cat ust.out)"
su -s /bin/sh -c 'ckptctl pid-range 300 400' "$TEST_USER" >/dev/null 2>uperm.err &&
	fail "a user could set a PID range"
expect_err EPERM uperm.err >/dev/null
timeout 10 su -s /bin/sh -c 'ckptctl monitor -n 1' "$TEST_USER" >/dev/null 2>umon.err &&
	fail "a user could subscribe to events"
expect_err EPERM umon.err >/dev/null
ckptctl tombstone 333 2>nr.err && fail "tombstone without a range accepted"
expect_err ENXIO nr.err >/dev/null
ckptctl tombstone abc 2>bad.err
[ $? -eq 2 ] || fail "ckptctl tombstone abc: not a usage error"
ckptctl frobnicate 2>bad2.err
[ $? -eq 2 ] || fail "unknown command: not a usage error"
pass
