#!/bin/sh
# 83-sock-inet: a server's TCP and UDP sockets over IPv4 and IPv6 (listening
# on 127.0.0.1:PORT and [::1]:PORT+1, UDP bound on 127.0.0.1 and [::], a
# bound and an unbound TCP socket) are checkpointed, killed and restarted
# with the same addresses, ports and options (SO_REUSEADDR, SO_REUSEPORT,
# SO_KEEPALIVE, TCP_NODELAY, SO_RCVBUF, IPV6_V6ONLY, SO_BROADCAST,
# O_NONBLOCK; in SOCKOPT records the timeouts, SO_LINGER, SO_PRIORITY,
# SO_MARK, SO_RCVLOWAT, IP_TOS, IPV6_TCLASS, TCP keepalive timing,
# TCP_USER_TIMEOUT and TCP_CORK, IP_TTL and IPV6_UNICAST_HOPS, the
# receive options of a DNS server's UDP sockets (IP_PKTINFO, IP_RECVTTL,
# IP_RECVORIGDSTADDR, IP_RECVERR, IP_FREEBIND, their IPv6 twins,
# SO_TIMESTAMP(NS), SO_RXQ_OVFL); in an MCAST record two multicast groups
# and IP_MULTICAST_TTL/LOOP), checked by the program with getsockname/getsockopt
# and new connections (and a new socket's defaults where none were set);
# then it serves a client from this script.  Its image with an unknown
# congestion control is refused (ENOENT), and so are its MCAST record with
# a unicast group (EBADMSG) or a device this host lacks (ENODEV).  A daemon's socket with SO_MARK
# and SO_PRIORITY 7 (set as root before it became uid 1000) is refused to
# a restorer without CAP_NET_ADMIN (EPERM) and restored by root.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err p.out img.ckpt.err img.restart.err img.show client.out d.err d.restart.err dperm.err"

port=7183
sock_start inet "$port"
sock_cycle img
show_has img "inet tcp listening 127.0.0.1:$port backlog 5" \
	"inet6 tcp listening \[::1\]:$((port + 1)) backlog 3" \
	"inet udp bound 127.0.0.1:$((port + 2))" "inet6 udp bound \[::\]:$((port + 3))" \
	"inet tcp bound 127.0.0.1:$((port + 4))" "inet6 tcp unbound" \
	"SO_REUSEADDR,SO_KEEPALIVE,TCP_NODELAY,SO_RCVBUF" "SO_REUSEPORT,IPV6_V6ONLY" \
	"options: SO_RCVTIMEO 2.500000 s, SO_SNDTIMEO 1.200000 s, SO_LINGER 7 s, SO_PRIORITY 3, TOS 0x10, TCP_KEEPIDLE 600 s, TCP_KEEPINTVL 30 s, TCP_KEEPCNT 4, TCP_USER_TIMEOUT 12345 ms, TCP_NOTSENT_LOWAT 16384, TCP_CONGESTION reno" \
	"options: SO_MARK 42, TOS 0x20, TTL 33, IP_RECVERR,IP_FREEBIND,IPV6_RECVPKTINFO,IPV6_RECVHOPLIMIT,IPV6_RECVERR,IPV6_RECVTCLASS,SO_TIMESTAMP,SO_RXQ_OVFL\$" \
	"inet udp bound 192.0.2.55:$((port + 5))" \
	"options: TTL 17, IP_PKTINFO,IP_RECVTTL,IP_RECVORIGDSTADDR,SO_TIMESTAMPNS\$" \
	"options: SO_RCVLOWAT 5, TCP_DEFER_ACCEPT [0-9]+ s, TCP_FASTOPEN 16, TCP_CORK" \
	"multicast: hops 4, no loop, device 0, 2 groups" "group 239.1.2.4 on device 1"
touch go
wait_for 30 grep -q serving p.out || fail "the restored server did not start serving: $(cat p.err)"
grep -q "all checks passed" p.out || fail "the restored server's checks failed: $(cat p.err)"
sockets client "$TESTDIR" "$port" "hello" >client.out 2>&1 || fail "client failed: $(cat client.out)"
grep -qx "pong hello" client.out || fail "the server answered '$(cat client.out)'"
wait "$RESTART_PID"
st=$?
[ "$st" -eq 0 ] || fail "the restored server exited with $st: $(cat p.err)"

# A congestion control this kernel lacks: refused before anything is made.
o=$(imgedit walk img | awk '$2 == "SOCKOPT" { print $1 }' | while read -r o; do
	m=$(od -A n -t u4 -j $((o + 16 + 8)) -N 4 img | tr -d ' ')
	[ $((m & 4096)) -ne 0 ] && { echo "$o"; break; }
done)
[ -n "$o" ] || fail "no SOCKOPT record with TCP_CONGESTION"
cp img noca.img
imgedit set noca.img $((o + 16 + 72)) 8 $((0x7a7a7a7a7a7a7a7a)) || fail "imgedit set name"
restart noca.img </dev/null >noca.out 2>noca.err && fail "restart of noca.img succeeded"
grep -q "uses a TCP congestion control this kernel does not have (ENOENT)" noca.err ||
	fail "noca.img: $(cat noca.err)"

# The UDP socket's MCAST record with a group made unicast (EBADMSG), or on
# a device this host lacks (ENODEV, naming the fd): refused before
# anything is made.
# (the one with groups: a UDP6 socket has one too, with none, and the
# records come in inode order, which per-CPU inode batches may change)
om=$(imgedit walk img | awk '$2 == "MCAST" && $3 > 32 { print $1; exit }')
[ -n "$om" ] || fail "no MCAST record with groups in the image"
cp img mc1.img
imgedit set mc1.img $((om + 16 + 32)) 4 $((0x0100007f)) || fail "imgedit set group"
refused EBADMSG "MCAST" mc1 restart mc1.img
cp img mc2.img
imgedit set mc2.img $((om + 16 + 48)) 4 999 || fail "imgedit set ifindex"
refused ENODEV "multicast group" mc2 restart mc2.img

# A daemon's socket: SO_MARK and SO_PRIORITY 7 set as root, then uid 1000.
# restart as uid 1000 lacks CAP_NET_ADMIN for them: refused before
# anything is made (EPERM, naming the fd); as root it comes back with both.
mkdir dropped && chmod 777 dropped || fail "mkdir dropped"
: >d.out
: >d.err
chmod 666 d.out d.err
sockets dropped "$TESTDIR/dropped" </dev/null >d.out 2>d.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e dropped/ready || fail "sockets dropped did not start: $(cat d.err)"
ckpt --kill -o d.img "$PROG_PID" 2>d.ckpt.err || fail "ckpt --kill failed: $(cat d.ckpt.err)"
wait "$PROG_PID"
chmod 644 d.img
refused EPERM "fd 32 has SO_MARK, SO_PRIORITY above 6" dperm \
	runas 1000 1000 restart d.img
restart -v --wait d.img </dev/null >d.restart.out 2>d.restart.err &
RESTART_PID=$!
track "$PROG_PID" "$RESTART_PID"
wait_for 30 grep -q "restored pid $PROG_PID" d.restart.err ||
	fail "pid $PROG_PID did not come back: $(cat d.restart.err)"
touch dropped/go
wait "$RESTART_PID"
st=$?
[ "$st" -eq 0 ] || fail "the restored daemon exited with $st: $(cat d.err)"
grep -q "all checks passed" d.out || fail "sockets dropped did not report success"
pass
