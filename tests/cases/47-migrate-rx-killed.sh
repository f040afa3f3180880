#!/bin/sh
# 47-migrate-rx-killed: the receiver is killed while the image streams (a
# proxy holds the stream after 64 KiB): the source stays frozen until
# then, then ckpt migrate exits 3 saying the connection broke, and the
# source runs on with its PID and all its state, its log continuous.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out mitm.err"

sk_start src
pid=$SK_PID
start=$(proc_field "$pid" 22)
sk_wait_counter src 3
rx_start tcp:127.0.0.1:7047
mitm 7147 7047 pause 65536 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"

ckpt migrate "$pid" --to tcp:127.0.0.1:7147 >mig.out 2>mig.err &
mig=$!
wait_for 30 test -e paused || fail "the stream never reached 64 KiB: $(cat mig.err)"
frozen_check src 1
kill -9 "$RX_PID"
wait "$mig"
st=$?
[ "$st" -eq 3 ] || fail "ckpt migrate exited $st, expected 3 (link broke): $(cat mig.err)"
expect_err 'EPIPE|ECONNRESET|ENODATA' mig.err >/dev/null
grep -qE "broke|without a verdict" mig.err || fail "the message does not say the link broke: $(cat mig.err)"
grep -q "$pid resumed" mig.err || fail "the message does not say $pid resumed: $(cat mig.err)"
[ -s mig.out ] && fail "a summary was printed for a failed migration: $(cat mig.out)"

[ "$(proc_field "$pid" 22)" = "$start" ] || fail "PID $pid is no longer the original process"
c0=$(sk_counter src)
sk_wait_counter src $((c0 + 3))
case "$(proc_state "$pid")" in
R|S) ;;
*) fail "the source is in state $(proc_state "$pid") after the failure" ;;
esac
sk_check_status src "$pid"
sk_check_log src
sk_finish src "$pid" $((c0 + 3))
pass
