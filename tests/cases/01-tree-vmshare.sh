#!/bin/sh
# 01-tree-vmshare: 'ckpt --tree' of processes sharing an address space and
# signal handlers (clone(2) with CLONE_VM | CLONE_SIGHAND, and CLONE_VM
# alone, no CLONE_THREAD): P, S (CLONE_VM | CLONE_SIGHAND) and V
# (CLONE_VM), each on its own stack.  The image holds the address space
# once (S and V have SHARES records, no MM, VMA or PAGES records of their
# own; S no SIGACTIONS record); after restart the PIDs and parents are
# back, a re-checkpoint finds the same sharing in the kernel, and the
# program checks itself: each process's own mask, pending signal and fd
# offset; S's and V's counters move in P's memory and they echo a token
# P writes; a handler S installs with sigaction() is P's and runs in P on
# SIGUSR1, V keeps its own; a page S maps after the restart P and V read.
# Then a chain: Q with a thread, B (CLONE_VM), B's child C (CLONE_VM |
# CLONE_SIGHAND, on B's handlers, not Q's), checked the same way.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err ckpt2.err restart.err show.out show2.out c.err c.out ckpt3.err restart3.err show3.out"

prog_start vmshare
P=$PROG_PID
S=$(kv ready s)
V=$(kv ready v)
[ "$(kv ready pid)" = "$P" ] && [ -n "$S" ] && [ -n "$V" ] ||
	fail "bad ready file: $(cat ready)"
track "$S" "$V"

tree_ckpt_kill ckpt.err img "$P" " of processes sharing an address space" $P $S $V
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
[ "$(grep -c "shares the address space of process $P (CLONE_VM)" show.out)" -eq 2 ] ||
	fail "the image does not say that S and V share P's address space"
[ "$(grep -c "shares the signal handlers of process $P (CLONE_SIGHAND)" show.out)" -eq 1 ] ||
	fail "the image does not say that S (only) shares P's signal handlers"
# one copy of the address space, of the handlers
[ "$(grep -c '^@[0-9]* MM ' show.out)" -eq 1 ] ||
	fail "not one MM record: $(grep -c '^@[0-9]* MM ' show.out)"
[ "$(grep -c '^@[0-9]* SIGACTIONS ' show.out)" -eq 2 ] ||
	fail "not 2 SIGACTIONS records (P, V)"

prog_restart
for p in $S $V; do
	wait_for 10 proc_alive "$p" || fail "process $p did not come back: $(cat restart.err)"
done
[ "$(proc_field "$S" 4)" = "$P" ] && [ "$(proc_field "$V" 4)" = "$P" ] ||
	fail "parents after restart: S's $(proc_field "$S" 4), V's $(proc_field "$V" 4)"
[ "$(proc_field "$S" 6)" = "$P" ] && [ "$(proc_field "$V" 6)" = "$P" ] ||
	fail "sessions after restart: S's $(proc_field "$S" 6), V's $(proc_field "$V" 6)"

# The kernel's view: the restored processes share again.
ckpt --tree -o img2 "$P" 2>ckpt2.err ||
	fail "re-checkpoint of the restored tree failed: $(cat ckpt2.err)"
ckpt show img2 >show2.out 2>&1 || fail "ckpt show rejects the second image"
[ "$(grep -c "shares the address space of process $P (CLONE_VM)" show2.out)" -eq 2 ] &&
	[ "$(grep -c "shares the signal handlers of process $P (CLONE_SIGHAND)" show2.out)" -eq 1 ] ||
	fail "the restored tree does not share as the original did: $(grep -A2 SHARES show2.out | tr '\n' '|')"

prog_finish

# The chain: Q (with a thread T) --CLONE_VM--> B --CLONE_VM|CLONE_SIGHAND--> C:
# one address space (Q's), C on B's handlers; a handler C installs is B's
# and not Q's, T still counts, C's new page is Q's and B's.
mkdir -p chain
vmshare chain "$TESTDIR/chain" </dev/null >c.out 2>c.err &
Q=$!
track "$Q"
wait_for 30 test -e chain/ready || fail "vmshare chain did not start: $(cat c.err)"
B=$(kv chain/ready b)
C=$(kv chain/ready c)
T=$(kv chain/ready t)
track "$B" "$C"
[ -n "$B" ] && [ -n "$C" ] && [ -n "$T" ] || fail "bad ready file: $(cat chain/ready)"
tree_ckpt_kill ckpt3.err chain.img "$Q" " of the chain" $Q $B $C
ckpt show chain.img >show3.out 2>&1 || fail "ckpt show rejects the chain's image"
[ "$(grep -c "shares the address space of process $Q (CLONE_VM)" show3.out)" -eq 2 ] &&
	[ "$(grep -c "shares the signal handlers of process $B (CLONE_SIGHAND)" show3.out)" -eq 1 ] &&
	[ "$(grep -c "shares the signal handlers" show3.out)" -eq 1 ] ||
	fail "the chain's image does not say that B and C share Q's address space, C B's handlers: $(grep -A2 SHARES show3.out | tr '\n' '|')"
restart --wait chain.img </dev/null >restart3.out 2>restart3.err &
R=$!
track "$R"
for p in $Q $B $C; do
	wait_for 30 proc_alive "$p" || fail "process $p of the chain did not come back: $(cat restart3.err)"
done
[ "$(proc_field "$B" 4)" = "$Q" ] && [ "$(proc_field "$C" 4)" = "$B" ] ||
	fail "parents after restart: B's $(proc_field "$B" 4), C's $(proc_field "$C" 4)"
# (its threads are made by the restoring process, after its PID)
wait_for 10 test -d "/proc/$Q/task/$T" || fail "Q's thread $T is not back"
touch chain/go
wait "$R"
st=$?
[ "$st" -eq 0 ] || fail "the restored chain exited with $st: $(cat c.err)"
grep -q "all checks passed" c.out || fail "the chain did not report success: $(cat c.err)"
pass
