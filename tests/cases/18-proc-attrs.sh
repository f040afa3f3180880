#!/bin/sh
# 18-proc-attrs: rlimits, pending signals with their siginfo (standard and
# real-time, in queue order) and the /proc/PID/exe link survive restart.
# The program runs in its own cgroup: the image names it; restart, run
# from another, warns that the process will run in restart's; restart
# --cgroup restores it in its own (and, the cgroup gone, refuses: ENOENT;
# a path with a ".." component is a corrupt image: EBADMSG).
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
pass
