#!/bin/sh
# 48-migrate-refused: three failures, each leaving the source running on
# with its PID and state, and nothing on the receiver:
#  - a byte of page data flipped in transit: the receiver's restore fails
#    on the CRC (EBADMSG) before the new process runs; exit 4;
#  - a receiver where the PID is taken (same PID namespace as the frozen
#    source): refused with EEXIST, named in the message; exit 4;
#  - a receiver that never reads: --timeout 3 gives exit 5 (ETIMEDOUT).
# timeout: 150
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mitm.err"

sk_start src
pid=$SK_PID
start=$(proc_field "$pid" 22)
sk_wait_counter src 3

# resumed: the source runs on, same process, counting, state intact.
resumed() {
	[ "$(proc_field "$pid" 22)" = "$start" ] || fail "$1: PID $pid is no longer the original"
	_c=$(sk_counter src)
	sk_wait_counter src $((_c + 2))
	sk_check_status src "$pid"
}

# 1. corrupted page data
ckpt -o probe.img "$pid" 2>ckpt.err || fail "probe checkpoint: $(cat ckpt.err)"
size=$(stat -c %s probe.img)
rm -f probe.img
rx_start tcp:127.0.0.1:7048
rm -f listening paused
mitm 7148 7048 flip $((size - 3000)) >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"
ckpt migrate "$pid" --to tcp:127.0.0.1:7148 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "corrupt stream: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err 'EBADMSG' mig.err >/dev/null
grep -q "corrupt" mig.err || fail "corrupt stream: message: $(cat mig.err)"
grep -q "$pid resumed" mig.err || fail "corrupt stream: no 'resumed': $(cat mig.err)"
log "corrupt: $(cat mig.err)"
wait_for 10 file_has rx.log "NOT restored" || fail "receiver log: $(cat rx.log)"
sleep 0.5
ns_has_pid "$pid" && fail "corrupt stream: a process with PID $pid is left in the receiver's namespace"
resumed "corrupt stream"
kill -9 "$RX_PID"

# 2. PID taken at the receiver
rx_start tcp:127.0.0.1:7058 20 same-pidns
ckpt migrate "$pid" --to tcp:127.0.0.1:7058 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "PID taken: ckpt migrate exited $st, expected 4: $(cat mig.err)"
expect_err 'EEXIST' mig.err >/dev/null
grep -q "PID $pid" mig.err || fail "PID taken: the message does not name PID $pid: $(cat mig.err)"
log "pid taken: $(cat mig.err)"
resumed "PID taken"
kill -9 "$RX_PID"

# 3. a receiver that never reads (the proxy forwards nothing)
rx_start tcp:127.0.0.1:7068
rm -f listening paused
mitm 7168 7068 pause 0 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"
t0=$(date +%s)
ckpt migrate --timeout 3 "$pid" --to tcp:127.0.0.1:7168 >mig.out 2>mig.err
st=$?
t1=$(date +%s)
[ "$st" -eq 5 ] || fail "timeout: ckpt migrate exited $st, expected 5: $(cat mig.err)"
expect_err 'ETIMEDOUT' mig.err >/dev/null
[ $((t1 - t0)) -le 8 ] || fail "timeout: took $((t1 - t0)) s with --timeout 3"
log "timeout: $(cat mig.err)"
resumed "timeout"

c0=$(sk_counter src)
sk_check_log src
sk_finish src "$pid" "$c0"
pass
