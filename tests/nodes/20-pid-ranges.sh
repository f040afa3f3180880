#!/bin/sh
# 20-pid-ranges: two boots as two nodes with reserved PID ranges, each in
# its managed PID namespace: node a owns [1000,1100), node b [2000,2100).
# On a, 1000 forks never leave a's range; a process tree (a ring of pipes,
# its own session and groups) started there is checkpointed with --tree
# and killed, and its PIDs are tombstoned: 400 more forks (4 wraps of the
# range) never take them.  On b, the image restores with every PID, PPID,
# PGID and SID unchanged (foreign PIDs on b: free, no claim), the pipeline
# goes on without loss and each process checks itself; b's own forks stay
# in b's range and never take the tree's PIDs.  A counter from a whose PID
# a process on b holds (made with clone3(set_tid), as a process migrated
# in from elsewhere would be): its restore fails with EEXIST naming the
# holder, and restart --pid-ns restores it with its PID in a new PID
# namespace, counting on.
# timeout: 400
. /tests/cases/lib.sh
require_module
command -v ckptctl >/dev/null || fail "ckptctl not installed"
DUMP_ON_FAIL="ckpt.err restart.err p.err node.range ee.err rn.err hold.out"

# start_node LO HI: this node's managed PID namespace, its init setting
# the range; sets NS (that init's PID here).
start_node() {
	unshare -p -f --mount-proc sh -c "ckptctl pid-range $1 $2 >node.range 2>&1 || exit 1
		touch node.ready; while :; do sleep 1; done" </dev/null &
	_u=$!
	track "$_u"
	wait_for 20 test -e node.ready || fail "the node's namespace did not start: $(cat node.range)"
	NS=$(tr -d ' ' <"/proc/$_u/task/$_u/children")
	[ -n "$NS" ] || fail "no init found in the node's namespace"
	track "$NS"
}

on() {
	nsenter -t "$NS" -p -m -w"$TESTDIR" "$@"
}

clear_range() {
	[ -n "$NS" ] && on ckptctl pid-range off >/dev/null 2>&1
	_cleanup
}
trap clear_range EXIT

node_a() {
	start_node 1000 1100
	on forkrange range 1000 1100 1000 >f1.out 2>f1.err ||
		fail "forks on a: $(cat f1.err)"
	log "node a: $(cat f1.out)"
	on tree "$TESTDIR" </dev/null >p.out 2>p.err &
	track $!
	wait_for 60 test -e ready || fail "the tree did not start: $(cat p.err)"
	members=""
	for n in R A B C; do
		wait_for 30 test -e "ready.$n" || fail "process $n did not start"
		p=$(kv "ready.$n" pid)
		[ "$p" -ge 1000 ] && [ "$p" -lt 1100 ] ||
			fail "process $n got PID $p on a, outside [1000,1100)"
		members="$members $p"
	done
	root=$(kv ready.R pid)
	on ckpt --tree --kill -o img "$root" 2>ckpt.err ||
		fail "ckpt --tree --kill on a: $(cat ckpt.err)"
	for p in $members; do
		on ckptctl tombstone "$p" >/dev/null 2>t.err ||
			fail "tombstone $p on a: $(cat t.err)"
	done
	# shellcheck disable=SC2086
	on forkrange range 1000 1100 400 $members >f2.out 2>f2.err ||
		fail "forks on a after the emigration: $(cat f2.err)"
	log "node a: tree$members checkpointed and tombstoned; $(cat f2.out)"
	echo "$members" >members
	# A counter for the collision on b.
	on counter -i 100 </dev/null >d.out 2>d.err &
	track $!
	wait_for 20 grep -q '^tick 3 ' d.out || fail "the counter did not tick on a: $(cat d.err)"
	p2=$(sed -n 's/.* pid \([0-9]*\)$/\1/p' d.out | tail -n 1)
	on ckpt --kill -o img2 "$p2" 2>ckpt.err || fail "ckpt --kill of the counter on a: $(cat ckpt.err)"
	echo "$p2" >counter.pid
	tar -cf "$XFER/files.tar" . || fail "cannot save the files for node b"
	pass
}

node_b() {
	[ -s "$XFER/files.tar" ] || skip "node a left nothing (it failed)"
	tar -xf "$XFER/files.tar" || fail "cannot unpack node a's files"
	rm -f go node.ready node.range
	start_node 2000 2100
	members=$(cat members)
	on forkrange range 2000 2100 200 >f1.out 2>f1.err ||
		fail "forks on b: $(cat f1.err)"
	on restart --wait img </dev/null >restart.out 2>restart.err &
	rpid=$!
	track "$rpid"
	for n in R A B C; do
		p=$(kv "ready.$n" pid)
		wait_for 30 on test -e "/proc/$p" ||
			fail "process $n ($p) is not back on b: $(cat restart.err)"
		for f in pgid:5 sid:6; do
			want=$(kv "ready.$n" "${f%:*}")
			got=$(on cat "/proc/$p/stat" | sed 's/.*) //' | cut -d' ' -f$((${f#*:} - 2)))
			[ "$got" = "$want" ] || fail "process $n ($p): ${f%:*} $got on b, was $want"
		done
	done
	# shellcheck disable=SC2086
	on forkrange range 2000 2100 200 $members >f2.out 2>f2.err ||
		fail "forks on b with the tree back: $(cat f2.err)"
	touch go
	wait "$rpid"
	st=$?
	[ "$st" -eq 0 ] || fail "the restored tree exited with $st: $(tail -n 3 p.err)"
	grep -q "all checks passed" p.out || fail "the tree did not report success"
	# The counter's PID genuinely taken on b: EEXIST, then --pid-ns.
	p2=$(cat counter.pid)
	t2=$(sed -n 's/^tick \([0-9]*\) .*/\1/p' d.out | tail -n 1)
	on forkrange hold "$p2" >hold.out 2>&1 || fail "forkrange hold: $(cat hold.out)"
	[ "$(kv hold.out held)" = "$p2" ] || fail "cannot hold PID $p2 on b: $(cat hold.out)"
	on restart img2 </dev/null >/dev/null 2>ee.err &&
		fail "the counter was restored over PID $p2, held on b"
	expect_err EEXIST ee.err >/dev/null
	grep -q "PID $p2 is in use by process $p2 ('forkrange')" ee.err ||
		fail "EEXIST does not name the holder: $(cat ee.err)"
	on restart -v --pid-ns --wait img2 </dev/null >rn.out 2>rn.err &
	track $!
	wait_for 30 grep -q "^tick $((t2 + 2)) " d.out ||
		fail "the --pid-ns restore on b does not tick: $(cat rn.err)"
	bad=$(sed -n "/^tick $((t2 + 1)) /,\$p" d.out | grep -v "pid $p2\$" | head -n 1)
	[ -z "$bad" ] || fail "the copy in a new namespace prints '$bad', expected pid $p2"
	copy=$(sed -n 's/.*(pid \([0-9]*\) here).*/\1/p' rn.err)
	[ -n "$copy" ] || fail "restart -v does not say where the copy is: $(cat rn.err)"
	on kill -9 "$copy" "$p2"
	pass "tree$members restored on b; b's forks: $(cat f2.out); counter $p2: EEXIST, then --pid-ns"
}

case $NODE in
a) node_a ;;
b) node_b ;;
*) fail "NODE is '$NODE', expected a or b" ;;
esac
