#!/bin/sh
# 09-migrate-unconfirmed: the receiver's answer to the commit is lost (a
# proxy forwards its verdict, then cuts both sides when the answer
# comes).  The receiver has the process and keeps it; the sender cannot
# know that, so it neither kills nor resumes the source: exit 6, a message
# saying so and what to do, the source stopped.  Never two copies
# running, never none: the restored copy counts on, the source does not
# move; the operator's 'kill -9' of the source leaves the copy intact.
# Then the receiver's copy is killed while it is held, before the commit
# (a proxy delays the verdict): the receiver must not answer COMMITTED,
# so the sender keeps its source, stopped (exit 6), instead of killing
# the only live copy.
# timeout: 180
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

# 2. the copy killed while held, before the commit arrives
kill "$RX_PID"
wait_for 10 proc_gone "$RX_PID" || fail "the first receiver did not stop"
sh -c 'exec counter -i 200 </dev/null >k.out 2>k.err' &
kpid=$!
track "$kpid"
wait_for 10 file_has k.out "tick 2 " || fail "the counter did not start: $(cat k.err)"
rx_start tcp:127.0.0.1:7209
rm -f listening delayed
mitm 7309 7209 backdelay 6000 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"
ckpt migrate "$kpid" --to tcp:127.0.0.1:7309 >mig.out 2>mig.err &
mig=$!
# held: the copy parked in the kernel (I or D) once restored
held() {
	_h=$(ns_host_pid "$kpid")
	[ -n "$_h" ] || return 1
	case "$(proc_state "$_h")" in
	D|I) return 0 ;;
	esac
	return 1
}
wait_for 20 held ||
	fail "killed while held: no held copy at the receiver (state $(proc_state "$(ns_host_pid "$kpid")")): $(cat rx.log)"
copy=$(ns_host_pid "$kpid")
test -e delayed && fail "killed while held: the verdict went through before the test could kill the copy"
kill -9 "$copy"
wait "$mig"
st=$?
[ "$st" -eq 6 ] || fail "killed while held: ckpt migrate exited $st, expected 6: $(cat mig.err)"
file_has rx.log "was killed before the commit" ||
	fail "killed while held: receiver log: $(cat rx.log)"
[ "$(proc_state "$kpid")" = T ] ||
	fail "killed while held: the source is in state $(proc_state "$kpid"), expected T (kept, stopped)"
log "killed while held: $(cat mig.err)"
kill -CONT "$kpid"
n0=$(tail -n 1 k.out | awk '{ print $2 }')
wait_for 10 sh -c "[ \$(tail -n 1 k.out | awk '{ print \$2 }') -ge $((n0 + 2)) ]" ||
	fail "killed while held: the kept source does not count on after SIGCONT (at $n0)"
kill "$kpid"
pass "exit 6, source stopped, the receiver's copy ran on; a copy killed while held is not committed"
