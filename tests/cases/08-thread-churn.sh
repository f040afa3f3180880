#!/bin/sh
# 08-thread-churn: a process whose threads are born and die all the time
# (two churners, each creating and joining short-lived threads) is
# checkpointed 10 times while it runs: the freeze meets threads that
# appear while it asks the others to park (it takes them in a next pass)
# and threads that exit instead of parking, some from inside do_exit()
# (it waits them out); every checkpoint succeeds (before: EBUSY, about
# half of them) and after each the process counts on.
# Then checkpointed, killed and restarted: the churners count on, with
# their TIDs.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err churn.err"

# both_grew A B: the churners' last reported counts are above A and B.
both_grew() {
	tail -n 1 p.out | awk -v a="$1" -v b="$2" '$1 == "counts" && $2 > a && $3 > b { ok = 1 } END { exit !ok }'
}

prog_start threadchurn
pid=$PROG_PID
i=0
: >churn.err
while [ $i -lt 10 ]; do
	i=$((i + 1))
	ckpt -o "img.$i" "$pid" 2>>churn.err ||
		fail "checkpoint $i of the churning process failed: $(tail -n 2 churn.err)"
	rm -f "img.$i"
	[ "$(proc_state "$pid")" != T ] || fail "left stopped after checkpoint $i"
	set -- $(tail -n 1 p.out | cut -d' ' -f2-)
	wait_for 20 both_grew "$1" "$2" ||
		fail "the churners stopped counting after checkpoint $i: $(tail -n 1 p.out)"
done
prog_checkpoint
prog_restart
prog_finish
pass
