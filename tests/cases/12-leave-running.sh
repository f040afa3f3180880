#!/bin/sh
# 12-leave-running: plain "ckpt -o img PID" leaves the target running: its
# counter goes on, with the same PID, and it passes its final self-check.
# The image is valid (ckpt show), and once the original has exited and been
# reaped, restoring the image gives a second life that also passes.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err restart.err"

sk_start sk
pid=$SK_PID
sk_wait_counter sk 5

# statekeeper rewrites status via status.tmp + rename; an image taken while
# status.tmp was open cannot be restored once the original has renamed it,
# so take it again in that (rare) case.
cb=$(sk_counter sk)
tries=0
while :; do
	ckpt -o img "$pid" 2>ckpt.err || fail "ckpt failed: $(cat ckpt.err)"
	ckpt show img >show.out 2>show.err || fail "ckpt show rejects the image: $(cat show.err)"
	grep -q 'status\.tmp' show.out || break
	tries=$((tries + 1))
	[ "$tries" -lt 5 ] || fail "every image caught status.tmp open"
done
c0=$(sk_counter sk)
st=$(proc_state "$pid")
case "$st" in
R|S) ;;
*) fail "after ckpt the target is in state '$st', expected running (R/S)" ;;
esac
sk_wait_counter sk $((c0 + 10))
sk_check_status sk "$pid"
log "original still running after ckpt: counter $c0 -> $(sk_counter sk)"

sk_finish sk "$pid" "$c0"
sk_check_log sk
c1=$(sk_counter sk)

# second life from the same image: it starts again from the image's
# counter (between cb and c0), so its log lines repeat the original's
rm -f sk/stop sk/status
restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
sk_wait_counter sk $((c0 + 3))
sk_check_status sk "$pid"
n=$(grep -c "^tick $((c0 + 2))\$" sk/log)
[ "$n" = 2 ] || fail "expected 'tick $((c0 + 2))' twice in the log (original and restored), found $n"
sk_finish sk "$rpid" "$cb"
pass "original ran to $c1, image restored from $c0 to $(sk_counter sk)"
