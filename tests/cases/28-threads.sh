#!/bin/sh
# 28-threads: a multi-threaded process comes back with every thread: same
# TIDs, TLS, per-thread signal masks, a shared mutex and condition variable
# still working, and pthread_join() returning at the end.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start mthreads
pid=$PROG_PID
prog_checkpoint
tids=$(sed -n 's/.*tids=//p' ready)
[ "$(grep -c '^@[0-9]* THREAD' show.out)" -eq 3 ] || fail "not 3 THREAD records"
prog_restart
for t in $(echo "$tids" | tr , ' '); do
	[ -d "/proc/$pid/task/$t" ] || fail "thread $t did not come back"
done
prog_finish
pass
