#!/bin/sh
# 11-pipe-restart: "ckpt --kill PID | restart --wait": the image streams
# through a pipe, never a file.  The restored process must keep its PID,
# continue its log exactly and pass its final self-check.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err restart.err"

sk_start sk
pid=$SK_PID
sk_wait_counter sk 5

# This shell reaps the killed original (its parent) while it waits for the
# pipeline, so restart can only get the PID once it is free again.
{ ckpt --kill "$pid" 2>ckpt.err; echo $? >ckpt.rc; } | restart --wait >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
wait_for 60 test -s ckpt.rc || fail "ckpt did not finish"
[ "$(cat ckpt.rc)" = 0 ] || fail "ckpt --kill exited $(cat ckpt.rc): $(cat ckpt.err)"
c0=$(sk_counter sk)
log "checkpointed pid $pid at counter $c0 into the pipe"

sk_wait_counter sk $((c0 + 10))
sk_check_status sk "$pid"
sk_check_log sk

sk_finish sk "$rpid" "$c0"
sk_check_log sk
wait "$pid" 2>/dev/null
pass "counter $c0 -> $(sk_counter sk)"
