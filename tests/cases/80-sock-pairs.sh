#!/bin/sh
# 80-sock-pairs: UNIX socketpairs (stream, datagram, seqpacket) with unread
# data both ways, shutdown states, a stream whose other end was closed,
# O_NONBLOCK, CLOEXEC, a dup, SO_PASSCRED, SO_SNDBUF/SO_RCVBUF survive
# restart, twice (the restored sockets are saved again); the program then
# reads back every byte and message boundary and checks flags, options,
# EOF and EPIPE itself (tests/progs/sockets.c, mode pairs).
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err img.ckpt.err img.restart.err img2.ckpt.err img2.restart.err img.show"

sock_start pairs
sock_cycle img
show_has img "fd 10 socket O_RDWR,O_NONBLOCK" "socket [0-9]+ unix stream pair peer [0-9]+" \
	"unix dgram pair" "unix seqpacket pair" "shutdown wr" "unix stream pair peer closed" \
	"SO_PASSCRED" "SOCKDATA" "bytes, end of message" \
	"options SO_SNDBUF sndbuf 131072"
# 99000 unread stream bytes, a 70000-byte datagram in two records
grep -q "socket [0-9]*: 65[0-9]* bytes$" img.show || fail "no large stream SOCKDATA record"
sock_cycle img2
sock_finish
pass
