#!/bin/sh
# 99-freeze-ioctl: CKPT_IOC_FREEZE, the hold 'ckpt migrate --live' puts
# on a process for each pre-copy round.  Bad fields (flags, fd, reserved,
# pid 0) are EINVAL, a free PID ESRCH, the caller itself EDEADLK, another
# user's process EPERM, and none of them touches the process.  Held: it
# makes no progress and is not in a stopped state (T/t); the descriptor
# is close-on-exec; a checkpoint takes it at once and leaves it held;
# closed: it goes on; 'ckptctl status' counts it held (processes_held).  It never saw a SIGCONT (its own
# final check), so neither it nor its parent saw a stop.  A held process
# still dies of SIGKILL.  CKPT_IOC_RESTORE_RELEASE refuses bad fields, a
# file with nothing prepared or a restore not held, and a second call.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err h.out h.err ck.err"

dirtier_start 4 64
size() { stat -c %s progress; }
grows() { _s=$(size); sleep 0.3; [ "$(size)" -gt "$_s" ]; }

expect() {
	_want=$1
	shift
	_got=$(freezer try "$@")
	[ "$_got" = "freeze=$_want" ] || fail "freezer try $*: $_got, expected freeze=$_want"
}
expect EINVAL "$pid" 1
expect EINVAL "$pid" 0 5
expect EINVAL "$pid" 0 0 1
expect EINVAL 0
expect ESRCH "$(free_pid)"
expect EDEADLK self
got=$(su -s /bin/sh -c "freezer try $pid" "$TEST_USER")
[ "$got" = freeze=EPERM ] || fail "another user's process: $got, expected freeze=EPERM"
grows || fail "dirtier makes no progress after the refused calls"

mkdir h
freezer hold "$pid" "$TESTDIR/h" >h.out 2>h.err &
holder=$!
track "$holder"
wait_for 30 test -e h/held || fail "no hold: $(cat h.out h.err)"
grep -q "^freeze=ok fd=[0-9]* cloexec=1$" h.out || fail "hold: $(cat h.out)"
held() { ckptctl status | sed -n 's/^processes_held: //p'; }
[ "$(held)" = 1 ] || fail "ckptctl status: processes_held $(held) while one is held"
st=$(proc_state "$pid")
case $st in
T|t) fail "held, it is in the stopped state $st" ;;
esac
s0=$(size)
sleep 1
[ "$(size)" = "$s0" ] || fail "held, it still made progress ($s0 -> $(size) bytes of progress)"
# a checkpoint takes a held process as frozen (no 10 s freeze timeout)
# and leaves it held
t0=$(date +%s)
ckpt -o img "$pid" 2>ck.err || fail "ckpt of a held process: $(cat ck.err)"
[ $(($(date +%s) - t0)) -lt 8 ] || fail "ckpt of a held process took $(($(date +%s) - t0)) s"
ckpt show img >/dev/null 2>&1 || fail "ckpt show rejects the image of the held process"
sleep 0.5
[ "$(size)" = "$s0" ] || fail "after the checkpoint it runs although still held"
touch h/release
wait "$holder" || fail "the holder failed: $(cat h.err)"
[ "$(held)" = 0 ] || fail "ckptctl status: processes_held $(held) after the release"
wait_for 10 grows || fail "released, it makes no progress"
log "held 1 s in state $st, no progress; released, it runs"

# SIGKILL ends a held process
sleep 1000 </dev/null >/dev/null 2>&1 &
victim=$!
track "$victim"
mkdir v
freezer hold "$victim" "$TESTDIR/v" >v.out 2>&1 &
vh=$!
track "$vh"
wait_for 30 test -e v/held || fail "no hold of the victim: $(cat v.out)"
kill -KILL "$victim"
expect_gone "$victim" "a held process after SIGKILL"
touch v/release
wait "$vh" || fail "the victim's holder failed: $(cat v.out)"

# CKPT_IOC_RESTORE_RELEASE: nothing prepared ENOENT; a restore prepared
# without CKPT_RESTORE_HOLD, flags or reserved set: EINVAL; released
# once (a hold never run: nothing waits), then EALREADY
got=$(freezer release img) || fail "freezer release: $got"
[ "$got" = "release: ENOENT EINVAL EINVAL EINVAL ok EALREADY" ] ||
	fail "CKPT_IOC_RESTORE_RELEASE: $got, expected ENOENT EINVAL EINVAL EINVAL ok EALREADY"
grows || fail "dirtier makes no progress after the release calls"

touch go
wait "$pid"
st=$?
[ "$st" -eq 0 ] || fail "dirtier exited $st: $(cat p.err)"
file_has p.out "all checks passed" || fail "dirtier: $(cat p.out p.err)"
pass
