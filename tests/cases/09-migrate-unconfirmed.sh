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
# the only live copy.  Last, the receiver's handler is killed while its
# copy is held: the module kills the copy (the restore's descriptor
# closed before it was released), which never ran, and again the sender
# keeps its source stopped (exit 6).
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

# held_case N PORT WHAT: migrate a counter through a proxy that delays
# the receiver's verdict; while the receiver's copy is held, kill WHAT:
# "copy" (the copy itself) or "handler" (the receiver's handler, whose
# open restore then kills the copy in the module).  Either way the
# receiver never answers COMMITTED: the sender keeps its source, stopped
# (exit 6), and no copy runs at the receiver.
held_case() {
	_hc=$1
	kill "$RX_PID"
	wait_for 10 proc_gone "$RX_PID" || fail "$_hc: the previous receiver did not stop"
	# appending: a copy that ran would add its ticks, not overwrite
	: >"k$3.out"
	sh -c "exec counter -b 2 </dev/null >>k$3.out 2>k$3.err" &
	kpid=$!
	track "$kpid"
	wait_for 10 file_has "k$3.out" "tick 2 " || fail "$_hc: the counter did not start: $(cat "k$3.err")"
	rx_start "tcp:127.0.0.1:$2"
	rm -f listening delaying delayed
	mitm $(($2 + 100)) "$2" backdelay 6000 >mitm.out 2>mitm.err &
	track $!
	wait_for 10 test -e listening || fail "$_hc: mitm did not start"
	ckpt migrate "$kpid" --to "tcp:127.0.0.1:$(($2 + 100))" >mig.out 2>mig.err &
	mig=$!
	# the verdict is on its way (held in the proxy): the copy is held
	wait_for 20 test -e delaying ||
		fail "$_hc: no verdict from the receiver: $(cat rx.log)"
	wait_for 5 held ||
		fail "$_hc: no held copy at the receiver (state $(proc_state "$(ns_host_pid "$kpid")")): $(cat rx.log)"
	copy=$(ns_host_pid "$kpid")
	test -e delayed && fail "$_hc: the verdict went through before the test could act"
	_t=$(tail -n 1 "k$3.out")
	if [ "$3" = copy ]; then
		kill -9 "$copy"
	else
		handler=$(child_of "$RX_PID") || fail "$_hc: no handler under the receiver"
		[ "$handler" != "$copy" ] || fail "$_hc: the receiver's child is the copy"
		kill -9 "$handler"
		wait_for 10 copy_gone ||
			fail "$_hc: the handler died and its held copy $copy lives on (state $(proc_state "$copy"))"
	fi
	wait "$mig"
	_st=$?
	[ "$_st" -eq 6 ] || fail "$_hc: ckpt migrate exited $_st, expected 6: $(cat mig.err)"
	if [ "$3" = copy ]; then
		file_has rx.log "was killed before the commit" ||
			fail "$_hc: receiver log: $(cat rx.log)"
	fi
	ns_has_pid "$kpid" && fail "$_hc: a copy of $kpid runs at the receiver"
	[ "$(proc_state "$kpid")" = T ] ||
		fail "$_hc: the source is in state $(proc_state "$kpid"), expected T (kept, stopped)"
	[ "$(tail -n 1 "k$3.out")" = "$_t" ] ||
		fail "$_hc: the held copy or the stopped source wrote: $(tail -n 2 "k$3.out" | tr '\n' '|')"
	log "$_hc: $(cat mig.err)"
	kill -CONT "$kpid"
	_n0=$(tail -n 1 "k$3.out" | awk '{ print $2 }')
	wait_for 10 sh -c "[ \$(tail -n 1 k$3.out | awk '{ print \$2 }') -ge $((_n0 + 2)) ]" ||
		fail "$_hc: the kept source does not count on after SIGCONT (at $_n0)"
	kill "$kpid"
	# A tick written twice: by a copy that ran, then by the source.
	_d=$(awk '{ print $2 }' "k$3.out" | sort -n | uniq -d | head -n 3)
	[ -z "$_d" ] || fail "$_hc: ticks written twice (the copy ran): $_d"
}

copy_gone() {
	! ns_has_pid "$kpid"
}

# held: the copy parked in the kernel (I or D) once restored
held() {
	_h=$(ns_host_pid "$kpid")
	[ -n "$_h" ] || return 1
	case "$(proc_state "$_h")" in
	D|I) return 0 ;;
	esac
	return 1
}

# 2. the copy killed while held, before the commit arrives
held_case "killed while held" 7209 copy
# 3. the receiver's handler killed while its copy is held
held_case "handler killed" 7219 handler
pass "exit 6, source stopped, the receiver's copy ran on; a copy killed while held, or whose receiver died, is not committed and never runs"
