#!/bin/sh
# 105-live-tree: 'ckpt migrate --live --tree' of a dirtier and its child,
# each rewriting 512 KiB of its own 16 MiB (the child's pages stamped
# apart from the parent's at the same addresses) and the parent changing
# its address space all along.  Every process's memory is pre-copied in
# rounds (each process named before its pages), the freeze sends what is
# still dirty; both arrive with their PIDs and the child with its parent,
# and each checks all its memory (a clean page merged from the other
# process's pages fails it).  The report: more than one round, the two
# processes in each, fewer bytes sent frozen than their memory.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out p.err p.out rx.log"
MEM=$((2 * 16 * 1024 * 1024))

dirtier_tree_start 16 512 churn
rx_start tcp:127.0.0.1:7105 60

ckpt migrate -v --live --tree "$pid" --to tcp:127.0.0.1:7105 >mig.out 2>mig.err
live_checked $? "$pid" tcp:127.0.0.1:7105 "$MEM" " procs=2"
grep -q "live round 1: .*, 2 processes" mig.err || fail "no report of round 1 of two processes: $(cat mig.err)"

migrated_away "$pid"
expect_gone "$cpid" "the original child after the migration"
chost=$(ns_host_pid "$cpid")
[ -n "$chost" ] || fail "no process with PID $cpid in the receiver's namespace"
track "$chost"
[ "$(proc_field "$chost" 4)" = "$host" ] || fail "the child's parent is $(proc_field "$chost" 4), not the migrated $host"
file_has rx.log "pre-copied" || fail "receiver log: $(cat rx.log)"
touch child/go
wait_for 60 grep -q "^dirtier child: .*all checks passed" p.out ||
	fail "the migrated child did not pass its memory check: $(cat p.err)"
touch go
wait_for 60 grep -q "^dirtier: .*all checks passed" p.out ||
	fail "the migrated parent did not pass its memory check: $(cat p.err)"
expect_gone "$host" "the migrated dirtier after its check"
pass "$(grep -o 'rounds=.*' mig.out)"
