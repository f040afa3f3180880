#!/bin/sh
# 15-fifo-read: a process blocked in read() on a named pipe is checkpointed
# (--kill) and restored; it must go on reading the same pipe: data written
# while it was down and after its restore arrive, and it exits 0 on "QUIT".
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ff.out ff.err ckpt.err restart.err"

mkfifo fifo || fail "mkfifo"
# Keep a writer (and reader) open all along: the reader's open and the
# restored reader's reopen do not block, and read() never sees end of file.
exec 3<>fifo

fiforeader fifo ff.out QUIT 3>&- </dev/null >ff.stdout 2>ff.err &
pid=$!
track "$pid"
wait_for 30 file_has ff.out "ready pid=$pid" || fail "fiforeader did not start"
echo hello >&3
wait_for 30 file_has ff.out "got: hello" || fail "fiforeader did not read 'hello'"
sleep 0.5
st=$(proc_state "$pid")
[ "$st" = S ] || fail "fiforeader is in state '$st', expected S (blocked in read)"

ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
echo "while-down" >&3

restart --wait img </dev/null >restart.out 2>restart.err 3>&- &
rpid=$!
track "$pid" "$rpid"
wait_for 30 file_has ff.out "got: while-down" || fail "restored reader did not read what was written while it was down"
echo "after-restore" >&3
wait_for 30 file_has ff.out "got: after-restore" || fail "restored reader did not read 'after-restore'"
echo QUIT >&3
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "restored fiforeader exited with $st"

printf 'ready pid=%s\ngot: hello\ngot: while-down\ngot: after-restore\ngot: QUIT\nquit pid=%s\n' "$pid" "$pid" >expected
cmp -s expected ff.out || fail "fiforeader's record differs: $(tr '\n' '|' <ff.out)"
exec 3>&-
pass
