#!/bin/sh
# 45-migrate-tcp: 'ckpt migrate PID --to tcp:...' to 'restart --listen' (in
# a new PID namespace): the process arrives with its PID, all its state
# intact, its log continues with no tick lost or repeated; the original
# is gone; the sender reports bytes and downtime.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out"

sk_start src
pid=$SK_PID
sk_wait_counter src 3
rx_start tcp:127.0.0.1:7045

ckpt migrate -v "$pid" --to tcp:127.0.0.1:7045 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "ckpt migrate exited $st: $(cat mig.err)"
grep -qE "^migrated pid=$pid to=tcp:127.0.0.1:7045 new_pid=$pid bytes=[1-9][0-9]* downtime_ms=[0-9]+ total_ms=[0-9]+\$" mig.out ||
	fail "unexpected summary: $(cat mig.out)"
log "$(cat mig.out)"
wait "$pid" 2>/dev/null
expect_gone "$pid" "the original after the migration"
host=$(ns_host_pid "$pid")
[ -n "$host" ] || fail "no process with PID $pid in the receiver's namespace"
file_has rx.log "restored pid $pid" || fail "receiver log: $(cat rx.log)"

c0=$(sk_counter src)
sk_wait_counter src $((c0 + 4))
sk_check_status src "$pid"
sk_check_ymm src
sk_check_log src
sk_finish_restored src "$host" $((c0 + 4))
sk_check_log src
pass
