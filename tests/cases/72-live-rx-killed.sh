#!/bin/sh
# 72-live-rx-killed: the receiver is killed during the pre-copy (a
# proxy holds the stream after 1 MiB of round 0): ckpt migrate --live
# exits 3 saying the connection broke, and the source, never frozen for
# more than a moment, runs on with its PID, not stopped, and all its
# memory intact (it checks it itself).
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out mitm.err p.err"

dirtier_start 16 512
start=$(proc_field "$pid" 22)
rx_start tcp:127.0.0.1:7072 60
mitm 7172 7072 pause 1048576 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"

ckpt migrate --live "$pid" --to tcp:127.0.0.1:7172 >mig.out 2>mig.err &
mig=$!
wait_for 60 test -e paused || fail "the stream never reached 1 MiB: $(cat mig.err)"
kill -9 "$RX_PID"
wait "$mig"
st=$?
[ "$st" -eq 3 ] || fail "ckpt migrate exited $st, expected 3 (link broke): $(cat mig.err)"
expect_err 'EPIPE|ECONNRESET|ENODATA' mig.err >/dev/null
grep -q "pre-copy round 0" mig.err || fail "the message does not name the round: $(cat mig.err)"
grep -q "$pid runs on" mig.err || fail "the message does not say $pid runs on: $(cat mig.err)"
[ -s mig.out ] && fail "a summary was printed for a failed migration: $(cat mig.out)"
log "$(cat mig.err | tail -n 1)"

source_intact "$pid" "$start"
pass
