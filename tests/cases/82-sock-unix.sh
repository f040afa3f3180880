#!/bin/sh
# 82-sock-unix: a listening path socket (backlog 2, mode 0640), an abstract
# seqpacket listener, a datagram socket bound to a path and an unbound one
# survive restart: the stale socket files are unlinked and bound again,
# names, mode, backlog and options are checked by the program, which then
# accepts connections and datagrams.  Restored in a Landlock sandbox that
# refuses unlink(2), the stale file stays and the restore fails (EACCES).
# A socket path taken by another file in between makes the restore fail
# (EADDRINUSE), that file untouched.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err img.ckpt.err img.restart.err img.show bad.err ll.err"

sock_start unix
ino=$(stat -c %i srv.sock)
sock_cycle img
show_has img "unix stream listening $TESTDIR/srv.sock backlog 2" \
	"unix seqpacket listening @ckpt-test-$PROG_PID backlog 5" \
	"unix dgram bound $TESTDIR/dg.sock" "unix stream unbound" \
	"socket file ino $ino dev 0x[0-9a-f]+ mode 0640"
[ "$(stat -c %i srv.sock)" != "$ino" ] || fail "srv.sock is still the old inode $ino"

# the path is taken by another file: refused, the file left alone
ckpt --kill -o img2 "$PROG_PID" 2>img2.ckpt.err || fail "second ckpt failed: $(cat img2.ckpt.err)"
wait "$RESTART_PID"
# The stale socket file's unlink passes the LSM path hook as unlink(2)
# would: refused in a Landlock sandbox (EACCES), the file left alone.
ino=$(stat -c %i srv.sock)
landlocked --deny=unlink restart --wait img2 </dev/null >ll.out 2>ll.err
st=$?
[ "$st" = 1 ] || fail "restart in a Landlock sandbox without unlink exited $st: $(tr '\n' '|' <ll.err)"
problem=$(err_problem EACCES ll.err)
[ -z "$problem" ] || fail "restart in a Landlock sandbox without unlink: $problem"
[ "$(stat -c %i srv.sock)" = "$ino" ] || fail "srv.sock was replaced by the refused restore"
rm -f srv.sock
echo keep >srv.sock
restart --wait img2 </dev/null >bad.out 2>bad.err
st=$?
[ "$st" -ne 0 ] || fail "restart over a regular file at srv.sock succeeded"
grep -q "EADDRINUSE" bad.err || fail "restart did not say EADDRINUSE: $(cat bad.err)"
[ "$(cat srv.sock)" = keep ] || fail "the file at srv.sock was changed"
rm -f srv.sock
RESTART_PID=
restart -v --wait img2 </dev/null >img2.restart.out 2>img2.restart.err &
RESTART_PID=$!
track "$PROG_PID" "$RESTART_PID"
wait_for 30 grep -q "restored pid $PROG_PID" img2.restart.err ||
	fail "pid $PROG_PID did not come back from img2: $(cat img2.restart.err)"
sock_finish
pass
