#!/bin/sh
# 36-tree-shared-anon: a parent and its child sharing anonymous memory
# (MAP_SHARED | MAP_ANONYMOUS before the fork: 8 pages, one never written,
# and a control page), 'ckpt --tree --kill', restart: the image holds the
# pages once; both see what each wrote before (and zeros in the hole), and
# what one writes after the restart the other reads (a token and its
# answer), so the memory is still one.  The two also share an inotify
# instance watching DIR/iw, saved once with the parent: after restart the
# parent reads the event of the file the child creates there, under the
# watch's descriptor.  They share a memfd's open file too: the child's
# writes after the restart (at offset 100, and at the shared offset) are
# what the parent reads.  The parent alone is refused: its shared memory
# is mapped by a process left out.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out err0 ckpt.err restart.err show.out"

tree shm "$TESTDIR" </dev/null >p.out 2>p.err &
P=$!
track "$P"
wait_for 30 test -e ready || fail "tree shm did not start: $(cat p.err)"
C=$(kv ready child)
track "$C"
# the parent alone: its memory is shared with a process left out
ckpt --kill -o img0 "$P" 2>err0
st=$?
[ "$st" -eq 1 ] || fail "ckpt of the parent alone exited $st, expected 1"
expect_err EOPNOTSUPP err0 >/dev/null
grep -q "shared anonymous memory mapped by a process outside the process" err0 ||
	fail "the refusal does not say why: $(cat err0)"
sleep 0.3
proc_alive "$P" && proc_alive "$C" || fail "a refused ckpt --kill killed a process"
ckpt --tree --kill -o img "$P" 2>ckpt.err ||
	fail "ckpt --tree --kill failed: $(cat ckpt.err)"
wait "$P"
expect_gone "$C" "after ckpt --tree --kill"
ckpt show -v img >show.out 2>&1 || fail "ckpt show rejects the image"
n=$(grep -c '^  shared memory [0-9]*, [0-9]* bytes' show.out)
[ "$n" -eq 4 ] ||
	fail "$n shared anonymous mappings, not 2 in each of the 2 processes: $(grep -B1 'shared memory' show.out | tr '\n' '|')"
# 7 written pages and the control page, saved once, with the parent
shpages=$(awk '/^@[0-9]* TASK/ { seg++ }
	/ shared-anon / { split($1, a, "-"); sh[seg " " $1] = 1 }
	/ pages in VMA / { for (i = 1; i <= NF; i++) if ($i == "VMA") r = $(i + 1)
		if (sh[seg " " r]) n[seg] += $2 }
	END { print n[1] + 0, n[2] + 0 }' show.out)
[ "$shpages" = "8 0" ] ||
	fail "shared pages saved (parent, child): $shpages, expected 8 0"
[ "$(grep -c ": watch 1 mask 0x100 on $TESTDIR/iw " show.out)" -eq 1 ] ||
	fail "the image does not hold the inotify watch on $TESTDIR/iw once"
restart --wait img </dev/null >restart.out 2>restart.err &
R=$!
track "$R"
wait_for 30 proc_alive "$C" || fail "the child $C did not come back: $(cat restart.err)"
[ "$(proc_field "$C" 4)" = "$P" ] || fail "the child's parent is $(proc_field "$C" 4), not $P"
touch go
wait "$R"
st=$?
[ "$st" -eq 0 ] || fail "the restored parent exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "it did not report success"
pass
