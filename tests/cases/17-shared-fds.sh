#!/bin/sh
# 17-shared-fds: descriptors sharing one open file (dup) share it again
# after restart: one offset, one set of status flags; a separate open of
# the same file stays separate; FD_CLOEXEC stays per descriptor.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start dupfds
pid=$PROG_PID
prog_checkpoint
grep -q "shares the open file of fd" show.out ||
	fail "the image does not record the shared open files"
prog_restart
prog_finish
[ "$(cat f)" = "0123X" ] || fail "file contents '$(cat f)', expected 0123X"
pass
