#!/bin/sh
# 33-tree: 'ckpt --tree' of a session of four processes passing a counter
# around a ring of pipes (R -> A -> B -> C -> R; A and B are R's children,
# B leads its own process group, C is B's child), killed, and restarted
# from the image: every process has its PID, parent, process group and
# session again (from /proc, and checked by each process itself against
# what it recorded), the numbers flow on with none lost or repeated, the
# unread bytes in the pipes are there, and a file the four share from
# before the forks still has one offset (no line written through it after
# restart overwrites another).  Each process's nice value, I/O priority
# and CPU affinity, set from outside (renice, ionice, taskset), are its
# own again.  The image's path as a FIFO is refused (EOPNOTSUPP: a tree
# is read from a file or a spooled stdin).
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out fifo.err"

tree_start tree "R A B C" "ppid pgid sid"
[ "$pid_R" = "$root" ] || fail "R is $pid_R, not $root"
[ "$sid_A" = "$root" ] && [ "$pgid_B" = "$pid_B" ] && [ "$pgid_C" = "$pid_B" ] ||
	fail "the tree is not set up as expected: $(cat ready.*)"

renice -n 4 -p "$pid_A" >/dev/null && renice -n 11 -p "$pid_C" >/dev/null &&
	ionice -c 3 -p "$pid_C" && taskset -p 2 "$pid_B" >/dev/null ||
	fail "renice, ionice or taskset failed"
sched_of() {	# nice value, I/O priority, affinity of process $1
	echo "$(proc_field "$1" 19) $(ionice -p "$1") $(taskset -p "$1" | sed 's/.*: //')"
}
for n in R A B C; do
	eval "sched_$n=\"\$(sched_of \$pid_$n)\""
done
[ "$(proc_field "$pid_C" 19)" = 11 ] || fail "renice C did not take: $sched_C"
tree_ckpt_kill ckpt.err img "$root" "" $members
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "tasks *4" show.out || fail "the image header does not say 4 tasks"
[ "$(grep -c '^@[0-9]* TASK' show.out)" -eq 4 ] || fail "not 4 TASK records"
[ "$(grep -c '^@[0-9]* END' show.out)" -eq 4 ] || fail "not 4 END records"
for n in R A B C; do
	eval "l=\"process \$pid_$n ppid \$ppid_$n pgid \$pgid_$n sid \$sid_$n\""
	grep -q "$l" show.out || fail "TREE record lacks '$l'"
done
grep -q "PIPEDATA" show.out || fail "no unread pipe bytes in the image"
grep -q "shares the open file of fd [0-9]* of process $root" show.out ||
	fail "no descriptor shares R's open file"

# A tree's image is read twice (restart plans the processes from it): a
# FIFO's path is refused as a pipe on stdin would be, saying so.
mkfifo img.fifo
cat img >img.fifo 2>/dev/null &
restart img.fifo </dev/null >fifo.out 2>fifo.err
st=$?
kill $! 2>/dev/null
[ "$st" = 1 ] || fail "restart of a tree from a FIFO exited $st, expected 1: $(tr '\n' '|' <fifo.err)"
problem=$(err_problem EOPNOTSUPP fifo.err)
[ -z "$problem" ] || fail "restart of a tree from a FIFO: $problem"
grep -q "read from a file or a spooled stdin only" fifo.err ||
	fail "restart of a tree from a FIFO: $(cat fifo.err)"

prog_restart
for n in R A B C; do
	eval "p=\$pid_$n pp=\$ppid_$n pg=\$pgid_$n s=\$sid_$n"
	wait_for 10 proc_alive "$p" || fail "process $n ($p) did not come back"
	[ "$(proc_field "$p" 5)" = "$pg" ] ||
		fail "process $n ($p): process group $(proc_field "$p" 5), was $pg"
	[ "$(proc_field "$p" 6)" = "$s" ] ||
		fail "process $n ($p): session $(proc_field "$p" 6), was $s"
	eval "was=\$sched_$n"
	[ "$(sched_of "$p")" = "$was" ] ||
		fail "process $n ($p): nice, I/O priority, affinity $(sched_of "$p"), was $was"
	if [ "$n" != R ]; then
		[ "$(proc_field "$p" 4)" = "$pp" ] ||
			fail "process $n ($p): parent $(proc_field "$p" 4), was $pp"
	fi
done
[ "$(proc_field "$root" 4)" = "$RESTART_PID" ] ||
	fail "the root's parent is $(proc_field "$root" 4), not restart ($RESTART_PID)"
prog_finish
pass
