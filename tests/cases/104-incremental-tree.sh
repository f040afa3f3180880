#!/bin/sh
# 104-incremental-tree: incremental images of a process tree.  A dirtier
# (16 MiB, 512 KiB of it rewritten all along, its address space changing)
# forks a child that stamps every page of its copy of that memory again,
# so that no page of the one holds what the other's page at the same
# address holds, and then does the same work.  The tree is checkpointed
# with --tree --track (complete), then twice with --tree --parent (the
# last one --kill): the first incremental image is less than half the
# complete one.  'ckpt show' merges the chain.  Restart of the last image
# brings both back with their PIDs and each checks all its memory (a
# clean page taken from the other process's image would fail it).
# Refused, nothing written: --parent of the tree's image without --tree
# (EINVAL), of the child alone (EINVAL), of the restored tree (ENOENT:
# restarted, nothing tracks it), and, after a new complete image, once
# the child has exited (ESTALE: the tree is not the parent image's; an
# image of that name written before is left as it was).
# The records of processes gone (the tree before its restore: the same
# PIDs, other start times) are removed by the next save.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

# refused EXIT ERRNO FILE OUT: the last ckpt exited EXIT with ERRNO in FILE
# and left no OUT behind.
refused() {
	[ "$st" = "$1" ] || fail "expected exit $1, got $st: $(cat "$3")"
	expect_err "$2" "$3" >/dev/null
	[ ! -e "$4" ] || fail "a refused checkpoint left $4"
}

dirtier_tree_start 16 512 churn
PROG_PID=$pid

ckpt --tree --track -o base.img "$pid" 2>ckpt.err ||
	fail "ckpt --tree --track failed: $(cat ckpt.err)"
sleep 1
ckpt --tree --parent base.img -o inc1.img "$pid" 2>ckpt.err ||
	fail "ckpt --tree --parent base.img failed: $(cat ckpt.err)"
proc_alive "$pid" && proc_alive "$cpid" ||
	fail "the tree did not run on after an incremental checkpoint"

ckpt --parent inc1.img -o x.img "$pid" 2>x.err
st=$?
refused 1 EINVAL x.err x.img
grep -q "image of its tree of 2 processes" x.err || fail "$(cat x.err)"
ckpt --parent inc1.img -o x.img "$cpid" 2>x.err
st=$?
refused 1 EINVAL x.err x.img
grep -q "is an image of tree $pid, not of $cpid" x.err || fail "$(cat x.err)"

sleep 1
ckpt --tree --parent inc1.img --kill -o inc2.img "$pid" 2>ckpt.err ||
	fail "ckpt --tree --parent inc1.img --kill failed: $(cat ckpt.err)"
wait "$pid"
expect_gone "$cpid" "ckpt --tree --kill"
old=$(ls /run/ckpt/track-"$pid"-* /run/ckpt/track-"$cpid"-* 2>/dev/null | wc -l)
[ "$old" = 2 ] || fail "expected the records of $pid and $cpid, found: $(ls /run/ckpt)"
base=$(wc -c <base.img)
size=$(wc -c <inc1.img)
[ "$size" -lt $((base / 2)) ] ||
	fail "inc1.img has $size bytes, not less than half of base.img's $base"
sizes="base $base bytes, then $size and $(wc -c <inc2.img)"
log "tree images: $sizes"
ckpt show inc2.img >show.out 2>&1 || fail "ckpt show of inc2.img: $(tail -n 2 show.out)"
grep -q "^incremental image of parent inc1.img" show.out || fail "ckpt show does not name the parent"
grep -q "PRECOPY_CLEAN" show.out && fail "ckpt show of the merged chain has PRECOPY_CLEAN records"

prog_restart restart -v --wait inc2.img
wait_for 30 grep -q "restored tree $pid" restart.err ||
	fail "restart never said tree $pid was restored: $(cat restart.err)"
grep -q "merged an incremental image with its parent inc1.img" restart.err ||
	fail "restart -v does not say it merged: $(cat restart.err)"
proc_alive "$cpid" || fail "the child $cpid did not come back"
[ "$(proc_field "$cpid" 4)" = "$pid" ] || fail "process $cpid is not the child of $pid again"

# Restored: every page is new to the kernel, nothing tracks it.
ckpt --tree --parent inc2.img -o y.img "$pid" 2>y.err
st=$?
refused 1 ENOENT y.err y.img

# The tree changes after a complete image: the child exits.
ckpt --tree --track -o t0.img "$pid" 2>ckpt.err ||
	fail "ckpt --tree --track of the restored tree failed: $(cat ckpt.err)"
for f in /run/ckpt/track-*; do
	r=${f##*/track-}
	[ "$(proc_field "${r%-*}" 22)" = "${r#*-}" ] ||
		fail "$f: a record of a process gone is left: $(ls /run/ckpt)"
done
for p in "$pid" "$cpid"; do
	[ -e "/run/ckpt/track-$p-$(proc_field "$p" 22)" ] ||
		fail "no record of process $p: $(ls /run/ckpt)"
done
touch child/go
wait_for 60 grep -q "^dirtier child: .*all checks passed" p.out ||
	fail "the child did not pass its checks: $(cat p.err)"
wait_for 30 test "$(proc_state "$cpid")" = Z || fail "the child did not exit"
echo "an earlier image" >t1.img
ckpt --tree --parent t0.img -o t1.img "$pid" 2>t1.err
st=$?
[ "$(cat t1.img)" = "an earlier image" ] || fail "a refused checkpoint changed the existing t1.img"
rm t1.img
refused 1 ESTALE t1.err t1.img
grep -q "process $cpid exited since" t1.err || fail "$(cat t1.err)"

prog_finish
grep -q "^dirtier: .*all checks passed" p.out || fail "the parent did not pass its checks"
pass "$sizes; both processes came back whole, with their PIDs"
