#!/bin/sh
# 89-prctl-attrs: securebits (with a lock), timer slack, THP disabled,
# TSC access (PR_TSC_SIGSEGV), MCE kill policy, IO flusher and the
# coredump filter survive restart (prctlattrs reads each back).  A
# process of uid 1000 with SECBIT_NOROOT set by root: its restore by uid
# 1000 (who may not set securebits) is refused, EPERM, naming securebits,
# before anything changes; root restores it with the bit.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err uerr show.out"

mkdir root && cd root || fail "mkdir"
TESTDIR=$(pwd)
prog_start prctlattrs
prog_checkpoint
grep -q "securebits 0x53 " show.out || fail "ckpt show has no 'securebits 0x53'"
grep -q "THP_DISABLE" show.out || fail "ckpt show has no THP_DISABLE"
prog_restart
prog_finish
cd ..

mkdir user && cd user || fail "mkdir"
TESTDIR=$(pwd)
chmod 777 .
: >p.out
: >p.err
chmod 666 p.out p.err
prctlattrs "$TESTDIR" user </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "prctlattrs user did not start: $(cat p.err)"
prog_checkpoint
chmod 644 img
runas 1000 1000 restart img </dev/null >uout 2>uerr
st=$?
[ "$st" -eq 1 ] || fail "uid 1000 restart exited $st, expected 1 (refused): $(cat uerr)"
expect_err EPERM uerr >/dev/null
grep -q "securebits" uerr || fail "the refusal does not name securebits: $(cat uerr)"
proc_gone "$PROG_PID" || fail "pid $PROG_PID exists after the refused restart"
prog_restart
prog_finish
pass
