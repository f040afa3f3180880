#!/bin/sh
# 43-pidrange-two-nodes: two PID namespaces in one guest act as two nodes,
# A with the range [1000,1500) and B with [2000,2500).  A process started
# on A is checkpointed there (killed), its PID tombstoned on A, restored on
# B with the same PID (a foreign PID on B: free, no claim needed), then
# migrates home: checkpointed on B, untombstone not needed, restored on A
# by claiming its tombstone.  At each step the process prints getpid()
# and its tick count, which must go on without a gap.  Restoring on B
# while the PID is still in use there fails with EEXIST naming the holder.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
command -v ckptctl >/dev/null || fail "ckptctl not installed"
DUMP_ON_FAIL="c.err ckpt.err restart.err restart2.err"

# start_node NAME LO HI: a PID namespace whose init sets the range and
# then waits; sets NODE_INIT (its init's PID here).
start_node() {
	unshare -p -f --mount-proc sh -c "ckptctl pid-range $2 $3 >$1.range 2>&1 || exit 1
		touch $1.ready; while :; do sleep 1; done" </dev/null &
	_u=$!
	track "$_u"
	wait_for 20 test -e "$1.ready" || fail "node $1 did not start: $(cat "$1.range")"
	NODE_INIT=$(cat "/proc/$_u/task/$_u/children" | tr -d ' ')
	[ -n "$NODE_INIT" ] || fail "node $1: no init found"
	track "$NODE_INIT"
}
start_node A 1000 1500
A=$NODE_INIT
start_node B 2000 2500
B=$NODE_INIT
on() {
	_n=$1
	shift
	nsenter -t "$_n" -p -m -w"$TESTDIR" "$@"
}
clear_ranges() {
	on "$A" ckptctl pid-range off >/dev/null 2>&1
	on "$B" ckptctl pid-range off >/dev/null 2>&1
	_cleanup
}
trap clear_ranges EXIT
st_val() {
	sed -n "s/^$2: //p" "$1" | cut -d' ' -f1
}
last_tick() {
	sed -n 's/^tick \([0-9]*\) .*/\1/p' c.out | tail -n 1
}
# check_ticks FROM PID: lines from tick FROM on all say "pid PID"
check_ticks() {
	sed -n "/^tick $1 /,\$p" c.out >ticks.out
	[ -s ticks.out ] || fail "tick $1 missing: $(tail -n 3 c.out | tr '\n' '|')"
	_bad=$(grep -v "pid $2\$" ticks.out | head -n 1)
	[ -z "$_bad" ] || fail "after tick $1 the counter prints '$_bad', expected pid $2"
}

on "$A" counter -i 100 </dev/null >c.out 2>c.err &
track $!
wait_for 20 grep -q '^tick 3 ' c.out || fail "counter did not start on A"
pid=$(sed -n '1s/.*pid //p' c.out)
[ "$pid" -ge 1000 ] && [ "$pid" -lt 1500 ] || fail "counter got PID $pid on A, outside [1000,1500)"
log "counter is PID $pid on node A"

on "$A" ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt on A: $(cat ckpt.err)"
t1=$(last_tick)
on "$A" ckptctl tombstone "$pid" >t.out 2>t.err || fail "tombstone on A: $(cat t.err)"

# On B the PID is foreign: free, and never handed out by B's forks.
on "$B" forkrange range 2000 2500 300 >fB.out 2>fB.err || fail "forks on B: $(cat fB.err)"
on "$B" restart --wait img </dev/null >restart.out 2>restart.err &
rB=$!
track "$rB"
wait_for 30 grep -q "^tick $((t1 + 2)) " c.out || fail "not restored on B: $(cat restart.err)"
check_ticks $((t1 + 1)) "$pid"
log "restored on node B as PID $pid"

# B already has a process with that PID: a second restore fails, naming it.
on "$B" restart img </dev/null >r2.out 2>restart2.err && fail "a second restore on B succeeded"
expect_err EEXIST restart2.err >/dev/null
grep -q "PID $pid is in use by process $pid ('counter')" restart2.err ||
	fail "EEXIST does not name the holder: $(cat restart2.err)"

# A keeps the emigrant's PID: its forks wrap twice without taking it.
on "$A" forkrange range 1000 1500 1100 "$pid" >fA.out 2>fA.err || fail "forks on A: $(cat fA.err)"
on "$A" ckptctl status >sA.out
[ "$(st_val sA.out tombstones)" = 1 ] || fail "A's status: $(cat sA.out)"

# Home again: checkpoint on B, restore on A through the claim.
on "$B" ckpt --kill -o img2 "$pid" 2>ckpt.err || fail "ckpt on B: $(cat ckpt.err)"
wait "$rB"
t2=$(last_tick)
on "$A" restart --wait img2 </dev/null >restart.out 2>restart.err &
track $!
wait_for 30 grep -q "^tick $((t2 + 2)) " c.out || fail "not restored on A: $(cat restart.err)"
check_ticks $((t2 + 1)) "$pid"
on "$A" ckptctl status >sA2.out
[ "$(st_val sA2.out claims)" = 1 ] && [ "$(st_val sA2.out tombstones)" = 0 ] ||
	fail "A after the return: $(cat sA2.out)"
on "$B" ckptctl status >sB.out
grep -q '^range: 2000-2500$' sB.out || fail "B's status: $(cat sB.out)"
[ "$(st_val sB.out managed_namespaces)" = 2 ] || fail "B's status: $(cat sB.out)"
pass "PID $pid: A -> B -> A, ticks $t1 and $t2 continued"
