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
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err ckpt2.err restart.err show.out show2.out"

prog_start vmshare
P=$PROG_PID
S=$(kv ready s)
V=$(kv ready v)
[ "$(kv ready pid)" = "$P" ] && [ -n "$S" ] && [ -n "$V" ] ||
	fail "bad ready file: $(cat ready)"
track "$S" "$V"

ckpt --tree --kill -o img "$P" 2>ckpt.err ||
	fail "ckpt --tree --kill of processes sharing an address space failed: $(cat ckpt.err)"
wait "$P"
for p in $P $S $V; do
	expect_gone "$p" "after ckpt --tree --kill"
done
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
pass
