#!/bin/sh
# 16-recheckpoint: a restored process can be checkpointed and restored
# again: statekeeper goes through two checkpoint/restart generations and
# its log stays exactly continuous across both.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt1.err ckpt2.err restart1.err restart2.err"

sk_start sk
pid=$SK_PID
sk_wait_counter sk 5

ckpt --kill -o img1 "$pid" 2>ckpt1.err || fail "first ckpt --kill failed: $(cat ckpt1.err)"
wait "$pid"
c1=$(sk_counter sk)
restart --wait img1 </dev/null >restart1.out 2>restart1.err &
rpid1=$!
track "$pid" "$rpid1"
sk_wait_counter sk $((c1 + 5))
sk_check_status sk "$pid"

ckpt --kill -o img2 "$pid" 2>ckpt2.err || fail "second ckpt --kill (of the restored process) failed: $(cat ckpt2.err)"
wait "$rpid1"
st=$?
[ "$st" -eq 137 ] || fail "restart --wait of generation 1 exited $st, expected 137 (its process was killed)"
c2=$(sk_counter sk)
restart --wait img2 </dev/null >restart2.out 2>restart2.err &
rpid2=$!
track "$rpid2"
sk_wait_counter sk $((c2 + 5))
sk_check_status sk "$pid"
sk_check_log sk

sk_finish sk "$rpid2" "$c2"
sk_check_log sk
pass "counter $c1 -> $c2 -> $(sk_counter sk)"
