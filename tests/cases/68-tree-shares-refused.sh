#!/bin/sh
# 68-tree-shares-refused: sharing that a restore cannot give back is
# refused with one line naming both processes, and the processes run on
# (even with --kill), no image left: a file table (CLONE_FILES) or fs
# context (CLONE_FS) shared with a process outside the checkpoint (EUSERS;
# the tree holding both is accepted), signal handlers (CLONE_VM |
# CLONE_SIGHAND) or an address space (CLONE_VM) shared with the parent
# outside (EUSERS for the child alone; the tree holding both is accepted,
# see 01-tree-vmshare).
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="err p.err"

# start MODE: run "shares MODE" in a fresh directory; sets P
start() {
	prog_start shares "$1"
	P=$PROG_PID
}

# refused ERRNO IMG WHO FLAG OTHER CKPT-ARGS...: ckpt exits 1 with one
# line naming the errno, process WHO, the clone flag and process OTHER
refused() {
	_e=$1 _img=$2 _who=$3 _flag=$4 _other=$5
	shift 5
	ckpt -o "$_img" "$@" 2>err
	_st=$?
	[ "$_st" -eq 1 ] || fail "ckpt $* exited $_st, expected 1: $(cat err)"
	expect_err "$_e" err >/dev/null
	head -n 1 err | grep -q "$_who" ||
		fail "the message does not name $_who: $(cat err)"
	head -n 1 err | grep -q "($_flag" ||
		fail "the message does not say $_flag: $(cat err)"
	head -n 1 err | grep -q "with process $_other" ||
		fail "the message does not name process $_other: $(cat err)"
	[ ! -e "$_img" ] || fail "a refused checkpoint left $_img"
}

alive() {
	sleep 0.3
	for _p in "$@"; do
		case "$(proc_state "$_p")" in
		S|R) ;;
		*) fail "process $_p is in state '$(proc_state "$_p")' after a refused checkpoint" ;;
		esac
	done
}

start leaf
X=$(kv leaf/ready files)
Y=$(kv leaf/ready fs)
track "$X" "$Y"
refused EUSERS img1 "tree $X: process $X" CLONE_FILES "$P" --tree --kill "$X"
alive "$P" "$X" "$Y"
refused EUSERS img2 "checkpoint $Y:" CLONE_FS "$P" --kill "$Y"
alive "$P" "$X" "$Y"
# positive control: the tree holding both sharers is saved
ckpt --tree -o img3 "$P" 2>err || fail "ckpt --tree of the whole tree failed: $(cat err)"
ckpt show img3 >show3.out 2>&1 || fail "ckpt show rejects the image"
grep -q "shares the file table of process $P" show3.out &&
	grep -q "shares the fs context (cwd, root, umask) of process $P" show3.out ||
	fail "the tree's image has no SHARES records"
alive "$P" "$X" "$Y"
kill -9 "$P" "$X" "$Y"

start sighand
K=$(kv sighand/ready child)
track "$K"
ckpt --tree -o img4 "$P" 2>err || fail "ckpt --tree of a tree sharing signal handlers failed: $(cat err)"
ckpt show img4 >show4.out 2>&1 || fail "ckpt show rejects the image"
grep -q "shares the signal handlers of process $P" show4.out ||
	fail "the tree's image does not say that $K shares $P's handlers"
alive "$P" "$K"
refused EUSERS img5 "checkpoint $K:" CLONE_SIGHAND "$P" --kill "$K"
alive "$P" "$K"
kill -9 "$P" "$K"

start vm
K=$(kv vm/ready child)
track "$K"
ckpt --tree -o img6 "$P" 2>err || fail "ckpt --tree of a tree sharing an address space failed: $(cat err)"
ckpt show img6 >show6.out 2>&1 || fail "ckpt show rejects the image"
grep -q "shares the address space of process $P" show6.out ||
	fail "the tree's image does not say that $K shares $P's address space"
alive "$P" "$K"
refused EUSERS img7 "checkpoint $K:" CLONE_VM "$P" --kill "$K"
alive "$P" "$K"
kill -9 "$P" "$K"
pass
