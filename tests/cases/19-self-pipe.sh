#!/bin/sh
# 19-self-pipe: anonymous pipes whose both ends the process holds come back
# connected, with their unread bytes, capacity and flags.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start selfpipe
pid=$PROG_PID
prog_checkpoint
grep -q "PIPEDATA" show.out || fail "the image holds no pipe data"
prog_restart
prog_finish
pass
