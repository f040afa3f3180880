#!/bin/sh
# 46-migrate-vsock: the same migration over AF_VSOCK (vsock_loopback, CID
# 1 = this guest): same PID, state intact, log continuous.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out"

load_vsock
sk_start src
pid=$SK_PID
sk_wait_counter src 3
rx_start vsock:any:7046

ckpt migrate "$pid" --to vsock:1:7046 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "ckpt migrate over vsock exited $st: $(cat mig.err)"
grep -qE "^migrated pid=$pid to=vsock:1:7046 new_pid=$pid bytes=[1-9]" mig.out ||
	fail "unexpected summary: $(cat mig.out)"
log "$(cat mig.out)"
wait "$pid" 2>/dev/null
expect_gone "$pid" "the original after the migration"
host=$(ns_host_pid "$pid")
[ -n "$host" ] || fail "no process with PID $pid in the receiver's namespace"
grep -qE "vsock:1:[0-9]+: restored pid $pid" rx.log || fail "receiver log does not name a vsock peer: $(cat rx.log)"

c0=$(sk_counter src)
sk_wait_counter src $((c0 + 4))
sk_check_status src "$pid"
sk_check_log src
sk_finish_restored src "$host" $((c0 + 4))
pass
