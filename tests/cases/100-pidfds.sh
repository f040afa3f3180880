#!/bin/sh
# 100-pidfds: pidfds come back naming the same processes.  'ckpt --tree
# --kill' of pidfds (P), its child A and its unreaped child Z, restart:
# P's pidfd of itself (O_NONBLOCK), of A (and a dup of it), of Z and of a
# child reaped before the checkpoint, and A's pidfd of P, are checked by
# the program after restore (fdinfo's Pid, poll, signals sent through
# them, waitid(P_PIDFD) reaping Z with status 7 and A with A's verdict on
# its own pidfd; ckpt show names them).  A pidfd of a process outside the
# checkpoint ('pidfds outside', its child left out) is refused,
# EOPNOTSUPP, naming that process, and the process runs on; with
# --skip=fds it is left out, and an epoll's item on it, and the others
# come back, also in a PID namespace of their own (restart --pid-ns).
# The tree's epoll watching two pidfds reports the zombie's alone ready.
# timeout: 150
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

prog_start pidfds
root=$PROG_PID
a=$(kv ready a)
z=$(kv ready z)
[ "$(proc_state "$z")" = Z ] || fail "the child $z is not a zombie: $(proc_state "$z")"
tree_ckpt_kill ckpt.err img "$root" "" "$a" "$z"
wait_for 10 test ! -e "/proc/$z" || fail "the old zombie $z was not reaped"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
for want in "$a 2" "$root 2" "$z 1"; do
	set -- $want
	n=$(grep -c "pidfd of process $1\$" show.out)
	[ "$n" -eq "$2" ] || fail "ckpt show names $n pidfds of process $1, expected $2"
done
[ "$(grep -c 'pidfd of a process gone' show.out)" -eq 1 ] ||
	fail "ckpt show does not name one pidfd of a process gone"
prog_restart
track "$a"
grep -q "restored tree $root: 3 processes" restart.err ||
	fail "restart did not restore the tree of 3: $(cat restart.err)"
prog_finish

# A pidfd of a process outside the checkpoint: refused, then left out.
subdir outside
prog_start_mode pidfds outside
pid=$PROG_PID
a=$(kv ready a)
track "$a"
ckpt_refused EOPNOTSUPP "fd $(kv ready afd) is a pidfd of process $a, which the checkpoint does not hold"
prog_checkpoint --skip=fds
grep -q "pidfd of process $pid\$" show.out &&
	grep -q "pidfd of a process gone" show.out ||
	fail "ckpt show does not name the pidfds kept: $(grep pidfd show.out | tr '\n' '|')"
grep -q "pidfd of process $a\$" show.out && fail "the pidfd of process $a was not left out"
prog_restart
prog_finish
# again in a PID namespace of its own: the pidfd of a process gone is of
# that namespace (pidfd_send_signal() ESRCH, not EINVAL)
# (its stdout is p.out at the offset of the checkpoint: its exit status
# says whether its checks passed)
: >p.err
restart -v --pid-ns --wait img </dev/null >ns.out 2>ns.err ||
	fail "restart --pid-ns: the restored process failed: $(cat ns.err p.err)"
grep -q "restored pid $pid" ns.err && [ ! -s p.err ] ||
	fail "restart --pid-ns did not restore pid $pid, or it complained: $(cat ns.err p.err)"
kill "$a"
pass
