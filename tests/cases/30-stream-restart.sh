#!/bin/sh
# 30-stream-restart: an image piped into restart while its PID is free is
# restored as it arrives (not spooled first), and the process is whole.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start selfpipe
pid=$PROG_PID
prog_checkpoint
prog_restart sh -c "cat img | restart -v --wait"
grep -q "as it arrives" restart.err || fail "restart did not stream: $(cat restart.err)"
prog_finish
pass
