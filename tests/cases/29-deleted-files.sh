#!/bin/sh
# 29-deleted-files: files deleted while open (an unlinked file with a hole,
# an O_TMPFILE) come back with their contents, size, offsets and the
# "(deleted)" name, and a removed cwd comes back removed.  So do mappings of deleted files, as an upgrade leaves
# them: a process whose executable and a mapped library were replaced
# (renamed over) and that maps a deleted file shared, also open (ghostmap,
# which checks /proc/self/exe, its text, every byte and the sharing
# itself); an image whose mappings of one deleted file disagree on its
# size is refused (EBADMSG), and so is a restore where the deleted files'
# directory is gone (ENOENT).  A tree whose two processes (the second
# of another user) run the deleted executable and map the deleted library
# comes back, each checking itself, with the files' bytes saved once; a
# tree whose two processes share a mapping of a deleted file shares it
# again.  The first process also migrates live and checks itself.  A
# deleted mapped file of more than 64 MiB is refused (EFBIG) and the
# process runs on, as is one past a smaller ckpt --ghost-limit.  Restored
# in a Landlock sandbox that forbids mkdir, or rmdir, or unlink, the first
# image is refused (EACCES), with nothing left behind.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err ll.err show.out map/lim.err map/p.err map/ckpt.err map/restart.err map/show.out map/gone.err live/mig.err live/p.err forked.err big.err tree.err"

prog_start ghost
prog_checkpoint
grep -q "GHOSTDATA" show.out || fail "no deleted-file data in the image"
grep -q "cwd $TESTDIR/wd (removed)" show.out || fail "the removed cwd is not in the image"
# What the module makes and removes again for it (the cwd, the deleted
# files) passes the restoring task's LSM path hooks as mkdir(2), rmdir(2)
# and unlink(2) would: in a Landlock sandbox that refuses one of them,
# the restore fails with EACCES and leaves the directory as it was
# (what was made before a refused removal is removed all the same); out
# of it, the same image restores.
: >ll.out; : >ll.err; : >after.ls
ls -a "$TESTDIR" >before.ls
for deny in mkdir rmdir unlink; do
	landlocked --deny=$deny restart img </dev/null >ll.out 2>ll.err
	st=$?
	[ "$st" = 1 ] || fail "restart in a Landlock sandbox without $deny exited $st, expected 1: $(tr '\n' '|' <ll.err)"
	problem=$(err_problem EACCES ll.err)
	[ -z "$problem" ] || fail "restart in a Landlock sandbox without $deny: $problem"
	expect_gone "$PROG_PID" "restart in a Landlock sandbox without $deny"
	ls -a "$TESTDIR" >after.ls
	cmp -s before.ls after.ls ||
		fail "the restore refused $deny changed $TESTDIR: $(diff before.ls after.ls | tr '\n' '|')"
	log "no $deny: $(head -n 1 ll.err)"
done
prog_restart
prog_finish

# Mappings of deleted files: restored from the image, not from the files
# now at their paths.
top=$TESTDIR
subdir map
prog_start ghostmap
# Past the caller's --ghost-limit (the deleted executable alone is larger):
# EFBIG naming a mapping, no image, the process runs on; a bad size is a
# usage error.
ckpt --ghost-limit 8K -o lim.img "$PROG_PID" 2>lim.err
st=$?
[ "$st" -eq 1 ] || fail "ckpt --ghost-limit 8K exited $st, expected 1"
expect_err EFBIG lim.err >/dev/null
grep -q "mapping at 0x.*limit of 8192 bytes" lim.err ||
	fail "the refusal does not name the mapping and the limit: $(cat lim.err)"
[ ! -e lim.img ] || fail "a refused checkpoint left its image"
proc_alive "$PROG_PID" || fail "the process did not survive the refusal"
ckpt --ghost-limit 65M -o lim.img "$PROG_PID" 2>lim2.err
[ $? -eq 2 ] || fail "ckpt --ghost-limit 65M is not a usage error"
prog_checkpoint
grep -q "deleted,exe" show.out ||
	fail "no mapping of the deleted executable in the image"
grep -q "^  path $TESTDIR/lib " show.out ||
	fail "the deleted library's mapping does not name its path"

