#!/bin/sh
# 69-tree-shares-images: SHARES records are checked before anything runs:
# one naming a process that is not an earlier member of the tree, the
# process itself, or nothing, is refused (EBADMSG, nothing left running,
# the PIDs free); the pristine image restores, and the restored children
# share again: each alone is refused as sharing with the restored parent
# (EUSERS), the tree is saved with both SHARES records.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="err p.err walk.out restart.err"

mkdir -p leaf
shares leaf "$TESTDIR/leaf" </dev/null >/dev/null 2>p.err &
P=$!
track "$P"
wait_for 20 test -e leaf/ready || fail "shares leaf did not start: $(cat p.err)"
X=$(kv leaf/ready files)
Y=$(kv leaf/ready fs)
track "$X" "$Y"
tree_ckpt_kill err good.img "$P" "" $P $X $Y
SHARES_PIDS="$P $X $Y"
shares_offsets good.img
# the first SHARES record (files_pid at +16, fs_pid at +20), the second
f1=$(head -n 1 shares.off)
f2=$(tail -n 1 shares.off)

bad_shares "process 1 (not in the tree)" $((f1 + 16)) 1
bad_shares "the process itself" $((f1 + 16)) "$X" $((f2 + 16)) "$Y"
bad_shares "a later process" $((f1 + 20)) "$Y"
bad_shares "nothing" $((f2 + 16)) 0 $((f2 + 20)) 0

restart --wait good.img </dev/null >/dev/null 2>restart.err &
R=$!
track "$R"
for p in $P $X $Y; do
	wait_for 30 proc_alive "$p" || fail "process $p did not come back: $(cat restart.err)"
done
ckpt --kill -o x.img "$X" 2>err
[ $? -eq 1 ] || fail "the restored $X alone was checkpointed: it does not share $P's file table"
expect_err EUSERS err >/dev/null
grep -q "(CLONE_FILES) with process $P" err || fail "X: $(cat err)"
ckpt --kill -o y.img "$Y" 2>err
[ $? -eq 1 ] || fail "the restored $Y alone was checkpointed: it does not share $P's fs context"
expect_err EUSERS err >/dev/null
grep -q "(CLONE_FS) with process $P" err || fail "Y: $(cat err)"
ckpt --tree -o again.img "$P" 2>err || fail "re-checkpoint of the restored tree failed: $(cat err)"
ckpt show again.img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "shares the file table of process $P" show.out &&
	grep -q "shares the fs context (cwd, root, umask) of process $P" show.out ||
	fail "the restored tree's image has no SHARES records"
kill -9 "$P" "$X" "$Y"
pass
