#!/bin/sh
# 85-sock-bad-images: restart refuses images whose SOCKET, SOCKDATA,
# SOCKOPT or socket FILE records were changed (checksums fixed up, so only
# the checks of contents can tell): exit 1, one EBADMSG line, no process
# made.  The tool's reader catches some, the module the others (a pair
# whose peer is missing, data for a socket that is no pair, a datagram
# without its end of message, an inet pair, a socket fd naming no socket,
# options for no socket, a TCP option on a UNIX socket).  The intact
# image restores and passes the program's own checks.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err walk.out"

sock_start pairs
pid=$PROG_PID
ckpt --kill -o good.img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
imgedit walk good.img >walk.out 2>&1 || fail "imgedit walk"

ost=$(rec_off SOCKET "type=1 state=4")	# a stream pair's end
dg=$(rec_off SOCKET "type=2 state=4")	# a datagram pair's end
sd=$(rec_off SOCKDATA "flags=1")	# a datagram's last piece
fs=$(awk '$2 == "FENTRY" && / kind=12/ { print $1; exit }' walk.out)	# an entry
[ -n "$fs" ] || fail "walk.out lists no socket's FILE entry"
dgid=$(awk -v o="$dg" '$1 == o { sub("id=", "", $4); print $4 }' walk.out)
listen_ok=$(rec_off SOCKET "state=")
bad "socket state 9" $((ost + H + 22)) 2 9
bad "socket unknown option bit" $((ost + H + 24)) 4 0x8000
bad "socket negative SO_SNDBUF" $((ost + H + 36)) 4 0x80000000
bad "socket reserved field" $((ost + H + 68)) 4 1
bad "pair whose peer is not in the image" $((ost + H + 8)) 8 0x7fffffff
bad "pair of the inet family" $((ost + H + 16)) 2 2
bad "listening datagram socket" $((dg + H + 22)) 2 3
bad "socket data for no socket" $((sd + H)) 8 0x7fffffff
bad "datagram without its end of message" $((sd + H + 8)) 4 0
bad "socket data flags" $((sd + H + 8)) 4 0x10
so=$(rec_off SOCKOPT "")
bad "socket options for no socket" $((so + H)) 8 0x7fffffff
bad "socket option mask 0" $((so + H + 8)) 4 0
bad "socket option field without its bit" $((so + H + 48)) 4 6
# a TCP option on a UNIX socket: the mask and the value, both in range
cp good.img tcpopt.img
imgedit set tcpopt.img $((so + H + 8)) 4 $((0x89)) || fail "imgedit set mask"
imgedit set tcpopt.img $((so + H + 48)) 4 60 || fail "imgedit set keepidle"
refused EBADMSG "SOCKOPT" tcpopt restart tcpopt.img
# an IP receive option (IP_PKTINFO) on a UNIX socket; two timestamp kinds
for v in "1 ipopt" "0x600 tstamps"; do
	set -- $v
	cp good.img "$2.img"
	imgedit set "$2.img" $((so + H + 8)) 4 $((0x10009)) || fail "imgedit set mask"
	imgedit set "$2.img" $((so + H + 68)) 2 "$1" || fail "imgedit set ipflags"
	refused EBADMSG "SOCKOPT" "$2" restart "$2.img"
done
bad "socket option TTL without its bit" $((so + H + 70)) 1 5
bad "socket fd naming no socket" $((fs + 24)) 8 0x7fffffff
bad "socket fd opened read-only" $((fs + 4)) 4 0
[ -n "$dgid" ] && [ -n "$listen_ok" ] || fail "walk.out lacks the sockets"

# the intact image restores and passes its checks
restart --wait good.img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$rpid"
wait_for 30 proc_alive "$pid" || fail "intact image: pid $pid did not come back ($(cat restart.err))"
touch go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "intact image: exited with $st: $(cat p.err)"
grep -q "all checks passed" p.out || fail "intact image: no success report"
pass
