#!/bin/sh
# 37-tree-zombie: a parent with a child that exited (status 7) and that it
# has not reaped: 'ckpt --tree --kill', restart.  The child comes back as a
# zombie with its PID, under its parent, and the restored parent reaps it
# with status 7.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

tree zombie "$TESTDIR" </dev/null >p.out 2>p.err &
P=$!
track "$P"
wait_for 30 test -e ready || fail "tree zombie did not start: $(cat p.err)"
C=$(kv ready child)
[ "$(proc_state "$C")" = Z ] || fail "the child $C is not a zombie: $(proc_state "$C")"
ckpt --tree --kill -o img "$P" 2>ckpt.err ||
	fail "ckpt --tree --kill failed: $(cat ckpt.err)"
wait "$P"
expect_gone "$P" "after ckpt --tree --kill"
wait_for 10 test ! -e "/proc/$C" || fail "the old zombie $C was not reaped"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "process $C ppid $P .* zombie" show.out || fail "the TREE record does not list the zombie"
[ "$(grep -c '^@[0-9]* TASK' show.out)" -eq 1 ] || fail "a zombie has TASK records"
restart --wait img </dev/null >restart.out 2>restart.err &
R=$!
track "$R"
wait_for 30 proc_alive "$P" || fail "the parent $P did not come back: $(cat restart.err)"
# the parent is made first, then its children: wait for the zombie
is_zombie() {
	[ "$(proc_state "$1")" = Z ]
}
wait_for 30 is_zombie "$C" ||
	fail "the child $C is not a zombie after restart: '$(proc_state "$C")'"
[ "$(proc_field "$C" 4)" = "$P" ] || fail "the zombie's parent is $(proc_field "$C" 4), not $P"
touch go
wait "$R"
st=$?
[ "$st" -eq 0 ] || fail "the restored parent exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "it did not report success"
pass
