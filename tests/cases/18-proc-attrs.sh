#!/bin/sh
# 18-proc-attrs: rlimits, pending signals with their siginfo (standard and
# real-time, in queue order) and the /proc/PID/exe link survive restart.
# The program runs in its own cgroup: the image names it; restart, run
# from another, warns that the process will run in restart's; restart
# --cgroup restores it in its own (and, the cgroup gone, refuses: ENOENT;
# a path with a ".." component is a corrupt image: EBADMSG).
# A process with a root directory of its own (chroot) comes back in it:
# its "/" and "/.." are that directory, its cwd inside, what is outside
# out of its reach, descriptors opened inside and outside it intact; a
# restorer without CAP_SYS_CHROOT is refused (EPERM, naming it), as is an
# image whose root is gone (ENOENT) or has a ".." component (EBADMSG).
# One that bound a unix socket inside its root cannot be checkpointed
# (EOPNOTSUPP: its name is the process's own view) and runs on.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out c.err b.err"

mine=$(sed -n 's/^0:://p' /proc/self/cgroup)
cg=/sys/fs/cgroup/ckpt-18-$$
mkdir "$cg" || fail "cannot make cgroup $cg"
echo $$ >"$cg/cgroup.procs" || fail "cannot enter $cg"
prog_start procattrs
echo $$ >"/sys/fs/cgroup$mine/cgroup.procs" || fail "cannot go back to $mine"
pid=$PROG_PID
prog_checkpoint
grep -q "^@[0-9]* SIGPENDING" show.out || fail "no SIGPENDING record"
grep -q "nofile *100 / 200" show.out || fail "RLIMITS record lacks nofile 100/200"
grep -q "cgroup /ckpt-18-$$\$" show.out || fail "the image does not name cgroup /ckpt-18-$$"
# A path that climbs out of /sys/fs/cgroup ("/../t-18-...") is corrupt.
o=$(imgedit walk img | awk '$2 == "CGROUP" { print $1; exit }')
[ -n "$o" ] || fail "no CGROUP record in the image"
cp img bad.img
imgedit set bad.img $((o + 16 + 8)) 4 $((0x2f2e2e2f)) || fail "imgedit set"
refused EBADMSG "CGROUP record" b restart --cgroup bad.img
rmdir "$cg" || fail "cannot remove $cg"
refused ENOENT "cgroup /ckpt-18-$$" c restart --cgroup img
mkdir "$cg" || fail "cannot make cgroup $cg again"

prog_restart
grep -q "warning: pid $pid ran in cgroup /ckpt-18-$$; it will run in restart's, $mine " restart.err ||
	fail "restart did not warn of the cgroup: $(cat restart.err)"
[ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "$mine" ] ||
	fail "the restored process is in cgroup $(cat "/proc/$pid/cgroup")"
kill -9 "$pid"
wait "$RESTART_PID"

prog_restart restart -v --wait --cgroup img
wait_for 10 grep -q "restored pid $pid" restart.err ||
	fail "restart --cgroup did not restore it: $(cat restart.err)"
! grep -q "warning" restart.err || fail "restart --cgroup warned: $(cat restart.err)"
[ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "/ckpt-18-$$" ] ||
	fail "restart --cgroup: the process is in cgroup $(cat "/proc/$pid/cgroup")"
exe=$(readlink "/proc/$pid/exe")
[ "$exe" = /tests/progs/procattrs ] || fail "/proc/$pid/exe is '$exe'"
prog_finish
rmdir "$cg" || fail "cannot remove $cg"

# ---- a root directory of its own (chroot) ----
subdir jail
mkdir -p root/sub
echo inside >root/inside
echo outside >outside
chrooted "$TESTDIR" </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "chrooted did not start: $(cat p.err)"
[ "$(readlink "/proc/$PROG_PID/root")" = "$TESTDIR/root" ] ||
	fail "chrooted's root is $(readlink "/proc/$PROG_PID/root")"
prog_checkpoint
grep -q "^  root $TESTDIR/root\$" show.out || fail "the image does not name its root: $(grep -A1 ' cwd ' show.out)"
grep -q "cwd $TESTDIR/root/sub\$" show.out || fail "the image's cwd: $(grep ' cwd ' show.out)"
# without CAP_SYS_CHROOT: refused before anything is made
refused EPERM "CAP_SYS_CHROOT" nc chrooted nochroot restart img
# the root's path climbing out ("/..") is a corrupt image
o=$(imgedit walk img | awk '$2 == "FS" { print $1; exit }')
[ -n "$o" ] || fail "no FS record in the image"
clen=$(od -An -tu4 -j $((o + 16 + 4)) -N 4 img | tr -d ' ')
[ "$clen" -gt 1 ] || fail "the FS record's cwd_len: '$clen'"
cp img bad.img
imgedit set bad.img $((o + 16 + 16 + clen)) 4 $((0x2f2e2e2f)) || fail "imgedit set"
refused EBADMSG "FS record" bd restart bad.img
mv root root.away
refused ENOENT "root directory" gone restart img
mv root.away root
prog_restart
[ "$(readlink "/proc/$PROG_PID/root")" = "$TESTDIR/root" ] ||
	fail "the restored process's root is $(readlink "/proc/$PROG_PID/root")"
[ "$(readlink "/proc/$PROG_PID/cwd")" = "$TESTDIR/root/sub" ] ||
	fail "the restored process's cwd is $(readlink "/proc/$PROG_PID/cwd")"
kill -USR1 "$PROG_PID"
wait "$RESTART_PID"
st=$?
[ "$(cat result 2>/dev/null)" = ok ] || fail "the restored chrooted process: $(cat result 2>/dev/null) (exit $st)"
[ "$st" -eq 0 ] || fail "the restored chrooted process exited $st"

# a unix socket bound inside the root: refused, and it runs on
subdir sock
mkdir -p root/sub
echo inside >root/inside
echo outside >outside
chrooted "$TESTDIR" sock </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "chrooted sock did not start: $(cat p.err)"
test -S root/sock || fail "chrooted did not bind root/sock"
ckpt -o img "$PROG_PID" 2>ckpt.err && fail "a socket bound inside a chroot was checkpointed"
expect_err EOPNOTSUPP ckpt.err >/dev/null
grep -q "socket" ckpt.err || fail "the refusal does not name the socket: $(cat ckpt.err)"
proc_alive "$PROG_PID" || fail "the refused process is gone"
kill -USR1 "$PROG_PID"
wait "$PROG_PID"
[ "$(cat result)" = ok ] || fail "after the refusal: $(cat result)"
pass
