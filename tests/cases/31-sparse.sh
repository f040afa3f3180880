#!/bin/sh
# 31-sparse: a 16 GiB MAP_NORESERVE reservation with four touched pages is
# checkpointed as four pages and restored as a reservation again (not a
# commitment the guest could not make).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="s.err ckpt.err restart.err"

sparse "$TESTDIR" </dev/null >s.out 2>s.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "sparse did not start"
ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
# Four touched pages; with transparent huge pages each may have become a
# 2 MiB page, so anything under 32 MiB is the touched memory only.
size=$(wc -c <img)
[ "$size" -lt 33554432 ] || fail "image of $size bytes for 4 touched pages"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back: $(cat restart.err)"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored sparse exited with $st: $(cat s.err)"
grep -q "all checks passed" s.out || fail "sparse did not report success"
pass
