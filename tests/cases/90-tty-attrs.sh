#!/bin/sh
# 90-tty-attrs: a session leader whose controlling terminal is a pty
# slave (the master held by another process): after restart the slave
# has its termios (flags, c_cc, speed) and window size back, and the
# process leads its session again with that terminal as its controlling
# terminal (ttyattrs checks it all); ckpt show names the settings.  The
# holder of the master (/dev/ptmx) is refused, EUSERS (ttyattrs, outside
# its checkpoint, holds the slave), and it runs on.
#
# Pairs whose master the processes hold (ptypair):
#  - tree: 'ckpt --tree' of a parent holding the master and a slave
#    descriptor, and its child leading a session with the slave as its
#    controlling terminal through that same open file, inherited
#    (TIOCSCTTY; ckpt show: the child's and grandchild's slave fd share an
#    earlier process's open file), 12 bytes the child wrote unread by the
#    master (ckpt show's pty line: index, unlocked, owner 1234:1235, mode
#    0600, window 33x77, 12 bytes unread), and, as a shell's foreground
#    job, a grandchild leading its own process group, the terminal's
#    foreground group, blocked reading the slave (3 processes: ckpt show's
#    tree, restart's count); restored, the pair has its index, lock,
#    packet mode, owner, mode, termios and window size, the master reads
#    exactly those bytes, the child and the grandchild have their session
#    and controlling terminal, the grandchild's group is still in the
#    foreground (/proc: tty_nr, tpgid; TIOCGPGRP on the master), so VINTR
#    written to the master interrupts the grandchild, not the child (which
#    then checks /dev/tty, tcgetpgrp... in it); the child takes the
#    foreground back and the two talk through the pair;
#  - self: one process holding both ends, with bytes the slave has not
#    read: refused (EBUSY), runs on, the slave reads them (nothing lost);
#    with bytes the slave wrote instead (ckpt show: 11 unread by the
#    master), killed and restored: the master reads exactly them, a byte
#    passes each way;
#  - states: one process, three pairs, killed and restored with their
#    indices (ckpt show: "packet stopped tcooff", "locked", "slave-closed"): A
#    in packet mode with its slave's output stopped (TCOOFF) stays so
#    (TIOCGPKT 1, a write EAGAIN) until TCOON, then the master reads the
#    byte as a data packet; B, locked, still is (TIOCGPTLCK, its slave
#    does not open: EIO); C, its slave closed by all, reads EIO;
#  - outside: a process holding the master and a slave descriptor while
#    its child, not checkpointed, holds the slave too: refused (EUSERS),
#    no image, both run on and still talk through the pair;
#  - copy: one process holding both ends, 9 bytes the slave wrote unread
#    by the master, checkpointed without --kill: it runs on with its pair
#    while restart --pid-ns restores a copy, which cannot have the old
#    /dev/pts index: its pair is a new one (TIOCGPTN, ptsname, its slave
#    descriptor's device, /proc/PID/fd) with the termios and window size
#    (21x55) of the old; each reads exactly those bytes from its master
#    and passes a byte each way through its own pair.
# timeout: 330
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out herr busy.err oerr result.orig result.copy cerr notty.err x.err"

prog_start ttyattrs
holder=$(cat holder)
track "$holder"
ckpt -o himg "$holder" 2>herr
st=$?
[ "$st" -eq 1 ] || fail "ckpt of the pty master's holder exited $st, expected 1"
expect_err EUSERS herr >/dev/null
[ ! -e himg ] || fail "the refused checkpoint of the master's holder left its image"
prog_checkpoint
grep -q "terminal fd 5 (controlling terminal):.* window 33x101" show.out ||
	fail "ckpt show does not name fd 5 as the controlling terminal, 33x101"
prog_restart
prog_finish
proc_alive "$holder" || fail "the pty master's holder died"

top=$TESTDIR

# pty_start MODE: "ptypair MODE DIR" in a fresh DIR ($TESTDIR/MODE, now
# the current directory and $TESTDIR) until DIR/ready; sets PROG_PID, and
# child (the PID of its child, "" if none, tracked).
pty_start() {
	cd "$top" && TESTDIR=$top
	subdir "$1"
	ptypair "$1" "$TESTDIR" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "ptypair $1 did not start: $(cat p.err)"
	child=$(kv info child)
	[ -z "$child" ] || track "$child"
}

