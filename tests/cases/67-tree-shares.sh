#!/bin/sh
# 67-tree-shares: 'ckpt --tree' of processes sharing a file table and fs
# contexts (clone(2) with CLONE_FILES, CLONE_FS, no CLONE_THREAD): P, A
# (CLONE_FILES, with a second thread T), C (A's child, CLONE_FILES |
# CLONE_FS) and B (CLONE_FS).  The image names the sharers (SHARES
# records, no FILE records of their own); after restart every PID and
# parent is back, a re-checkpoint of the restored tree finds the same
# sharing in the kernel, and the program checks itself: fd 40's offset,
# O_APPEND and close-on-exec kept; a descriptor opened or closed, or a
# close-on-exec cleared, by A, T or C shows in P's table (not in B's); a
# chdir/umask by P shows in B and B's in P, C's in A and not in P.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err ckpt2.err restart.err show.out show2.out"

prog_start shares
P=$PROG_PID
A=$(kv ready a)
B=$(kv ready b)
C=$(kv ready c)
[ "$(kv ready pid)" = "$P" ] && [ -n "$A" ] && [ -n "$B" ] && [ -n "$C" ] ||
	fail "bad ready file: $(cat ready)"
track "$A" "$B" "$C"

tree_ckpt_kill ckpt.err img "$P" " of a tree sharing a file table and fs contexts" $P $A $B $C
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
[ "$(grep -c "shares the file table of process $P (CLONE_FILES)" show.out)" -eq 2 ] ||
	fail "the image does not say that A and C share P's file table"
grep -q "shares the fs context (cwd, root, umask) of process $P (CLONE_FS)" show.out ||
	fail "the image does not say that B shares P's fs context"
grep -q "shares the fs context (cwd, root, umask) of process $A (CLONE_FS)" show.out ||
	fail "the image does not say that C shares A's fs context"
[ "$(grep -c '^@[0-9]* SHARES' show.out)" -eq 3 ] ||
	fail "not 3 SHARES records (A, B, C)"

prog_restart
for p in $A $B $C; do
	wait_for 10 proc_alive "$p" || fail "process $p did not come back: $(cat restart.err)"
done
[ "$(proc_field "$A" 4)" = "$P" ] && [ "$(proc_field "$B" 4)" = "$P" ] &&
	[ "$(proc_field "$C" 4)" = "$A" ] ||
	fail "parents after restart: A's $(proc_field "$A" 4), B's $(proc_field "$B" 4), C's $(proc_field "$C" 4)"
[ "$(ls /proc/$A/task | wc -l)" -eq 2 ] || fail "A does not have its 2 threads back"

# The kernel's view: the restored processes share again.
ckpt --tree -o img2 "$P" 2>ckpt2.err ||
	fail "re-checkpoint of the restored tree failed: $(cat ckpt2.err)"
ckpt show img2 >show2.out 2>&1 || fail "ckpt show rejects the second image"
[ "$(grep -c "shares the file table of process $P (CLONE_FILES)" show2.out)" -eq 2 ] &&
	grep -q "shares the fs context (cwd, root, umask) of process $P (CLONE_FS)" show2.out &&
	grep -q "shares the fs context (cwd, root, umask) of process $A (CLONE_FS)" show2.out ||
	fail "the restored tree does not share as the original did: $(grep -A2 SHARES show2.out | tr '\n' '|')"

prog_finish
pass
