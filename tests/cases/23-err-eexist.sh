#!/bin/sh
# 23-err-eexist: restoring a valid image while its PID is taken (the
# original still runs) fails with exit 1 and one line naming EEXIST, and
# leaves the running original alone.
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err err"

spin </dev/null >/dev/null 2>&1 &
pid=$!
track "$pid"
wait_for 10 proc_alive "$pid" || fail "spin did not start"
start=$(proc_field "$pid" 22)

ckpt -o img "$pid" 2>ckpt.err || fail "ckpt failed: $(cat ckpt.err)"
restart img </dev/null >out 2>err
st=$?
[ "$st" -eq 1 ] || fail "restart with the PID taken exited $st, expected 1"
expect_err EEXIST err >/dev/null
restart --wait img </dev/null >out2 2>err2
st=$?
[ "$st" -eq 1 ] || fail "restart --wait with the PID taken exited $st, expected 1"
expect_err EEXIST err2 >/dev/null

sleep 0.3
st=$(proc_state "$pid")
case "$st" in
R|S) ;;
*) fail "the original is in state '$st', expected running" ;;
esac
[ "$(proc_field "$pid" 22)" = "$start" ] || fail "PID $pid is no longer the original process"
pass