# pty_show INFO FLAGS: show.out has one pty line, the one INFO (a ptypair
# info file: the values read before the checkpoint) describes, with FLAGS.
pty_show() {
	_want="pty $(kv "$1" pts): $2, slave uid $(kv "$1" uid) gid $(kv "$1" gid) mode $(kv "$1" mode), window $(kv "$1" rows)x$(kv "$1" cols), $(kv "$1" unread) bytes unread by the master"
	grep -qF "$_want" show.out ||
		fail "ckpt show has no '$_want': $(grep 'pty ' show.out | tr '\n' '|')"
	_n=$(grep -c 'pty /dev/pts/[0-9]*: .* bytes unread by the master' show.out)
	[ "$_n" -eq 1 ] || fail "ckpt show has $_n pty lines, expected 1"
}

# tree: the parent, its child leading a session on the slave, and the
# grandchild, the foreground job.
pty_start tree
pts=$(kv info pts)
[ -n "$child" ] && [ -c "$pts" ] || fail "ptypair tree wrote no child or pts: $(cat info)"
gchild=$(kv info grandchild)
[ -n "$gchild" ] || fail "ptypair tree wrote no grandchild: $(cat info)"
track "$gchild"
[ "$(kv info fg)" = "$gchild" ] ||
	fail "the foreground process group is $(kv info fg), not the grandchild's ($gchild)"
queued=$(printf 'queued-by-C\n' | wc -c)
[ "$(kv info unread)" -eq "$queued" ] ||
	fail "ptypair tree says $(kv info unread) bytes unread, not $queued"
[ "$(kv info mode)" = 0600 ] && [ "$(kv info rows)x$(kv info cols)" = 33x77 ] ||
	fail "ptypair tree did not set mode 0600 and 33x77: $(cat info)"
ttynr=$(proc_field "$child" 7)
[ "$(proc_field "$child" 6)" = "$child" ] && [ "$ttynr" != 0 ] ||
	fail "the child does not lead a session with a terminal: $(cat "/proc/$child/stat")"
# pgrp, session, tty_nr, tpgid (fields 5 to 8)
gjob="$gchild $child $ttynr $gchild"
[ "$(proc_field "$gchild" 4)" = "$child" ] &&
	[ "$(proc_field "$gchild" 5) $(proc_field "$gchild" 6) $(proc_field "$gchild" 7) $(proc_field "$gchild" 8)" = "$gjob" ] &&
	[ "$(proc_field "$child" 8)" = "$gchild" ] ||
	fail "the grandchild is not the foreground job of the child's terminal: $(cat "/proc/$gchild/stat")"
tree_ckpt_kill ckpt.err img "$PROG_PID" "" "$child" "$gchild"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the tree's image"
pty_show info locked
# C's slave fd is P's open file, inherited (and G's, from C)
sfd=$(kv info sfd)
_n=$(grep -c "shares the open file of fd $sfd of process [0-9]*\$" show.out)
[ "$_n" -eq 2 ] && grep -q "shares the open file of fd $sfd of process $PROG_PID\$" show.out ||
	fail "ckpt show does not have the child and grandchild share fd $sfd's open file (of $PROG_PID): $(grep 'shares the open file' show.out | tr '\n' '|')"
