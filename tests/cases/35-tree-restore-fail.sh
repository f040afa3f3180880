#!/bin/sh
# 35-tree-restore-fail: a tree comes back whole or not at all.  The ring of
# 33-tree is checkpointed and killed.  A bit flipped in the page data of
# its second process (A), which fills its last pages after passing the
# turn on: restart exits 1 (EBADMSG), none of the four PIDs is left.  The
# file its last process (C) keeps
# open is removed, so C's restore fails after R, A and B restored
# themselves: restart exits 1 naming C's descriptor (ENOENT), and none of
# the four PIDs is left alive.  Then a tree whose session leader is not in
# the tree (a parent and child started by this shell) is refused by a
# restart running in another session, and restored by one in the same
# session, with its PIDs, group and session.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err err"

tree_start tree "R A B C"
tree_ckpt_kill ckpt.err img "$root" "" $members

# A bit flipped in the page data of A, the second process: A fills its
# last pages once it has passed the turn on, B and C restoring meanwhile;
# the tree still fails whole (EBADMSG) and no process is left.
imgedit walk img >walk.out 2>&1 || fail "imgedit walk: $(tail -n 3 walk.out)"
oA=$(awk -v p="pid=$pid_A" '$2 == "TASK" { cur = ($NF == p) } cur && $2 == "PAGES" && $3 > 4096 { print $1; exit }' walk.out)
[ -n "$oA" ] || fail "no PAGES record of process A ($pid_A) in the image"
cp img img.flip
imgedit flip img.flip $((oA + 32 + 100)) 1 || fail "imgedit flip"
restart --wait img.flip >restart.out 2>restart.err </dev/null
st=$?
[ "$st" -eq 1 ] || fail "restart of a tree with a bad page in A exited $st, expected 1"
expect_err EBADMSG restart.err >/dev/null
for p in $members; do
	expect_gone "$p" "after the failed restore of a tree with a bad page"
done

rm c.data
restart --wait img >restart.out 2>restart.err </dev/null
st=$?
[ "$st" -eq 1 ] || fail "restart of a tree whose last process cannot restore exited $st, expected 1"
expect_err ENOENT restart.err >/dev/null
grep -q "pid $pid_C: fd [0-9]*" restart.err ||
	fail "the error does not name process $pid_C and its fd: $(cat restart.err)"
for p in $members; do
	expect_gone "$p" "after the failed restore of the tree"
done

# a session led from outside the tree
mkdir -p pair
tree pair "$TESTDIR/pair" </dev/null >/dev/null 2>p2.err &
P=$!
track "$P"
wait_for 20 test -e pair/ready || fail "tree pair did not start: $(cat p2.err)"
C=$(kv pair/ready child)
track "$C"
pg=$(proc_field "$P" 5)
s=$(proc_field "$P" 6)
ckpt --tree --kill -o img2 "$P" 2>ckpt.err || fail "ckpt --tree of the pair failed: $(cat ckpt.err)"
wait "$P"
expect_gone "$C" "after ckpt --tree --kill"
setsid restart img2 >/dev/null 2>err </dev/null
st=$?
[ "$st" -eq 1 ] || fail "restart from another session exited $st, expected 1"
expect_err EOPNOTSUPP err >/dev/null
grep -q "process $P is in session $s, whose leader is not in the tree" err ||
	fail "the refusal does not explain the session: $(cat err)"
proc_gone "$P" && proc_gone "$C" || fail "a refused restart left a process"
restart img2 >/dev/null 2>err </dev/null || fail "restart in the same session failed: $(cat err)"
for p in $P $C; do
	wait_for 10 proc_alive "$p" || fail "process $p did not come back"
	[ "$(proc_field "$p" 5)" = "$pg" ] || fail "process $p: group $(proc_field "$p" 5), was $pg"
	[ "$(proc_field "$p" 6)" = "$s" ] || fail "process $p: session $(proc_field "$p" 6), was $s"
done
[ "$(proc_field "$C" 4)" = "$P" ] || fail "the child's parent is $(proc_field "$C" 4), not $P"
kill -9 "$P" "$C"
pass
