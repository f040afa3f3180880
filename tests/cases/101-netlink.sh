#!/bin/sh
# 101-netlink: netlink sockets come back with their port IDs, multicast
# groups (within and beyond bind's first 32), options (NETLINK_PKTINFO,
# _CAP_ACK, _EXT_ACK...), SO_RCVBUF and destination: nlsocks checks them
# after restore and uses them (a message from a connected socket reaches
# its peer's port, another sender is refused by it, an address added to
# lo is acknowledged to one socket and heard of by the group member);
# ckpt show names them.  A netlink socket holding a reply it has not read
# (nlsocks busy) is refused, EBUSY, and the process runs on and reads it;
# so are one with a socket filter (EOPNOTSUPP) and one connected to a
# group its process, having dropped CAP_NET_ADMIN, could not connect to
# again (EPERM: its restore would fail), and one made in another network
# namespace (EOPNOTSUPP).
# Images changed on purpose (a NETLINK record for no socket or a second
# for one, unknown flags, a connected unbound socket, a group beyond 32, a
# protocol, type or address a netlink socket cannot have) are refused,
# EBADMSG, by the tool's reader or the module.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/socklib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

# a run that died before removing its address must not make this one fail
ip addr del 192.0.2.77/32 dev lo 2>/dev/null
prog_start nlsocks
prog_checkpoint
[ "$(grep -c '^  netlink socket [0-9]*: groups' show.out)" -eq 6 ] ||
	fail "ckpt show does not list 6 NETLINK records: $(grep netlink show.out | tr '\n' '|')"
grep -q "^  netlink socket [0-9]*: groups 5,32,36, options NETLINK_NO_ENOBUFS,NETLINK_EXT_ACK,NETLINK_GET_STRICT_CHK\$" show.out ||
	fail "ckpt show does not name A's groups and options: $(grep netlink show.out | tr '\n' '|')"
grep -q "^  netlink socket [0-9]*: groups none, options NETLINK_PKTINFO,NETLINK_BROADCAST_ERROR,NETLINK_CAP_ACK, connected to port 0 group 0\$" show.out &&
	grep -q "connected to port $(kv ready a) group 0\$" show.out ||
	fail "ckpt show does not name B's and E's destinations"
grep -q "^  socket [0-9]* netlink raw protocol 0 bound port $(kv ready d)\$" show.out &&
	grep -q "^  socket [0-9]* netlink raw protocol 15 unbound" show.out ||
	fail "ckpt show does not name D's port or C's unbound uevent socket"

# The image changed on purpose: the tool's reader or the module refuses
# each (EBADMSG), no process made.
pid=$PROG_PID
cp img good.img
imgedit walk good.img >walk.out 2>&1 || fail "imgedit walk"
c=$(rec_off SOCKET "family=16 type=3 state=1")	# C: unbound
d=$(rec_off SOCKET "family=16 type=3 state=2")	# A or D: bound
cid=$(awk -v o="$c" '$1 == o { sub("id=", "", $4); print $4 }' walk.out)
did=$(awk -v o="$d" '$1 == o { sub("id=", "", $4); print $4 }' walk.out)
cnl=$(rec_off NETLINK "id=$cid ")
enl=$(rec_off NETLINK "flags=64\$")		# E: connected, no option
[ -n "$cid" ] && [ -n "$did" ] && [ -n "$cnl" ] && [ -n "$enl" ] ||
	fail "walk.out lacks the netlink sockets or their NETLINK records"
bad "NETLINK record for no socket" $((cnl + H)) 8 0x7fffffff
bad "NETLINK record for a socket that has one" $((cnl + H)) 8 "$did"
bad "NETLINK unknown flag" $((cnl + H + 8)) 4 0x80
bad "NETLINK connected, its socket unbound" $((cnl + H + 8)) 4 0x40
bad "NETLINK destination group 40" $((enl + H + 16)) 4 40
bad "netlink protocol 40" $((c + H + 20)) 2 40
bad "netlink socket of type stream" $((c + H + 18)) 2 1
bad "netlink socket bound to port 0" $((d + H + 72 + 4)) 4 0
bad "netlink address with groups" $((d + H + 72 + 8)) 4 1

prog_restart
prog_finish

# A reply not read yet: refused, nothing lost.
subdir busy
prog_start_mode nlsocks busy
ckpt_refused EBUSY "fd $(kv ready fd) (socket:\[[0-9]*\], a netlink socket, protocol 0, port $PROG_PID) holds messages it has not read"
touch go
wait "$PROG_PID" || fail "nlsocks busy failed after the refusal: $(cat p.err)"
grep -q "all checks passed" p.out || fail "nlsocks busy did not read its reply"

# A socket filter (a udev monitor's): not saved, refused.
cd "$TESTDIR/.." && subdir filter
prog_start_mode nlsocks filter
ckpt_refused EOPNOTSUPP "fd $(kv ready fd) (socket:\[[0-9]*\], a netlink socket, protocol 15, port [0-9]*) has a pending error, a socket filter"
touch go
wait "$PROG_PID" || fail "nlsocks filter failed after the refusal: $(cat p.err)"

# Connected to a group only CAP_NET_ADMIN may send to, then the
# capability dropped: its restore would fail, so the checkpoint refuses.
cd "$TESTDIR/.." && subdir dropped
chmod 777 .	# it writes its ready as uid 1000
prog_start_mode nlsocks dropped
ckpt_refused EPERM "fd $(kv ready fd) (socket:\[[0-9]*\], a netlink socket, protocol 0, port [0-9-]*) is a member of multicast groups, or connected to a destination, that its process may no longer join"
touch go
wait "$PROG_PID" || fail "nlsocks dropped failed after the refusal: $(cat p.err)"

# A socket of another network namespace: the restore would make it in
# its own, so the checkpoint refuses.
cd "$TESTDIR/.." && subdir netns
prog_start_mode nlsocks netns
ckpt_refused EOPNOTSUPP "fd $(kv ready fd) (socket:\[[0-9]*\]"
touch go
wait "$PROG_PID" || fail "nlsocks netns failed after the refusal: $(cat p.err)"
pass
