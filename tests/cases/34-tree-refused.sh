#!/bin/sh
# 34-tree-refused: 'ckpt --tree' refuses, with one line naming the process
# and what is at fault, a tree with a member the caller may not ptrace (a
# child left as root under a uid-1000 parent: EPERM), a member holding a
# fanotify descriptor (EOPNOTSUPP, naming the fd; sockets between members
# are saved now, case 81); with --kill too, every process runs on
# afterwards and no image is left.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="t.err err"

# start_tree MODE: run "tree MODE" in a fresh directory; sets P and C
start_tree() {
	mkdir -p "$1" && chmod 777 "$1"
	tree "$1" "$TESTDIR/$1" </dev/null >/dev/null 2>t.err &
	P=$!
	track "$P"
	wait_for 20 test -e "$1/ready" || fail "tree $1 did not start: $(cat t.err)"
	C=$(kv "$1/ready" child)
	track "$C"
}


start_tree perm
runas 1000 1000 ckpt --tree --kill -o "$TESTDIR/img1" "$P" 2>err
st=$?
[ "$st" -eq 1 ] || fail "uid 1000 checkpointing a tree with a root child exited $st, expected 1"
expect_err EPERM err >/dev/null
grep -q "process $C" err || fail "the EPERM message does not name the child $C: $(cat err)"
[ ! -e img1 ] || fail "a refused checkpoint left its image"
sleep 0.3
for p in $P $C; do
	case "$(proc_state "$p")" in
	S|R) ;;
	*) fail "process $p is in state '$(proc_state "$p")' after a refused checkpoint" ;;
	esac
done
# positive control: the same user may checkpoint the parent alone
runas 1000 1000 ckpt -o "$TESTDIR/img1" "$P" 2>err ||
	fail "uid 1000 cannot checkpoint its own process $P: $(cat err)"
kill -9 "$P" "$C"

start_tree fanotify
ckpt --tree --kill -o img2 "$P" 2>err
st=$?
[ "$st" -eq 1 ] || fail "a tree holding a fanotify fd: ckpt exited $st, expected 1"
expect_err EOPNOTSUPP err >/dev/null
grep -q "process $P: fd [0-9]* (anon_inode:\[fanotify\]" err ||
	fail "the message does not name process $P and its fanotify fd: $(cat err)"
[ ! -e img2 ] || fail "a refused checkpoint left its image"
sleep 0.3
for p in $P $C; do
	proc_alive "$p" || fail "process $p died after a refused ckpt --kill"
done
kill -9 "$P" "$C"

pass
