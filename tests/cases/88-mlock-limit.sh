#!/bin/sh
# 88-mlock-limit: a process (uid 1000) locked 64 KiB and then lowered its
# RLIMIT_MEMLOCK to one page.  Restarting it as uid 1000 (no
# CAP_IPC_LOCK) is refused before anything changes: exit 1, one line
# naming EPERM and RLIMIT_MEMLOCK, the PID not taken.  Root (with
# CAP_IPC_LOCK) restores it, locked as before (mlocker checks Locked).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err u.err show.out"

chmod 777 "$TESTDIR"
# its stdout and stderr are reopened as uid 1000 at restart
: >p.out
: >p.err
chmod 666 p.out p.err
runas 1000 1000 mlocker "$TESTDIR" limit </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "mlocker did not start: $(cat p.err)"
PROG_PID=$(kv ready pid)
track "$PROG_PID"
ckpt --kill -o img "$PROG_PID" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait_for 10 proc_gone "$PROG_PID" || fail "mlocker still runs after ckpt --kill"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
chmod 644 img

refused EPERM RLIMIT_MEMLOCK u runas 1000 1000 restart img

prog_restart
prog_finish
pass