# A mapping of the deleted executable whose size disagrees with the
# others' (a hostile image): refused as corrupt before anything is made.
imgedit walk img >walk.out 2>&1 || fail "imgedit walk failed"
gv=
for o in $(awk '$2 == "VMA" { print $1 }' walk.out); do
	fl=$(od -A n -t u4 -j $((o + 16 + 32)) -N 4 img | tr -d ' ')
	if [ $((fl & 48)) -eq 48 ]; then
		gv=$o
		break
	fi
done
[ -n "$gv" ] || fail "no VMA record with CKPT_VMAF_GHOST and CKPT_VMAF_EXE"
cp img bad.img
imgedit set bad.img $((gv + 16 + 56)) 8 4096 || fail "imgedit set size"
refused EBADMSG "VMA record" bad restart bad.img

# The deleted files' directory gone: refused before anything is made.
mv "$top/map" "$top/map.away" || fail "mv map"
refused ENOENT "the mapping at 0x" gone restart img
mv "$top/map.away" "$top/map" || fail "mv map back"

prog_restart
prog_finish
cd "$top" && TESTDIR=$top

# tree_cycle MODE: checkpoint the tree of "ghostmap MODE" (killed) into
# MODE.img, check that no piece of a deleted file is saved twice, restore
# it, let it check itself (MODE/go) and wait for its success.
tree_cycle() {
	ckpt --tree --kill -o "$1.img" "$PROG_PID" 2>"$1.err" ||
		fail "ckpt --tree --kill of $1 failed: $(cat "$1.err")"
	wait "$PROG_PID"
	ckpt show "$1.img" >"$1.show" 2>&1 || fail "ckpt show $1.img"
	# The deleted files' bytes are saved once, with the first process.
	grep -q "deleted file" "$1.show" ||
		fail "no deleted-file data in the image of $1"
	_dup=$(grep "deleted file" "$1.show" | sort | uniq -d | head -n 1)
	[ -z "$_dup" ] || fail "the image of $1 holds a piece twice: $_dup"
	prog_restart restart -v --wait "$1.img"
	wait_for 30 grep -q "restored tree $PROG_PID" restart.err ||
		fail "restart never said tree $PROG_PID was restored: $(cat restart.err)"
	touch "$1/go"
	wait "$RESTART_PID"
	_st=$?
	[ "$_st" -eq 0 ] || fail "the restored $1 tree exited with $_st: $(cat p.err)"
	grep -q "all checks passed" p.out || fail "ghostmap $1 did not report success"
}

# A tree: a parent and its child both run the deleted executable and map
# the deleted library (a daemon and its worker after an upgrade).
prog_start ghostmap forked
tree_cycle forked

# The same process migrated live (an upgraded daemon leaving its node), to
# a receiver in another PID namespace: it checks itself there.
subdir live
prog_start ghostmap
rx_start tcp:127.0.0.1:7029
ckpt migrate --live "$PROG_PID" --to tcp:127.0.0.1:7029 >mig.out 2>mig.err ||
	fail "ckpt migrate --live failed: $(cat mig.err)"
wait "$PROG_PID" 2>/dev/null
[ -n "$(ns_host_pid "$PROG_PID")" ] ||
	fail "pid $PROG_PID is not in the receiver's namespace: $(cat rx.log)"
touch go
wait_for 30 grep -q "all checks passed" p.out ||
	fail "the migrated ghostmap did not report success: $(cat p.err)"
cd "$top" && TESTDIR=$top

# More than the image holds of deleted files: refused, runs on.
prog_start ghostmap big
ckpt --kill -o big.img "$PROG_PID" 2>big.err
st=$?
[ "$st" -eq 1 ] || fail "ckpt of a 65 MiB deleted mapping exited $st, expected 1"
expect_err EFBIG big.err >/dev/null
grep -q "0x" big.err || fail "the refusal does not name the mapping: $(cat big.err)"
proc_alive "$PROG_PID" || fail "the refused process is gone"
touch big/go
reap_passed "$PROG_PID" p "ghostmap big"

# A deleted file mapped shared by two processes of a tree: one file again,
# the child's write seen by the parent.
prog_start ghostmap tree
tree_cycle tree
pass
