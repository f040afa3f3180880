#!/bin/sh
# 02-tree-vmshare-refused: address-space sharing a restore cannot give
# back is refused with one line naming the processes, the processes run
# on (even with --kill), no image left:
#  - a vfork() child that has not exec'ed (its parent waits in vfork() for
#    it): EOPNOTSUPP, for the tree, the parent alone and the child alone,
#    naming both, before anything is frozen; released afterwards, the
#    child exits and the parent resumes;
#  - a process whose address space and handlers are shared with one
#    outside the tree (clone(CLONE_VM | CLONE_SIGHAND | CLONE_PARENT)):
#    EUSERS, naming the outsider;
#  - a process on another's address space with threads of its own:
#    EOPNOTSUPP, naming both;
#  - a member the caller may not ptrace (root, on the address space of a
#    process of uid 1000): EPERM for uid 1000, root may.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="err p.err"

# start MODE: run "vmshare MODE" in a fresh directory; sets P
start() {
	prog_start vmshare "$1"
	P=$PROG_PID
}

# refused ERRNO IMG PATTERN... -- CKPT-ARGS...: ckpt exits 1 with one line
# naming the errno and matching each PATTERN
refused() {
	_e=$1 _img=$2
	shift 2
	_pats=""
	while [ "$1" != "--" ]; do
		_pats="$_pats
$1"
		shift
	done
	shift
	ckpt -o "$_img" "$@" 2>err
	_st=$?
	[ "$_st" -eq 1 ] || fail "ckpt $* exited $_st, expected 1: $(cat err)"
	expect_err "$_e" err >/dev/null
	echo "$_pats" | while IFS= read -r _p; do
		[ -z "$_p" ] && continue
		head -n 1 err | grep -q -- "$_p" ||
			{ echo "the message does not say '$_p': $(cat err)" >refused.why; break; }
	done
	[ ! -s refused.why ] || fail "$(cat refused.why)"
	[ ! -e "$_img" ] || fail "a refused checkpoint left $_img"
}

alive() {
	sleep 0.3
	for _p in "$@"; do
		case "$(proc_state "$_p")" in
		S|R|D) ;;
		*) fail "process $_p is in state '$(proc_state "$_p")' after a refused checkpoint" ;;
		esac
	done
}

rm -f refused.why
start vfork
C=$(kv vfork/ready c)
track "$C"
[ -n "$C" ] || fail "bad ready file: $(cat vfork/ready)"
refused EOPNOTSUPP img1 "tree $P: process $P" "waits in vfork() for its child, process $C" -- --tree --kill "$P"
alive "$P" "$C"
refused EOPNOTSUPP img2 "checkpoint $P:" "waits in vfork() for its child, process $C" -- --kill "$P"
alive "$P" "$C"
refused EOPNOTSUPP img2 "checkpoint $C:" "vfork() child" "its parent, process $P" -- --kill "$C"
alive "$P" "$C"
# CKPT_IOC_FREEZE (the tools' hold) says so at once too, not EBUSY in 10 s
freezer try "$P" >fz.out 2>&1
grep -q "^freeze=EOPNOTSUPP" fz.out || fail "CKPT_IOC_FREEZE of the vfork parent: $(cat fz.out)"
freezer try "$C" >fz.out 2>&1
grep -q "^freeze=ok" fz.out || fail "CKPT_IOC_FREEZE of the vfork child: $(cat fz.out)"
alive "$P" "$C"
[ ! -e vfork/resumed ] || fail "the vfork parent resumed before its child went"
touch vfork/release
wait_for 10 test -e vfork/resumed || fail "the vfork parent did not resume once its child exited"
expect_gone "$C" "the released vfork child"
kill -9 "$P"

start outside
A=$(kv outside/ready a)
B=$(kv outside/ready b)
track "$A" "$B"
[ "$(proc_field "$B" 4)" = "$P" ] || fail "B's parent is $(proc_field "$B" 4), not $P"
refused EUSERS img3 "tree $A: process $A" "(CLONE_SIGHAND) with process $B outside the tree" -- --tree --kill "$A"
alive "$P" "$A" "$B"
kill -9 "$P" "$A" "$B"

start threads
S=$(kv threads/ready s)
track "$S"
[ "$(ls "/proc/$S/task" | wc -l)" -eq 2 ] || fail "S does not have 2 threads"
refused EOPNOTSUPP img4 "tree $P: process $S" "address space of process $P" "threads of its own" -- --tree --kill "$P"
alive "$P" "$S"
kill -9 "$P" "$S"

# Every member must be ptrace-able: P runs as uid 1000 (dumpable), S, on
# its address space and handlers, as root; uid 1000 may not take the tree.
mkdir -p perm
chmod 777 perm
start perm
S=$(kv perm/ready s)
track "$S"
grep -qE '^Uid:[[:space:]]+1000[[:space:]]' "/proc/$P/status" &&
	grep -qE '^Uid:[[:space:]]+0[[:space:]]' "/proc/$S/status" ||
	fail "P is not uid 1000 or S not root"
runas 1000 1000 ckpt --tree --kill "$P" >img5 2>err
st=$?
[ "$st" -eq 1 ] || fail "uid 1000 checkpointing a tree with a root member exited $st, expected 1: $(cat err)"
expect_err EPERM err >/dev/null
head -n 1 err | grep -q "process $S" || fail "the message does not name $S: $(cat err)"
alive "$P" "$S"
# positive control: root may
ckpt --tree -o img6 "$P" 2>err || fail "root could not checkpoint the tree: $(cat err)"
alive "$P" "$S"
kill -9 "$P" "$S"
pass
