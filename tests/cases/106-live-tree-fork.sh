#!/bin/sh
# 106-live-tree-fork: a process joins the tree while 'ckpt migrate --live
# --tree' runs its rounds.  The dirtier of case 105 forks a second child
# (its pages stamped in a third space) once DIR/forkme appears, which the
# test creates as soon as the migration has connected.  The newcomer is
# sent whole in a later round (or, if it came after the last round, the
# freeze refuses with EAGAIN, the tree runs on, and the migration is
# tried again); all three arrive with their PIDs, both children with the
# root as their parent, and each checks all its memory.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out p.err p.out rx.log"
MEM=$((3 * 16 * 1024 * 1024))

dirtier_tree_start 16 512 late
c1=$cpid
rx_start tcp:127.0.0.1:7106 60

ckpt migrate -v --live --tree "$pid" --to tcp:127.0.0.1:7106 >mig.out 2>mig.err &
mig=$!
track "$mig"
wait_for 30 file_has mig.err "connecting" || fail "the migration did not start: $(cat mig.err)"
touch forkme
wait "$mig"
st=$?
wait_for 60 test -e child2/ready || fail "the second child did not start: $(cat p.err)"
c2=$(kv child2/ready pid)
if [ "$st" -ne 0 ] && grep -q "joined the tree after the last pre-copy round" mig.err; then
	log "the newcomer came after the last round: $(grep EAGAIN mig.err)"
	proc_alive "$pid" && proc_alive "$c2" || fail "the tree did not run on after EAGAIN"
	ckpt migrate -v --live --tree "$pid" --to tcp:127.0.0.1:7106 >mig.out 2>mig.err
	st=$?
fi
grep "live round" mig.err | while read -r l; do log "$l"; done
live_checked "$st" "$pid" tcp:127.0.0.1:7106 "$MEM" " procs=3"

migrated_away "$pid"
for c in "$c1" "$c2"; do
	expect_gone "$c" "the original child $c after the migration"
	h=$(ns_host_pid "$c")
	[ -n "$h" ] || fail "no process with PID $c in the receiver's namespace"
	track "$h"
	[ "$(proc_field "$h" 4)" = "$host" ] || fail "child $c's parent is $(proc_field "$h" 4), not the migrated $host"
done
touch child/go child2/go
wait_for 60 sh -c '[ "$(grep -c "^dirtier child: .*all checks passed" p.out)" -eq 2 ]' ||
	fail "the migrated children did not pass their memory checks: $(cat p.err)"
touch go
wait_for 60 grep -q "^dirtier: .*all checks passed" p.out ||
	fail "the migrated parent did not pass its memory check: $(cat p.err)"
expect_gone "$host" "the migrated dirtier after its check"
pass "$(grep -o 'rounds=.*' mig.out)"
