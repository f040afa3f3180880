#!/bin/sh
# 94-skip-devmaps: a process mapping /dev/mem (a device mapping: VM_IO,
# VM_PFNMAP) is refused by ckpt, naming the mapping; with
# --skip=devmaps,fds it is checkpointed, ckpt show lists the mapping as
# skipped, and after restart that range is unmapped while everything
# else is intact (skipper checks).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err ckpt0.err restart.err show.out"

[ -c /dev/mem ] || skip "no /dev/mem in this guest"
skipper "$TESTDIR" devmap </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
if ! wait_for 30 test -e ready; then
	wait "$PROG_PID"
	[ $? -eq 3 ] && skip "$(cat p.err)"
	fail "skipper did not start: $(cat p.err)"
fi
addr=$(cat devmap)
ckpt --skip=fds -o img0 "$PROG_PID" 2>ckpt0.err
st=$?
[ "$st" -eq 1 ] || fail "ckpt without --skip=devmaps exited $st, expected 1"
expect_err EOPNOTSUPP ckpt0.err >/dev/null
grep -q "mapping at $addr" ckpt0.err || fail "the refusal does not name the mapping at $addr: $(cat ckpt0.err)"
proc_alive "$PROG_PID" || fail "skipper died after the refused checkpoint"

ckpt --skip=devmaps,fds --kill -o img "$PROG_PID" 2>ckpt.err ||
	fail "ckpt --skip=devmaps,fds failed: $(cat ckpt.err)"
wait "$PROG_PID"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "skipped mapping $addr-.*/dev/mem" show.out ||
	fail "ckpt show does not list the /dev/mem mapping at $addr as skipped"
prog_restart
prog_finish
pass
