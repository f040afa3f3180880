#!/bin/sh
# 20-err-esrch: checkpointing a PID that no process has fails with exit 1
# and one line naming ESRCH; so does one whose process just exited.
. "$(dirname "$0")/lib.sh"
require_module

p=$(free_pid)
ckpt -o img "$p" 2>err
st=$?
[ "$st" -eq 1 ] || fail "ckpt of free pid $p exited $st, expected 1"
expect_err ESRCH err >/dev/null

true &
p=$!
wait "$p"
ckpt --kill -o img2 "$p" 2>err2
st=$?
[ "$st" -eq 1 ] || fail "ckpt --kill of exited pid $p exited $st, expected 1"
expect_err ESRCH err2 >/dev/null
pass
