#!/bin/sh
# 63-poll-restart: a process checkpointed inside poll() with a timeout
# resumes it after restart (restart_syscall) with what was left of the
# timeout: poll() times out, it does not fail with EINTR.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start poller
sleep 1
prog_checkpoint
grep -q "poll of 1 fds at .* s left" show.out ||
	fail "the image does not hold the poll to resume: $(grep -A1 RESTART show.out | tr '\n' ' ')"
restart --wait img </dev/null >restart.out 2>restart.err
st=$?
[ "$st" -eq 0 ] || fail "the restored poller exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "poller did not report success"
log "$(cat p.out)"
pass
