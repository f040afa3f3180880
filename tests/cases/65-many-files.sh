#!/bin/sh
# 65-many-files: restore reads a file image's metadata ahead in
# 64 KiB blocks.  A process with 1,200 open files (their FILE records are
# well over 64 KiB, so records straddle refills) is checkpointed, restored
# from the file by path, checkpointed again and restored from the image on
# stdin (a regular file at offset 0): each time every fd must be open on
# its own file at its offset with its flags (checked by the process), and
# the image must be far larger in metadata than one read-ahead block.
# More fds than restart's RLIMIT_NOFILE (1024): the process's own limit
# (1264) must come back, and its fds above restart's limit too.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err ckpt2.err restart2.err"

prog_start manyfiles
lim0=$(grep "Max open files" /proc/$PROG_PID/limits)
prog_checkpoint
nfile=$(grep -c '^@[0-9]* FILE' show.out)
[ "$nfile" -ge 1200 ] || fail "the image has $nfile FILE records, expected at least 1200"
# Where the first PAGES record starts: all metadata comes before it.
meta=$(sed -n 's/^@\([0-9]*\) PAGES.*/\1/p' show.out | head -n 1)
[ -n "$meta" ] && [ "$meta" -gt 131072 ] ||
	fail "metadata ends at ${meta:-?}, not past two read-ahead blocks"
log "image: $nfile FILE records, metadata $meta bytes"

prog_restart
# restart's own limit is lower: the module lets the fds in, then sets this
# (prog_restart returns once the restore is over).
lim1=$(grep "Max open files" /proc/$PROG_PID/limits)
[ "$lim1" = "$lim0" ] || fail "RLIMIT_NOFILE after restart: '$lim1', was '$lim0'"
ckpt --kill -o img2 "$PROG_PID" 2>ckpt2.err || fail "second ckpt --kill failed: $(cat ckpt2.err)"
wait "$RESTART_PID"
restart --wait - <img2 >restart2.out 2>restart2.err &
RESTART_PID=$!
track "$RESTART_PID"
wait_for 30 proc_alive "$PROG_PID" ||
	fail "pid $PROG_PID did not come back from stdin: $(cat restart2.err)"
prog_finish
grep -q "all checks passed (1200 files)" p.out || fail "wrong count: $(cat p.out)"
pass "1200 files, restored from a path and from stdin"
