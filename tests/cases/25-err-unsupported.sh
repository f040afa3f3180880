#!/bin/sh
# 25-err-unsupported: checkpointing a process that holds state this version
# cannot save fails with exit 1 and one line naming EOPNOTSUPP, and leaves
# the target as it was, even with --kill: a process writing to a pipe read
# by another process.
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="err1"

# spin's stdout is a pipe
(spin </dev/null 2>/dev/null & echo $! >spin.pid; wait) | cat >/dev/null &
wait_for 10 test -s spin.pid || fail "spin did not start"
pid=$(cat spin.pid)
track "$pid"
ckpt --kill -o img1 "$pid" 2>err1
st=$?
[ "$st" -eq 1 ] || fail "ckpt --kill of a process with a pipe exited $st, expected 1"
expect_err EOPNOTSUPP err1 >/dev/null
sleep 0.3
st=$(proc_state "$pid")
case "$st" in
R|S) ;;
*) fail "after a refused ckpt --kill the pipe writer is in state '$st', expected running" ;;
esac
kill "$pid"

pass
