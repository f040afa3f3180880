#!/bin/sh
# 09-migrate-unconfirmed: the receiver's answer to the commit is lost (a
# proxy forwards its verdict, then cuts both sides when the answer
# comes).  The receiver has the process and keeps it; the sender cannot
# know that, so it neither kills nor resumes the source: exit 6, a message
# saying so and what to do, the source stopped.  Never two copies
# running, never none: the restored copy counts on, the source does not
# move; the operator's 'kill -9' of the source leaves the copy intact.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out mitm.err mitm.out"

sk_start src
pid=$SK_PID
start=$(proc_field "$pid" 22)
sk_wait_counter src 3
rx_start tcp:127.0.0.1:7009
# struct ckpt_mig_verdict is 304 bytes: the answer after it is lost
mitm 7109 7009 backcut 304 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"

ckpt migrate "$pid" --to tcp:127.0.0.1:7109 >mig.out 2>mig.err
st=$?
[ "$st" -eq 6 ] || fail "ckpt migrate exited $st, expected 6 (undecided): $(cat mig.err)"
test -e cut || fail "the proxy never cut the answer"
grep -q "cannot tell whether tcp:127.0.0.1:7109 took over $pid" mig.err ||
	fail "the message does not say the outcome is unknown: $(cat mig.err)"
grep -q "$pid stays stopped here" mig.err || fail "the message does not say $pid stays stopped: $(cat mig.err)"
grep -q "kill -CONT $pid" mig.err || fail "no hint on what to do: $(cat mig.err)"
[ -s mig.out ] && fail "a summary was printed for an unconfirmed migration: $(cat mig.out)"

# the receiver kept it: its copy counts on; the source is stopped
wait_for 10 file_has rx.log "restored pid $pid" || fail "receiver log: $(cat rx.log)"
host=$(ns_host_pid "$pid")
[ -n "$host" ] || fail "no process with PID $pid in the receiver's namespace"
[ "$(proc_state "$pid")" = T ] || fail "the source is in state $(proc_state "$pid"), expected T (stopped)"
[ "$(proc_field "$pid" 22)" = "$start" ] || fail "PID $pid is no longer the original process"
c0=$(sk_counter src)
sk_wait_counter src $((c0 + 3))
[ "$(proc_state "$pid")" = T ] || fail "the source ran meanwhile: state $(proc_state "$pid")"

# the operator removes the stopped source; the copy is untouched
kill -9 "$pid"
wait "$pid" 2>/dev/null
c1=$(sk_counter src)
sk_wait_counter src $((c1 + 3))
sk_check_log src
sk_finish_restored src "$host" $((c1 + 3))
pass "exit 6, source stopped, the receiver's copy ran on"
