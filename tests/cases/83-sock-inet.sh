#!/bin/sh
# 83-sock-inet: a server's TCP and UDP sockets over IPv4 and IPv6 (listening
# on 127.0.0.1:PORT and [::1]:PORT+1, UDP bound on 127.0.0.1 and [::], a
# bound and an unbound TCP socket) are checkpointed, killed and restarted
# with the same addresses, ports and options (SO_REUSEADDR, SO_REUSEPORT,
# SO_KEEPALIVE, TCP_NODELAY, SO_RCVBUF, IPV6_V6ONLY, SO_BROADCAST,
# O_NONBLOCK; in SOCKOPT records the timeouts, SO_LINGER, SO_PRIORITY,
# SO_MARK, SO_RCVLOWAT, IP_TOS, IPV6_TCLASS, TCP keepalive timing and
# TCP_USER_TIMEOUT), checked by the program with getsockname/getsockopt
# and new connections (and a new socket's defaults where none were set);
# then it serves a client from this script.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err p.out img.ckpt.err img.restart.err img.show client.out"

port=7183
sock_start inet "$port"
sock_cycle img
show_has img "inet tcp listening 127.0.0.1:$port backlog 5" \
	"inet6 tcp listening \[::1\]:$((port + 1)) backlog 3" \
	"inet udp bound 127.0.0.1:$((port + 2))" "inet6 udp bound \[::\]:$((port + 3))" \
	"inet tcp bound 127.0.0.1:$((port + 4))" "inet6 tcp unbound" \
	"SO_REUSEADDR,SO_KEEPALIVE,TCP_NODELAY,SO_RCVBUF" "SO_REUSEPORT,IPV6_V6ONLY" \
	"options: SO_RCVTIMEO 2.500000 s, SO_SNDTIMEO 1.200000 s, SO_LINGER 7 s, SO_PRIORITY 3, TOS 0x10, TCP_KEEPIDLE 600 s, TCP_KEEPINTVL 30 s, TCP_KEEPCNT 4, TCP_USER_TIMEOUT 12345 ms" \
	"options: SO_MARK 42, TOS 0x20" "options: SO_RCVLOWAT 5"
touch go
wait_for 30 grep -q serving p.out || fail "the restored server did not start serving: $(cat p.err)"
grep -q "all checks passed" p.out || fail "the restored server's checks failed: $(cat p.err)"
sockets client "$TESTDIR" "$port" "hello" >client.out 2>&1 || fail "client failed: $(cat client.out)"
grep -qx "pong hello" client.out || fail "the server answered '$(cat client.out)'"
wait "$RESTART_PID"
st=$?
[ "$st" -eq 0 ] || fail "the restored server exited with $st: $(cat p.err)"
pass