# G's /dev/tty, and its dup (fd 20), on the pair's slave
_idx=${pts#/dev/pts/}
_n=$(grep -c "/dev/tty: the controlling terminal, slave of pty pair $_idx (pts $_idx)\$" show.out)
[ "$_n" -eq 2 ] && grep -q "fd 20 (cloexec) devtty O_RDWR" show.out ||
	fail "ckpt show does not have the grandchild's two /dev/tty descriptors on pair $_idx: $(grep -e devtty -e '/dev/tty:' show.out | tr '\n' '|')"
_n=$(grep -c '^ *process [0-9]* ppid' show.out)
[ "$_n" -eq 3 ] || fail "ckpt show's tree has $_n processes, expected 3"
grep -q "process $gchild ppid $child pgid $gchild sid $child\$" show.out ||
	fail "ckpt show has no 'process $gchild ppid $child pgid $gchild sid $child': $(grep 'process [0-9]* ppid' show.out | tr '\n' '|')"
prog_restart
grep -q "restored tree $PROG_PID: 3 processes" restart.err ||
	fail "restart did not restore 3 processes: $(cat restart.err)"
wait_for 10 proc_alive "$child" || fail "the child ($child) did not come back"
[ "$(proc_field "$child" 4)" = "$PROG_PID" ] ||
	fail "the child's parent is $(proc_field "$child" 4), not $PROG_PID"
[ "$(proc_field "$child" 6)" = "$child" ] ||
	fail "the child's session is $(proc_field "$child" 6), not its own"
[ "$(proc_field "$child" 7)" = "$ttynr" ] ||
	fail "the child's controlling terminal is $(proc_field "$child" 7), was $ttynr ($pts)"
wait_for 10 proc_alive "$gchild" || fail "the grandchild ($gchild) did not come back"
[ "$(proc_field "$gchild" 4)" = "$child" ] ||
	fail "the grandchild's parent is $(proc_field "$gchild" 4), not $child"
[ "$(proc_field "$gchild" 5) $(proc_field "$gchild" 6) $(proc_field "$gchild" 7) $(proc_field "$gchild" 8)" = "$gjob" ] ||
	fail "the grandchild's pgrp, session, tty_nr, tpgid are $(proc_field "$gchild" 5) $(proc_field "$gchild" 6) $(proc_field "$gchild" 7) $(proc_field "$gchild" 8), were $gjob"
[ "$(proc_field "$child" 8)" = "$gchild" ] ||
	fail "the terminal's foreground group is $(proc_field "$child" 8) (the child's tpgid), was the grandchild's ($gchild)"
[ "$(stat -c '%u %g %a' "$pts")" = "$(kv info uid) $(kv info gid) 600" ] ||
	fail "$pts is $(stat -c '%u %g %a' "$pts" 2>&1) after the restore: $(cat info)"
prog_finish
expect_gone "$child" "the tree's child after its checks"
expect_gone "$gchild" "the tree's grandchild after its checks"

# self: unread input refused, unread output saved.
pty_start self
ckpt --kill -o busy.img "$PROG_PID" 2>busy.err
st=$?
[ "$st" -eq 1 ] || fail "ckpt of a pty pair with input the slave has not read exited $st, expected 1"
expect_err EBUSY busy.err >/dev/null
[ ! -e busy.img ] || fail "the refused checkpoint (EBUSY) left its image"
proc_alive "$PROG_PID" || fail "ptypair self did not survive the refusal"
touch step
wait_for 30 test -e ready2 || fail "ptypair self lost its input, or died: $(cat p.err)"
prog_checkpoint
pty_show info2 unlocked
prog_restart
prog_finish

# states: packet mode and stopped output, locked, slave closed by all.
pty_start states
a=$(kv info a) b=$(kv info b) c=$(kv info c)
[ -c "$a" ] && [ -c "$b" ] && [ -c "$c" ] || fail "ptypair states wrote no pts: $(cat info)"
prog_checkpoint
_n=$(grep -c 'pty /dev/pts/[0-9]*: .* bytes unread by the master' show.out)
[ "$_n" -eq 3 ] || fail "ckpt show has $_n pty lines, expected 3"
for _want in "pty $a: packet stopped tcooff, " "pty $b: locked, " "pty $c: slave-closed, "; do
	grep -qF "$_want" show.out ||
		fail "ckpt show has no '$_want': $(grep 'pty ' show.out | tr '\n' '|')"
done
grep "pty $a:" show.out | grep -q ", 0 bytes unread by the master\$" ||
	fail "ckpt show: pair A has bytes unread: $(grep "pty $a:" show.out)"
prog_restart
prog_finish

# outside: its child, not checkpointed, holds the slave.
pty_start outside
[ -n "$child" ] || fail "ptypair outside wrote no child: $(cat info)"
ckpt -o oimg "$PROG_PID" 2>oerr
st=$?
[ "$st" -eq 1 ] || fail "ckpt of a pty master whose slave another process holds exited $st, expected 1"
log "refused: $(head -n 1 oerr)"
expect_err EUSERS oerr >/dev/null
[ ! -e oimg ] || fail "the refused checkpoint (EUSERS) left its image"
proc_alive "$PROG_PID" && proc_alive "$child" ||
	fail "ptypair outside or its child did not survive the refusal"
touch go
reap_passed "$PROG_PID" p "ptypair outside"

# copy: restored while the original still holds its pair (and index).
pty_start copy
pts=$(kv info pts)
sfd=$(kv info sfd)
[ -c "$pts" ] && [ -n "$sfd" ] &&
	[ "$(kv info rows)x$(kv info cols)" = 21x55 ] ||
	fail "ptypair copy wrote no pts or sfd, or not 21x55: $(cat info)"
ckpt -o img "$PROG_PID" 2>ckpt.err ||
	fail "ckpt (without --kill) of ptypair copy failed: $(cat ckpt.err)"
proc_alive "$PROG_PID" || fail "ptypair copy did not run on after its checkpoint"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the copy's image"
pty_show info unlocked
restart -v --pid-ns --wait img </dev/null >restart.out 2>restart.err &
RESTART_PID=$!
track "$RESTART_PID"
wait_for 30 grep -q "restored pid $PROG_PID in a new PID namespace" restart.err ||
	fail "restart --pid-ns did not restore the copy: $(cat restart.err)"
cpid=$(sed -n 's/.*restored pid .* (pid \([0-9]*\) here).*/\1/p' restart.err)
[ -n "$cpid" ] && [ "$cpid" != "$PROG_PID" ] ||
	fail "restart -v names no PID of the copy here: $(cat restart.err)"
track "$cpid"
proc_alive "$PROG_PID" || fail "the original died when its copy was restored"
opts=$(readlink "/proc/$PROG_PID/fd/$sfd")
cpts=$(readlink "/proc/$cpid/fd/$sfd")
[ "$opts" = "$pts" ] || fail "the original's fd $sfd is '$opts', was $pts"
case $cpts in
/dev/pts/[0-9]*) ;;
*) fail "the copy's fd $sfd is '$cpts', not a pty slave" ;;
esac
[ "$cpts" != "$pts" ] || fail "the copy's fd $sfd is the original's slave $pts"
log "original on $pts, its copy (pid $cpid here) on $cpts"
touch go
wait "$PROG_PID"
st=$?
[ "$st" -eq 0 ] ||
	fail "the original exited $st: $(cat result.orig 2>/dev/null || cat p.err)"
