#!/bin/sh
# 28-threads: a multi-threaded process comes back with every thread: same
# TIDs, TLS, per-thread signal masks, a shared mutex and condition variable
# still working, and pthread_join() returning at the end.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="m.err ckpt.err restart.err show.out"

mthreads "$TESTDIR" </dev/null >m.out 2>m.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "mthreads did not start"
tids=$(sed -n 's/.*tids=//p' ready)

ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
[ "$(grep -c '^@[0-9]* THREAD' show.out)" -eq 3 ] || fail "not 3 THREAD records"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back"
for t in $(echo "$tids" | tr , ' '); do
	[ -d "/proc/$pid/task/$t" ] || fail "thread $t did not come back"
done
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored mthreads exited with $st: $(cat m.err)"
grep -q "all checks passed" m.out || fail "mthreads did not report success"
pass
