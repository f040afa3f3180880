#!/bin/sh
# 38-tree-threads: 'ckpt --tree' of a tree whose root (2 worker threads)
# and one child (3 workers) are multi-threaded, each process with POSIX
# timers (IDs with a gap, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD_ID to a
# worker), killed and restarted: every process and thread is back with its
# PID and TID (/proc), and each process checks itself (mttree.c): workers
# still counting under their mutex with the same TIDs, TLS and masks, the
# timers there with their IDs, intervals and time left, their signals
# still arriving (to the right thread), parents unchanged.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

tree_start mttree "R A B" tids
[ "$pid_R" = "$root" ] || fail "R is $pid_R, not $root"

tree_ckpt_kill ckpt.err img "$root" "" $members
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
[ "$(grep -c '^@[0-9]* TASK' show.out)" -eq 3 ] || fail "not 3 TASK records"
[ "$(grep -c '^@[0-9]* THREAD' show.out)" -eq 5 ] || fail "not 5 THREAD records"
[ "$(grep -c 'POSIX timer' show.out)" -eq 4 ] || fail "not 4 POSIX timers in the image"

prog_restart
for n in R A B; do
	eval "p=\$pid_$n tids=\$tids_$n"
	wait_for 10 proc_alive "$p" || fail "process $n ($p) did not come back"
	for t in $(echo "$tids" | tr , ' '); do
		[ -d "/proc/$p/task/$t" ] ||
			fail "thread $t of process $n ($p) did not come back"
	done
	[ "$(ls /proc/$p/task | wc -l)" -eq $(($(echo "$tids" | tr , ' ' | wc -w) + 1)) ] ||
		fail "process $n ($p) has threads $(ls /proc/$p/task | tr '\n' ' '), expected $p $tids"
done
[ "$(proc_field "$pid_A" 4)" = "$root" ] || fail "A's parent is not R"
prog_finish
pass
