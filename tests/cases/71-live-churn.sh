#!/bin/sh
# 71-live-churn: live migration of a process that keeps changing
# its address space while the rounds run: pages dropped with
# MADV_DONTNEED (must come back as zeros, not as pre-copied data),
# mappings unmapped and mapped again (half written, half untouched), a
# block moved back and forth with mremap; plus its hot pages.  After the
# migration it checks every page against what it last did.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out p.err rx.log"

dirtier_start 16 512 churn
rx_start tcp:127.0.0.1:7071 60

ckpt migrate -v --live "$pid" --to tcp:127.0.0.1:7071 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "ckpt migrate --live exited $st: $(cat mig.err)"
log "$(cat mig.out)"
[ "$(kv mig.out rounds)" -ge 2 ] || fail "fewer than 2 rounds: $(cat mig.err)"
[ "$(kv mig.out new_pid)" = "$pid" ] || fail "new PID: $(cat mig.out)"
migrated_away "$pid"
migrated_passed
log "$(cat p.out)"
steps=$(sed -n 's/.* \([0-9]*\) churn steps.*/\1/p' p.out)
[ "${steps:-0}" -ge 3 ] || fail "it changed its mappings only ${steps:-0} times"
pass
