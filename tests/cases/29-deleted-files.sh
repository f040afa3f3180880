#!/bin/sh
# 29-deleted-files: files deleted while open (an unlinked file with a hole,
# an O_TMPFILE) come back with their contents, size, offsets and the
# "(deleted)" name.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start ghost
pid=$PROG_PID
prog_checkpoint
grep -q "GHOSTDATA" show.out || fail "no deleted-file data in the image"
prog_restart
prog_finish
pass
