#!/bin/sh
# 65-many-files: restore reads a file image's metadata ahead in
# 64 KiB blocks.  A process with 1,200 open files (their FILE entries are
# over 64 KiB, so records straddle refills) is checkpointed, restored
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
[ "$nfile" -ge 1204 ] || fail "ckpt show lists $nfile descriptors, expected at least 1204"
# Where the first PAGES record starts: all metadata comes before it.
meta=$(sed -n 's/^@\([0-9]*\) PAGES.*/\1/p' show.out | head -n 1)
[ -n "$meta" ] && [ "$meta" -gt 65536 ] ||
	fail "metadata ends at ${meta:-?}, not past one read-ahead block"

# The FILE records: several descriptors each, each path stored as the
# bytes it shares with the previous entry's and the rest (uapi,
# struct ckpt_rec_file).  imgedit lists each record, then its entries.
imgedit walk img >walk.out 2>&1 || fail "imgedit walk: $(tail -n 3 walk.out)"
nrec=$(awk '$2 == "FILE"' walk.out | wc -l)
nent=$(awk '$2 == "FENTRY"' walk.out | wc -l)
npre=$(awk '$2 == "FENTRY" && !/ prefix=0$/' walk.out | wc -l)
[ "$nent" -eq "$nfile" ] || fail "$nent FILE entries in the records, ckpt show lists $nfile"
[ "$nrec" -ge 2 ] && [ $((nrec * 100)) -le "$nent" ] ||
	fail "$nrec FILE records for $nent descriptors: expected a few, each of many"
[ $((npre * 10)) -ge $((nent * 9)) ] ||
	fail "only $npre of $nent FILE entries share the start of the previous path"
# fd 1203 (the last file again): all but the NUL from the entry before,
# unless it starts a record; fd 1206 (file 0 again) follows the pipe,
# which has no path: nothing shared.
e1203=$(awk '$2 == "FENTRY" && / fd=1203 / { print prev == "FILE" ? "first" : $3; exit } { prev = $2 }' walk.out)
[ "$e1203" = first ] || [ "$e1203" = 57 ] ||
	fail "the entry of fd 1203 (the same path as fd 1202's) is $e1203 bytes, expected 56 and the NUL"
grep -q ' FENTRY [0-9]* fd=1206 kind=1 prefix=0$' walk.out ||
	fail "fd 1206's entry (after the pipe's): $(grep ' fd=120[4-6] ' walk.out | tr '\n' '|')"
log "image: $nfile descriptors in $nrec FILE records, $npre paths front-coded, metadata $meta bytes"

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

# Hostile entries, refused (EBADMSG) by the module before anything is
# made, naming the entry's own offset (restart -v adds the module's
# account to its own reader's): a shared start in a record's first
# entry, one after an entry without a path, one longer than the previous
# path, one with no bytes of its own (not even the NUL), and a record
# whose last entry runs past its end.
o_first=$(awk '$2 == "FENTRY" && prev == "FILE" && NR > 1 { print $1; exit } { prev = $2 }' walk.out)
o_after=$(awk '$2 == "FENTRY" && / fd=1206 / { print $1; exit }' walk.out)
o_long=$(awk '$2 == "FENTRY" && / fd=600 / { print $1; exit }' walk.out)
o_none=$(awk '$2 == "FENTRY" && / fd=601 / && !/ prefix=0$/ { print $1; exit }' walk.out)
o_last=$(awk '$2 == "FENTRY" { o = $1 } END { print o }' walk.out)
for o in "$o_first" "$o_after" "$o_long" "$o_none" "$o_last"; do
	[ -n "$o" ] || fail "an entry to edit is missing: '$o_first' '$o_after' '$o_long' '$o_none' '$o_last'"
done
n=0
bad_entry() {
	n=$((n + 1))
	cp img bad.img
	imgedit set bad.img "$2" "$3" "$4" || fail "imgedit set $2 $3 $4"
	refused EBADMSG "offset $5" "bad$n" restart bad.img
	restart -v bad.img </dev/null >"bad$n.v.out" 2>"bad$n.v.err"
	grep -q "the module found it: bad FILE entry at offset $5\$" "bad$n.v.err" ||
		fail "$1: the module does not name the entry at $5: $(tr '\n' '|' <"bad$n.v.err")"
	log "$1: $(head -n 1 "bad$n.msg")"
}
bad_entry "shared start in a record's first entry" $((o_first + 14)) 2 1 "$o_first"
bad_entry "shared start after a pathless entry" $((o_after + 14)) 2 1 "$o_after"
bad_entry "shared start longer than the previous path" $((o_long + 14)) 2 4000 "$o_long"
bad_entry "shared start with no bytes of its own" $((o_none + 12)) 2 0 "$o_none"
bad_entry "last entry's path running past its record" $((o_last + 12)) 2 300 "$o_last"
pass "1200 files, restored from a path and from stdin, none with an O_NOFOLLOW of its own; files replaced by links reopened as the links' targets; front-coded FILE entries; 5 hostile entries refused where the module says"
