#!/bin/sh
# 84-sock-refused: sockets a checkpoint cannot keep are refused with one
# line naming the fd, the socket and why, and the process runs on (even
# with --kill): a pair whose other end another process holds (EISCONN,
# naming the peer socket), an unread SCM_RIGHTS message (ETOOMANYREFS), a
# listener with a connection to accept (EBUSY), a TCP connection
# checkpointed without --kill (EISCONN, naming both addresses).
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err err"

# refused MODE ERRNO PATTERN [ARG]: start it, ckpt $KILL must fail so
KILL=--kill
refused() {
	rm -f ready go img
	sock_start "$1" $4
	ckpt $KILL -o img "$PROG_PID" 2>err
	_st=$?
	[ "$_st" -eq 1 ] || fail "$1: ckpt $KILL exited $_st, expected 1: $(cat err)"
	expect_err "$2" err >/dev/null
	[ "$(wc -l <err)" -le 2 ] || fail "$1: more than a message and a hint: $(cat err)"
	grep -qE -- "$3" err || fail "$1: the message does not match '$3': $(cat err)"
	[ ! -e img ] || fail "$1: a refused checkpoint left its image"
	sleep 0.3
	proc_alive "$PROG_PID" || fail "$1: the process died after a refused ckpt --kill"
	touch go
	wait "$PROG_PID" || fail "$1: the process exited with $?"
}

refused refuse-outside EISCONN "fd 5 \(socket:\[[0-9]+\], a UNIX stream socket\) is connected to socket:\[[0-9]+\] \(a UNIX stream socket\) outside the process"
refused refuse-scm ETOOMANYREFS "fd [0-9]+ \(socket:\[[0-9]+\], a UNIX datagram socket\) has unread messages carrying file descriptors \(SCM_RIGHTS\)"
refused refuse-pending EBUSY "\(socket:\[[0-9]+\], a UNIX stream socket @ckpt-pending listening\) has connections waiting to be accepted"
mkdir -p peer
sockets tcppeer "$TESTDIR/peer" 7284 </dev/null >peer.out 2>&1 &
track $!
wait_for 30 test -e peer/ready || fail "the TCP listener did not start"
# a TCP connection is saved only with --kill (case 86)
KILL=
refused tcpclient EISCONN "fd 3 \(socket:\[[0-9]+\], a TCP connection 127.0.0.1:[0-9]+ -> 127.0.0.1:7284 \([A-Z_]+\)\) is connected to a peer outside the process" 7284
pass
