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
# Files reopened from their directory (module/files.c, ckpt_open_path(),
# opens the last name with O_NOFOLLOW) carry no O_NOFOLLOW the process
# did not ask for (0400000: the 6th octal digit from the right).
nofollow=$(grep -lE '^flags:[[:space:]]+[0-7]*[4-7][0-7]{5}$' /proc/$PROG_PID/fdinfo/* | head -n 3)
[ -z "$nofollow" ] ||
	fail "reopened with O_NOFOLLOW: $(for f in $nofollow; do echo "$f: $(grep flags: $f)"; done | tr '\n' '|')"
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

# Files of one directory are reopened from it, the walk of one name each
# (module/files.c, ckpt_open_path()), but never differently from a walk
# of the whole path: file 500 replaced by an absolute symbolic link to
# file 7 (which a walk from the directory would resolve inside it), and
# file 501 by a relative one to file 8, are reopened as their targets.
# The process is killed (its own check would find the wrong files).
cp img img3
fd500=$(sed -n 's/^  fd \([0-9]*\) .* \/.*\/files\/500$/\1/p' show.out)
fd501=$(sed -n 's/^  fd \([0-9]*\) .* \/.*\/files\/501$/\1/p' show.out)
[ -n "$fd500" ] && [ -n "$fd501" ] ||
	fail "no FILE records for files/500 and files/501: $(grep 'files/50[01]$' show.out)"
mv files/500 files/500.orig && ln -s "$TESTDIR/files/7" files/500 &&
	mv files/501 files/501.orig && ln -s 8 files/501 ||
	fail "cannot replace files 500 and 501 by links"
rm -f go
prog_restart restart --wait img3
t500=$(readlink /proc/$PROG_PID/fd/$fd500)
t501=$(readlink /proc/$PROG_PID/fd/$fd501)
[ "$t500" = "$TESTDIR/files/7" ] && [ "$t501" = "$TESTDIR/files/8" ] ||
	fail "fds $fd500 and $fd501 reopened on '$t500' and '$t501', expected files 7 and 8 (links followed)"
kill -9 "$PROG_PID"
wait "$RESTART_PID"
mv files/500.orig files/500 && mv files/501.orig files/501
pass "1200 files, restored from a path and from stdin, none with an O_NOFOLLOW of its own; files replaced by links reopened as the links' targets"