wait "$RESTART_PID"
st=$?
[ "$st" -eq 0 ] ||
	fail "the copy exited $st: $(cat result.copy 2>/dev/null || cat p.err)"
grep -q "all checks passed" result.orig ||
	fail "the original did not report success: $(cat result.orig 2>&1)"
grep -q "all checks passed" result.copy ||
	fail "the copy did not report success: $(cat result.copy 2>&1)"
[ "$(kv result.orig pts)" = "$pts" ] && [ "$(kv result.copy pts)" = "$cpts" ] ||
	fail "the results name $(kv result.orig pts) and $(kv result.copy pts), expected $pts and $cpts"

# devtty: X, not a session leader, holds /dev/tty twice (its session
# leader C's open file, and its own O_NONBLOCK one) on a terminal outside
# the checkpoint; C holds that terminal only through /dev/tty.
pty_start devtty
holder_p=$PROG_PID
pts=$(kv info pts)
x=$(kv info x)
[ -c "$pts" ] && [ -n "$x" ] || fail "ptypair devtty wrote no pts or x: $(cat info)"
track "$x"
ckpt -o cimg "$child" 2>cerr
st=$?
[ "$st" -eq 1 ] || fail "ckpt of a session leader holding its terminal only through /dev/tty exited $st, expected 1"
log "refused: $(head -n 1 cerr)"
expect_err EOPNOTSUPP cerr >/dev/null
grep -q "fd 3 is /dev/tty, and process $child leads its session" cerr ||
	fail "the refusal does not say fd 3 is /dev/tty of a session leader: $(cat cerr)"
[ ! -e cimg ] && proc_alive "$child" ||
	fail "the refused checkpoint of C left an image, or C died"
ckpt --kill -o img "$x" 2>ckpt.err || fail "ckpt of X failed: $(cat ckpt.err)"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects X's image"
_dev="136:${pts#/dev/pts/}"
_n=$(grep -c "/dev/tty: the controlling terminal, device $_dev\$" show.out)
[ "$_n" -eq 2 ] || fail "ckpt show has $_n /dev/tty entries on $_dev, expected 2: $(grep -e devtty -e '/dev/tty' show.out | tr '\n' '|')"
wait_for 30 test -e ready2 || fail "C did not end once X was killed: $(cat p.err)"
# A restart without that controlling terminal: refused, nothing left.
PROG_PID=$x
refused ENXIO "/dev/pts/${pts#/dev/pts/}" notty setsid restart img
log "refused: $(head -n 1 notty.msg)"
# restart leading a session on that terminal: X is in its session.
setsid -c restart -v --wait img <>"$pts" >restart.out 2>restart.err &
RESTART_PID=$!
track "$RESTART_PID"
wait_for 30 grep -q "restored pid $x" restart.err ||
	fail "restart on $pts did not restore X: $(cat restart.err)"
touch go
wait "$RESTART_PID"
st=$?
touch done
[ "$st" -eq 0 ] || fail "X exited $st after the restore: $(cat x.err)"
grep -q "all checks passed" x.out || fail "X did not report success: $(cat x.err)"
reap_passed "$holder_p" p "ptypair devtty"
pass
