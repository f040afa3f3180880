#!/bin/sh
# 10-basic-restart: checkpoint a running statekeeper with --kill to a file
# and restore it with restart --wait.  The restored process must have the
# original PID, be a child of restart, continue its counter and its log
# exactly where they were (no tick lost or repeated), and pass its final
# self-check of all its state (memory, registers, TLS, signals, files, cwd:
# restart runs from another directory).
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err restart.err"

sk_start sk
pid=$SK_PID
sk_wait_counter sk 5

ckpt --kill -o img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
st=$?
[ "$st" -eq 137 ] || fail "checkpointed statekeeper exited with $st, expected 137 (SIGKILL)"
c0=$(sk_counter sk)
n0=$(wc -l <sk/log)
[ -s img ] || fail "ckpt wrote an empty image"
log "checkpointed pid $pid at counter $c0 ($(wc -c <img) bytes, $(kv sk/status thp_kb) kB in huge pages)"
ckpt show img >show.out 2>show.err || fail "ckpt show rejects the image: $(cat show.err)"

(cd / && exec restart --wait "$TESTDIR/img") </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
sk_wait_counter sk $((c0 + 1))
sk_check_status sk "$pid"
proc_alive "$pid" || fail "restored statekeeper is gone: $(cat sk/status)"
ppid=$(proc_field "$pid" 4)
[ "$ppid" = "$rpid" ] || fail "restored process has parent $ppid, expected restart ($rpid)"
log "restored as pid $pid, counter $(sk_counter sk)"

sk_wait_counter sk $((c0 + 10))
sk_check_log sk
[ "$(wc -l <sk/log)" -gt "$n0" ] || fail "log did not grow after the restore"

sk_finish sk "$rpid" "$c0"
sk_check_log sk
sk_check_ymm sk
expect_gone "$pid" "after the final check"
pass "counter $c0 -> $(sk_counter sk)"
