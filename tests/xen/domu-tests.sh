#!/bin/sh
# The transport tests, run in both domUs at once (tests/xen/domu-init).
# xvt-a is CID $xvt_me=3, xvt-b is CID 4. Each runs an xvtest server on port
# 5000 and client tests against the other; "flags" (xvtest flag) order the
# phases: A's hostile-peer tests after B's first phase, B's module reload
# after A's first phase, A's peer-death test (dom0
# destroys B on "XVT DESTROY-PEER") after B's reload.
# Output: "XVT RESULT PASS|FAIL NAME DETAIL" lines.
me=$xvt_me
peer=$xvt_peer
big=${xvt_big_mb:-256}
port=5000
res() { echo "XVT RESULT $1 $2 $3"; }

load() {
	insmod /lib/modules/vsock.ko 2>/dev/null
	insmod /lib/modules/vmw_vsock_virtio_transport_common.ko 2>/dev/null
	insmod /lib/modules/xen_vsock.ko
}

# wait_flag TAG SECS
wait_flag() {
	i=0
	while [ ! -e /tmp/flag-$1 ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 5)) ] && return 1
		sleep 0.2
	done
}

# unload NAME: rmmod xen_vsock, retried for 20 s (closed sockets linger
# until the peer acknowledges, or for vsock's close timeout).
unload() {
	i=0
	until rmmod xen_vsock 2>/tmp/rmmod.err; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			res FAIL $1 "rmmod: $(cat /tmp/rmmod.err)"
			return 1
		fi
		sleep 0.2
	done
	res PASS $1 "rmmod after $((i / 5))s"
}

if [ "$xvt_mode" = bench ]; then
	# make bench-xen: A measures against B's servers (vsock, and TCP over
	# netfront on the dom0 bridge: 10.77.0.CID/24), then both stop.
	load || { echo "XVT BENCH-FAIL insmod"; exit 0; }
	mount -t debugfs debugfs /sys/kernel/debug	# xen_vsock/stats
	insmod /lib/modules/xen-netfront.ko || echo "XVT BENCH-FAIL insmod xen-netfront"
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
	ip addr add 10.77.0.$me/24 dev eth0 && ip link set eth0 up ||
		echo "XVT BENCH-FAIL eth0 setup"
	(cd /tmp && xvtest server $port) &
	(cd /tmp && xvtest server $port inet) &
	if [ "$xvt_role" = a ]; then
		i=0
		until ping -c 1 -W 1 10.77.0.$peer >/dev/null 2>&1; do
			i=$((i + 1))
			[ $i -gt 60 ] && { echo "XVT BENCH-FAIL no IPv4 route to 10.77.0.$peer"; break; }
		done
		xvtest bench $peer $port 10.77.0.$peer || echo "XVT BENCH-FAIL xvtest bench"
		xvtest flag $peer $port a
	else
		wait_flag a 600 || echo "XVT BENCH-FAIL A never finished"
	fi
	# For the analysis: TCP's retransmissions, the NIC's drops.
	grep -E '^(Tcp|TcpExt):' /proc/net/snmp /proc/net/netstat | sed 's/^/XVT NETSTAT /'
	sed 's/^/XVT NETSTAT /' /proc/net/dev
	exit 0
fi

if load; then res PASS module-load-$xvt_role "CID $(cat /sys/module/xen_vsock/parameters/ring_pages >/dev/null; echo $me)"
else res FAIL module-load-$xvt_role "insmod failed"; exit 0; fi
(cd /tmp && xvtest server $port) &
srv=$!

if [ "$xvt_role" = b ]; then
	xvtest echo echo-b2a $peer $port 65536
	xvtest send big-b2a $peer $port $big
	xvtest recv big-a2b $peer $port $big
	xvtest parallel parallel-64 $peer $port 64 16384
	xvtest refused refused $peer 5999
	xvtest flag $peer $port b
	if ! wait_flag a 240; then
		res FAIL unload-busy "A never finished its first phase"
		exit 0
	fi
	xvtest hold $peer $port 60 >/tmp/hold.out &
	hold=$!
	i=0
	while ! grep -q holding /tmp/hold.out && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
	if rmmod xen_vsock 2>/tmp/rmmod.err; then
		res FAIL unload-busy "rmmod succeeded with a connection open"
		load
	else
		res PASS unload-busy "$(cat /tmp/rmmod.err)"
	fi
	kill $hold $srv
	wait $hold $srv 2>/dev/null
	if unload unload-reload; then
		load && (cd /tmp && xvtest server $port) &
		sleep 1
		xvtest echo echo-after-reload $peer $port 65536
	fi
	xvtest flag $peer $port r
	# A destroys this domain now (peer-death test); if not, say so.
	sleep 240
	res FAIL peer-death-b "still alive"
else
	xvtest echo echo-a2b $peer $port 65536
	xvtest send half-close-a2b $peer $port 1
	# Socket semantics (while B runs its big transfers to us).
	xvtest nonblock nonblock $peer $port
	xvtest poll poll-epoll $peer $port
	xvtest timeo sockopt-timeo $peer $port
	xvtest peek msg-peek $peer $port
	xvtest backlog backlog $peer $port
	xvtest shutwr shut-wr $peer $port
	xvtest seqpacket seqpacket $peer $port
	# Hostile peer: once B is idle, B's server corrupts B's transmit ring
	# (xen_vsock test_corrupt); we, the victim, must reset only that
	# channel, log one message, and connect again.
	if ! wait_flag b 240; then
		res FAIL hostile-index "B never finished its first phase"
		exit 0
	fi
	for m in 1 2; do
		name=hostile-index; [ $m = 2 ] && name=hostile-length
		n0=$(dmesg | grep -c 'xen_vsock: dom2: protocol violation')
		xvtest hostile $name $peer $port $m
		n1=$(dmesg | grep -c 'xen_vsock: dom2: protocol violation')
		if [ $((n1 - n0)) = 1 ]; then res PASS $name-log "one message"
		else res FAIL $name-log "$((n1 - n0)) protocol-violation messages, expected 1"; fi
	done
	xvtest flag $peer $port a
	if ! wait_flag r 300; then
		res FAIL echo-a2b-after-peer-reload "B never reloaded"
		exit 0
	fi
	xvtest echo echo-a2b-after-peer-reload $peer $port 65536
	xvtest death peer-death $peer $port
	kill $srv
	wait $srv 2>/dev/null
	unload unload-after-peer-death
fi
