#!/bin/sh
# 13-leave-stopped: "ckpt --stop" leaves the target stopped (state T), its
# counter does not move; SIGCONT resumes it and it passes its self-check.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err"

sk_start sk
pid=$SK_PID
sk_wait_counter sk 5

ckpt --stop -o img "$pid" 2>ckpt.err || fail "ckpt --stop failed: $(cat ckpt.err)"
st=$(proc_state "$pid")
[ "$st" = T ] || fail "after ckpt --stop the target is in state '$st', expected T"
ckpt show img >show.out 2>show.err || fail "ckpt show rejects the image: $(cat show.err)"
c0=$(sk_counter sk)
sleep 1
c1=$(sk_counter sk)
[ "$c0" = "$c1" ] || fail "counter moved while stopped: $c0 -> $c1"
[ "$(proc_state "$pid")" = T ] || fail "target no longer stopped after 1 s: $(proc_state "$pid")"

kill -CONT "$pid"
sk_wait_counter sk $((c0 + 5))
sk_check_status sk "$pid"
sk_finish sk "$pid" "$c0"
sk_check_log sk
pass "stopped at counter $c0, resumed to $(sk_counter sk)"
