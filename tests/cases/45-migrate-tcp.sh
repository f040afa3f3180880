#!/bin/sh
# 45-migrate-tcp: 'ckpt migrate PID --to tcp:...' to 'restart --listen' (in
# a new PID namespace): the process arrives with its PID, all its state
# intact, its log continues with no tick lost or repeated; the original
# is gone; the sender reports bytes and downtime.  Then a multi-threaded
# process, with --key (held at the receiver until the commit), checks
# its threads after the move.
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

# A multi-threaded process (mthreads: three workers checking their TIDs,
# TLS and masks), with --key: the receiver holds it, threads and all,
# from its restore to the commit, then lets it run.
kill "$RX_PID"
wait_for 10 proc_gone "$RX_PID" || fail "the first receiver did not stop"
head -c 32 /dev/urandom >key
chmod 600 key
RX_OPTS="--allow 127.0.0.1 --key key"
RX_MOUNT_PROC=1
rx_start tcp:127.0.0.1:7145
RX_MOUNT_PROC=
subdir mt
prog_start mthreads
mpid=$PROG_PID
ckpt migrate --key ../key "$mpid" --to tcp:127.0.0.1:7145 >mig.out 2>mig.err ||
	fail "mthreads: ckpt migrate failed: $(cat mig.err)"
wait "$mpid" 2>/dev/null
mhost=$(ns_host_pid "$mpid")
[ -n "$mhost" ] || fail "mthreads: no process with PID $mpid at the receiver"
[ "$(ls "/proc/$mhost/task" | wc -l)" -eq 4 ] ||
	fail "mthreads: $(ls "/proc/$mhost/task" | wc -l) threads at the receiver"
touch go
wait_for 30 file_has p.out "all checks passed" ||
	fail "mthreads: the migrated process failed its checks: $(cat p.err)"
pass
