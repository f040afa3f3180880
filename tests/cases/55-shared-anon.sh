#!/bin/sh
# 55-shared-anon: MAP_SHARED|MAP_ANONYMOUS memory keeps its contents, and two mappings of one object still share it.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err ckpt2.err restart2.err show.out"

fdkinds shmanon "$TESTDIR" </dev/null >p.out 2>p.err &
pid=$!
track "$pid"
wait_for 30 test -e ready || fail "fdkinds shmanon did not start"
ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "shared-anon" show.out || fail "ckpt show names no shared anonymous memory"

restart -v --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 30 grep -q "restored pid $pid" restart.err || fail "pid $pid did not come back"
# a second round: the restored objects are checkpointed and restored too
ckpt --kill -o img2 "$pid" 2>ckpt2.err || fail "second ckpt --kill failed: $(cat ckpt2.err)"
wait "$rpid"
restart --wait img2 </dev/null >restart2.out 2>restart2.err &
rpid=$!
track "$rpid"
wait_for 30 proc_alive "$pid" || fail "pid $pid did not come back from the second image"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored fdkinds shmanon exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "fdkinds shmanon did not report success"
pass
