#!/bin/sh
# 76-migrate-tree: 'ckpt migrate --tree' of four processes passing numbers
# around a ring of pipes (tests/progs/tree.c, as in case 33).
#  - to a receiver where the PIDs are taken: refused (EEXIST, exit 4) and
#    every member resumes (none left stopped), the numbers flow on;
#  - to a receiver in a fresh PID namespace, with --key (the stream
#    sealed): all four arrive with their PIDs, parents, groups and
#    session, the originals are all gone, and
#    the ring goes on: each process checks its own PIDs, the numbers (none
#    lost or repeated, unread pipe bytes kept) and the shared file offset,
#    and the root says "all checks passed";
#  - the receiver's handler killed while the four copies of another tree
#    are held (a proxy delays its verdict): every copy dies unrun, the
#    sender keeps the tree stopped (exit 6), and continued the ring goes
#    on.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="p.err p.out mig.err mig.out"

tree_start tree "R A B C" "ppid pgid sid"

# 1. the PIDs are taken there: refused, and all resume
rx_start tcp:127.0.0.1:7176 20 nounshare
l0=$(wc -l <shared.log)
ckpt migrate --tree "$root" --to tcp:127.0.0.1:7176 >mig.out 2>mig.err
st=$?
[ "$st" -eq 4 ] || fail "PIDs taken: ckpt migrate --tree exited $st, expected 4: $(cat mig.err)"
expect_err EEXIST mig.err >/dev/null
grep -q "$root resumed" mig.err || fail "the message does not say the tree resumed: $(cat mig.err)"
[ -s mig.out ] && fail "a summary was printed for a failed migration"
for p in $members; do
	wait_for 5 sh -c "grep -q '^State:[[:space:]]*[RS]' /proc/$p/status" ||
		fail "member $p is in state $(proc_state "$p") after the failed migration"
done
wait_for 20 sh -c "[ \$(wc -l <shared.log) -ge $((l0 + 20)) ]" ||
	fail "the ring does not go on after the failed migration ($(wc -l <shared.log) lines, were $l0)"
kill "$RX_PID"
wait_for 10 proc_gone "$RX_PID" || fail "the first receiver did not stop"

# 2. to a fresh PID namespace, sealed (--key)
head -c 32 /dev/urandom >key
chmod 600 key
RX_OPTS="--allow 127.0.0.1 --key key"
rx_start tcp:127.0.0.1:7076
ckpt migrate -v --tree --key key "$root" --to tcp:127.0.0.1:7076 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "ckpt migrate --tree exited $st: $(cat mig.err)"
grep -qE "^migrated pid=$root to=tcp:127.0.0.1:7076 new_pid=$root bytes=[1-9][0-9]* downtime_ms=[0-9]+ total_ms=[0-9]+ procs=4\$" mig.out ||
	fail "unexpected summary: $(cat mig.out)"
log "$(cat mig.out)"
file_has rx.log "receiving tree $root" || fail "receiver log: $(cat rx.log)"
wait "$root" 2>/dev/null
for p in $members; do
	expect_gone "$p" "the original member after the migration"
done
for n in R A B C; do
	eval "p=\$pid_$n pp=\$ppid_$n pg=\$pgid_$n s=\$sid_$n"
	h=$(ns_host_pid "$p")
	[ -n "$h" ] || fail "process $n ($p) is not at the receiver"
	eval "host_$n=$h"
	track "$h"
	[ "$(awk '/^NSpgid:/ { print $NF }' "/proc/$h/status")" = "$pg" ] ||
		fail "process $n ($p): process group $(grep ^NSpgid: "/proc/$h/status"), was $pg"
	[ "$(awk '/^NSsid:/ { print $NF }' "/proc/$h/status")" = "$s" ] ||
		fail "process $n ($p): session $(grep ^NSsid: "/proc/$h/status"), was $s"
done
l1=$(wc -l <shared.log)
wait_for 20 sh -c "[ \$(wc -l <shared.log) -ge $((l1 + 20)) ]" ||
	fail "the ring does not go on at the receiver"
touch go
wait_for 60 file_has p.out "all checks passed" ||
	fail "the migrated tree did not pass its own checks: $(tail -n 3 p.err | tr '\n' '|')"
expect_gone "$host_R" "the migrated root after its checks"
kill "$RX_PID"
wait_for 10 proc_gone "$RX_PID" || fail "the second receiver did not stop"
unset RX_OPTS

# 3. the receiver's handler killed while the tree's copy is held: every
# copy dies unrun (the module kills a held restore whose descriptor
# closes), the sender cannot tell (exit 6) and keeps the tree stopped;
# continued, the ring goes on.  A tree of its own: continued, the tree
# says it saw SIGCONT, which the first one's final check forbids.
subdir hk
tree_start tree "R A B C" "ppid pgid sid"
rx_start tcp:127.0.0.1:7276
rm -f listening delaying delayed
mitm 7277 7276 backdelay 6000 >mitm.out 2>mitm.err &
track $!
wait_for 10 test -e listening || fail "mitm did not start"
ckpt migrate --tree "$root" --to tcp:127.0.0.1:7277 >mig.out 2>mig.err &
mig=$!
wait_for 30 test -e delaying || fail "handler killed: no verdict from the receiver: $(cat rx.log)"
copies=
for p in $members; do
	h=$(ns_host_pid "$p")
	[ -n "$h" ] || fail "handler killed: no copy of $p at the receiver: $(cat rx.log)"
	wait_for 5 sh -c "grep -q '^State:[[:space:]]*[ID]' /proc/$h/status" ||
		fail "handler killed: the copy of $p is in state $(proc_state "$h"), not held"
	copies="$copies $h"
done
l0=$(wc -l <shared.log)
handler=$(child_of "$RX_PID") || fail "handler killed: no handler under the receiver"
kill -9 "$handler"
for h in $copies; do
	wait_for 10 proc_gone "$h" || fail "handler killed: the held copy $h lives on (state $(proc_state "$h"))"
done
wait "$mig"
st=$?
[ "$st" -eq 6 ] || fail "handler killed: ckpt migrate --tree exited $st, expected 6: $(cat mig.err)"
for p in $members; do
	[ "$(proc_state "$p")" = T ] ||
		fail "handler killed: member $p is in state $(proc_state "$p"), expected T (kept, stopped)"
done
[ "$(wc -l <shared.log)" = "$l0" ] || fail "handler killed: the ring moved while every copy was held or stopped"
log "handler killed: $(tail -n 1 mig.err)"
for p in $members; do
	kill -CONT "$p"
done
wait_for 20 sh -c "[ \$(wc -l <shared.log) -ge $((l0 + 20)) ]" ||
	fail "handler killed: the ring does not go on after SIGCONT"
# shellcheck disable=SC2086
kill -9 $members
pass
