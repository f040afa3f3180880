#!/bin/sh
# The transport tests, run in all domUs at once (tests/xen/domu-init).
# xvt-a is CID $xvt_me=3 (domain 1), xvt-b is CID 4 (domain 2), xvt-c (test
# mode only) is CID 5 (domain 3). Each runs an xvtest server on port 5000
# and client tests against the others; "flags" (xvtest flag) order the
# phases: A's hostile-peer tests after B's first phase, then the
# multi-domain phase (A, B and C stream to each other at once, then dom0
# destroys C mid-transfer on A's "XVT DESTROY-PEER 5"), B's module reload
# after that, A's peer-death test (dom0 destroys B on "XVT DESTROY-PEER 4")
# after B's reload.
# Output: "XVT RESULT PASS|FAIL NAME DETAIL" lines.
me=$xvt_me
peer=$xvt_peer
big=${xvt_big_mb:-256}
port=5000
# the multi-domain streams, MiB each: six at once
mmb=$((big / 8))
[ $mmb -lt 4 ] && mmb=4
res() { echo "XVT RESULT $1 $2 $3"; }

# dmesg_count PATTERN
dmesg_count() { dmesg | grep -c "$1"; }

# load [PARAMS...]
load() {
	insmod /lib/modules/vsock.ko 2>/dev/null
	insmod /lib/modules/vmw_vsock_virtio_transport_common.ko 2>/dev/null
	insmod /lib/modules/xen_vsock.ko "$@"
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

if [ "$xvt_mode" = demo ]; then
	# make demo: a service on A (xmig count: a counter in its task name,
	# 4 MiB of memory it checks) migrated to B over xen_vsock, same PID.
	# "XVT DEMO ..." lines are shown by tests/xen/run.sh.
	d() { echo "XVT DEMO $*"; }
	opts=$(echo "${xvt_migopts:-}" | tr ',' ' ')
	mport=6000
	load || { echo "XVT DEMO-FAIL insmod xen_vsock"; exit 0; }
	insmod /lib/modules/ckpt.ko || { echo "XVT DEMO-FAIL insmod ckpt.ko"; exit 0; }
	(cd /tmp && xvtest server $port) &
	if [ "$xvt_role" = b ]; then
		restart --listen vsock:any:$mport --allow $peer --timeout 60 </dev/null >/dev/null 2>/tmp/rx.log &
		i=0
		while ! grep -q "listening on" /tmp/rx.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		d "domU B (CID $me): 'restart --listen vsock:any:$mport --allow $peer' is waiting"
		xvtest flag $peer $port l
		if ! wait_flag m 240; then
			echo "XVT DEMO-FAIL A never migrated: $(tail -n 2 /tmp/rx.log | tr '\n' '|')"
			exit 0
		fi
		cnt=""
		for p in /proc/[0-9]*; do
			case "$(cat $p/comm 2>/dev/null)" in "xc "*) cnt=${p#/proc/} ;; esac
		done
		if [ -z "$cnt" ]; then
			echo "XVT DEMO-FAIL the service is not on B: $(tail -n 2 /tmp/rx.log | tr '\n' '|')"
			exit 0
		fi
		n1=$(cut -d' ' -f2 /proc/$cnt/comm)
		d "domU B: $(grep -o 'restored pid.*' /tmp/rx.log | tail -n 1)"
		d "domU B: the service runs here as PID $cnt, counting on: $n1"
		sleep 2
		n2=$(cut -d' ' -f2 /proc/$cnt/comm)
		d "domU B: 2 s later, PID $cnt counts $n2 (its 4 MiB of memory checked at every tick)"
		if [ "$n2" -gt "$n1" ] 2>/dev/null; then
			echo "XVT DEMO-OK pid $cnt counts on on B"
		else
			echo "XVT DEMO-FAIL PID $cnt does not count on ($n1 then $n2)"
		fi
		kill -9 "$cnt"
		xvtest flag $peer $port d
	else
		echo 5000 >/proc/sys/kernel/ns_last_pid
		xmig count 100 </dev/null >/dev/null 2>&1 &
		cnt=$!
		i=0
		until [ "$(cut -d' ' -f2 /proc/$cnt/comm)" -ge 10 ] 2>/dev/null || [ $i -gt 300 ]; do
			sleep 0.1; i=$((i + 1))
		done
		d "domU A (CID $me): the service, PID $cnt, counts $(cut -d' ' -f2 /proc/$cnt/comm) (its count in its task name, 4 MiB of memory it checks)"
		wait_flag l 180 || { echo "XVT DEMO-FAIL B's receiver never came up"; exit 0; }
		d "domU A: PID $cnt at count $(cut -d' ' -f2 /proc/$cnt/comm): ckpt migrate ${opts:+$opts }$cnt --to vsock:$peer:$mport"
		t0=$(cut -d' ' -f1 /proc/uptime)
		ckpt migrate $opts "$cnt" --to vsock:$peer:$mport >/tmp/mig.out 2>/tmp/mig.err
		st=$?
		t1=$(cut -d' ' -f1 /proc/uptime)
		if [ $st = 0 ]; then
			d "domU A: $(cat /tmp/mig.out)"
			set -- $(tr ' ' '\n' </tmp/mig.out | sed -n 's/^\(bytes\|downtime_ms\|total_ms\)=//p')
			d "domU A: $1 bytes over xen_vsock; frozen for $2 ms; $3 ms in all ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s with the tool's start)"
			[ -e /proc/$cnt ] && d "domU A: PID $cnt is still here?!" || d "domU A: PID $cnt is gone from A"
		else
			echo "XVT DEMO-FAIL ckpt migrate exited $st: $(cat /tmp/mig.err | tr '\n' '|')"
		fi
		xvtest flag $peer $port m
		wait_flag d 120
	fi
	exit 0
fi

if [ "$xvt_mode" = bench ]; then
	# make bench-xen: A measures against B's servers (vsock, and TCP over
	# netfront on the dom0 bridge: 10.77.0.CID/24), then both stop.
	# shellcheck disable=SC2046
	load $(echo "${xvt_modparams:-}" | tr ',' ' ') || { echo "XVT BENCH-FAIL insmod"; exit 0; }
	# The data path parameters as loaded: the vsock column's (xvtest
	# set_lazy_local turns them off for vsock-off and back to these).
	XVT_ON=$(cd /sys/module/xen_vsock/parameters && for p in lazy_credit tx_batch tx_direct rx_direct rx_defer; do printf '%s=%s ' $p "$(cat $p)"; done)
	export XVT_ON
	echo "XVT BENCH-PARAMS ring_pages:$(cat /sys/module/xen_vsock/parameters/ring_pages) sock_buf_kb:$(cat /sys/module/xen_vsock/parameters/sock_buf_kb) $XVT_ON"
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
		xvtest bench $peer $port 10.77.0.$peer "${xvt_rounds:-3}" || echo "XVT BENCH-FAIL xvtest bench"
		xvtest flag $peer $port a
	else
		wait_flag a 600 || echo "XVT BENCH-FAIL A never finished"
	fi
	# For the analysis: TCP's retransmissions, the NIC's drops.
	grep -E '^(Tcp|TcpExt):' /proc/net/snmp /proc/net/netstat | sed 's/^/XVT NETSTAT /'
	sed 's/^/XVT NETSTAT /' /proc/net/dev
	exit 0
fi

# B and C send lazy CREDIT_UPDATEs (lazy_credit=1, the default; A eager,
# lazy_credit=0: both kinds meet in the tests). C's heartbeat is 30 s: its
# channels are not polled, so a lost wakeup of C's sender waiting for credit
# from B shows as a write blocked for seconds (multi-c2b, lazy-credit-c2b,
# credit-rearm-c2b).
hb=
[ "$xvt_role" = a ] && hb=lazy_credit=0
[ "$xvt_role" = c ] && hb="heartbeat_ms=30000 sock_buf_kb=2048"
if load $hb; then res PASS module-load-$xvt_role "CID $(cat /sys/module/xen_vsock/parameters/ring_pages >/dev/null; echo $me)"
else res FAIL module-load-$xvt_role "insmod failed"; exit 0; fi
# B's server maps A's ring through gntdev for hostile-gntdev
[ "$xvt_role" = b ] && { insmod /lib/modules/xen-gntdev.ko || echo "XVT xen-gntdev: insmod failed"; }
(cd /tmp && xvtest server $port) &
srv=$!
# xen_vsock's counters, for the analysis of a slow or failed run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
stats() { echo "XVT STATS $1 $(tr '\n' ' ' </sys/kernel/debug/xen_vsock/stats)"; }
statv() { sed -n "s/^$1 //p" /sys/kernel/debug/xen_vsock/stats; }
# grows NAME COUNTER WHAT NOPATH CMD...: run CMD, an xvtest client test;
# NAME passes if it passed and xen_vsock's COUNTER grew meanwhile (WHAT
# names the count), else fails with CMD's detail or NOPATH (the path
# under test was not taken).
grows() {
	g_name=$1 g_stat=$2 g_what=$3 g_nopath=$4
	shift 4
	g0=$(statv "$g_stat")
	"$@" >/tmp/grows.out
	g1=$(statv "$g_stat")
	g_detail=$(sed -n 's/^XVT RESULT [A-Z]* [^ ]* //p' /tmp/grows.out)
	if ! grep -q 'RESULT PASS' /tmp/grows.out; then
		res FAIL "$g_name" "$g_detail"
	elif [ $((g1 - g0)) -lt 1 ]; then
		res FAIL "$g_name" "$g_nopath ($g_detail)"
	else
		res PASS "$g_name" "$g_detail; $((g1 - g0)) $g_what"
	fi
}

# Domain C (CID 5): checks that the CIDs are domain ID + 2 as seen from
# both ends, then, when A says so (flag g), streams to A and B while A and
# B stream to it and to each other (checksums); then streams to B alone
# (lazy-credit-c2b); then it keeps streams to A and B open until dom0
# destroys it (A's multi-death-a2c).
if [ "$xvt_role" = c ]; then
	xvtest cid cid-c2a 3 $port $me
	# Any domain may delete another's knock directory (writable by all,
	# so that peers can knock): C deletes B's before its first connection
	# to B. B must take C's publication for it as the knock (and so must
	# every later first contact with B: A's after B's module reload).
	if xvtest unknock 2 >/tmp/unknock.out 2>&1; then
		res PASS knock-dir-deleted "$(cat /tmp/unknock.out)"
	else
		res FAIL knock-dir-deleted "$(cat /tmp/unknock.out)"
	fi
	xvtest cid cid-c2b 4 $port $me
	xvtest bufsize sock-buf-c 4 $port 2048
	if ! wait_flag g 400; then
		res FAIL multi-c2b "A never started the multi-domain phase"
		exit 0
	fi
	# A flooded us with requests while it did not read our answers
	# (flood-a2c): past rx_replies queued, we dropped the others.
	pz=$(statv replies_dropped)
	if [ -n "$pz" ] && [ "$pz" -gt 0 ]; then
		res PASS flood-bounded-c "$pz answers to A dropped, $(cat /sys/module/xen_vsock/parameters/rx_replies) queued at most"
	else
		res FAIL flood-bounded-c "replies_dropped is '$pz': C queued every answer to a peer that took none"
	fi
	xvtest send multi-c2b 4 $port $mmb 15 &
	p1=$!
	xvtest recv multi-b2c 4 $port $mmb &
	p2=$!
	xvtest send multi-c2a 3 $port $mmb &
	p3=$!
	xvtest parallel multi-par-c2b 4 $port 16 16384 &
	p4=$!
	wait $p1 $p2 $p3 $p4
	# Lazy credit alone: C streams to B with nothing else flowing to C. B
	# sends its CREDIT_UPDATEs without events; C must run out of credit
	# (credit_wait), read them itself, and never block long (C's heartbeat
	# is 30 s).
	wait_flag d 300		# A's streams to us are done
	cw0=$(sed -n 's/^credit_wait //p' /sys/kernel/debug/xen_vsock/stats)
	xvtest send lazy-credit-c2b-stream 4 $port 8 10 >/tmp/lazy.out
	cw1=$(sed -n 's/^credit_wait //p' /sys/kernel/debug/xen_vsock/stats)
	ck=$(sed -n 's/^credit_kick //p' /sys/kernel/debug/xen_vsock/stats)
	if ! grep -q 'RESULT PASS' /tmp/lazy.out; then
		res FAIL lazy-credit-c2b "$(sed 's/.*lazy-credit-c2b-stream //' /tmp/lazy.out)"
	elif [ -z "$cw0" ] || [ -z "$cw1" ] || [ "$cw1" -le "$cw0" ]; then
		res FAIL lazy-credit-c2b "the sender never ran out of credit (credit_wait $cw0 -> $cw1): nothing tested"
	else
		res PASS lazy-credit-c2b "$(sed 's/.*lazy-credit-c2b-stream //' /tmp/lazy.out); out of credit $((cw1 - cw0)) times (credit_kick $ck in all)"
	fi
	# Two sockets out of credit at once on one channel (credit_wait is per
	# channel): 256 KiB writes, 4 and 12 MiB, so the second goes on alone.
	# B clears credit_wait with the event for the first one's update; C
	# must set it again for the other (else its write waits for C's
	# heartbeat, 30 s).
	XVT_WSIZE=262144 xvtest send credit-rearm-c2b-1 4 $port 4 10 >/tmp/cr1.out &
	q1=$!
	XVT_WSIZE=262144 xvtest send credit-rearm-c2b-2 4 $port 12 10 >/tmp/cr2.out
	wait $q1
	if grep -q 'RESULT PASS' /tmp/cr1.out && grep -q 'RESULT PASS' /tmp/cr2.out; then
		res PASS credit-rearm-c2b "$(sed 's/.*RESULT PASS credit-rearm-c2b-. //' /tmp/cr1.out | tr '\n' ' ')and $(sed 's/.*RESULT PASS credit-rearm-c2b-. //' /tmp/cr2.out)"
	else
		res FAIL credit-rearm-c2b "$(grep -h RESULT /tmp/cr1.out /tmp/cr2.out | tr '\n' ' ')"
	fi
	# Sender batching: 1 MiB writes (16 records each). The bytes arrive
	# intact; most records went out with their event left to the end of
	# their batch (tx_deferred over half the records), and C sent fewer
	# events than records. (A batch also ends when the sender runs out of
	# credit, B's 1 MiB buffer, which B returns 64 KiB at a time.)
	s0=$(cat /sys/kernel/debug/xen_vsock/stats)
	XVT_WSIZE=1048576 xvtest send tx-batch-c2b-stream 4 $port 8 10 >/tmp/batch.out
	s1=$(cat /sys/kernel/debug/xen_vsock/stats)
	dst() { echo $(($(echo "$s1" | sed -n "s/^$1 //p") - $(echo "$s0" | sed -n "s/^$1 //p"))); }
	dp=$(dst tx_pkts) dn=$(dst notify) dd=$(dst tx_deferred)
	if ! grep -q 'RESULT PASS' /tmp/batch.out; then
		res FAIL tx-batch-c2b "$(sed 's/.*tx-batch-c2b-stream //' /tmp/batch.out)"
	elif [ $((dd * 2)) -le "$dp" ] || [ "$dn" -ge "$dp" ]; then
		res FAIL tx-batch-c2b "not batched: $dp records, $dn events, $dd deferred"
	else
		res PASS tx-batch-c2b "$(sed 's/.*tx-batch-c2b-stream //' /tmp/batch.out); $dp records, $dn events, $dd deferred"
	fi
	# cut short by the destroy: their results (if any) are not ours
	xvtest death cut-c2a 3 $port /tmp/cut-a >/dev/null 2>&1 &
	xvtest death cut-c2b 4 $port /tmp/cut-b >/dev/null 2>&1 &
	xvtest flag 3 $port h
	sleep 300
	res FAIL multi-death-a2c "C still alive 300 s after its streams"
	exit 0
fi

# Migration (ckpt.ko, ckpt migrate, restart --listen) from A to B over
# xen_vsock, before the transport tests: A runs xmig (a counter in its task
# name, 4 MiB of checked memory) with a PID past B's (ns_last_pid), notes
# the count, and migrates it to B, then a "hold" process carrying that
# count and the PID.  B checks the same PID arrived and counts on from
# where it was, memory intact.
mport=6000
if ! insmod /lib/modules/ckpt.ko 2>/tmp/ckpt-insmod.err; then
	res FAIL ckpt-load-$xvt_role "$(cat /tmp/ckpt-insmod.err)"
elif [ "$xvt_role" = b ]; then
	res PASS ckpt-load-b ""
	restart --listen vsock:any:$mport --timeout 60 </dev/null >/dev/null 2>/tmp/rx.log &
	rx=$!
	i=0
	while ! grep -q "listening on" /tmp/rx.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	xvtest flag $peer $port l
	if ! wait_flag m 240; then
		res FAIL migrate-arrived "A never said it migrated: $(tail -n 3 /tmp/rx.log | tr '\n' '|')"
	else
		hold="" cnt=""
		for d in /proc/[0-9]*; do
			case "$(cat $d/comm 2>/dev/null)" in
			"xh "*) hold=${d#/proc/} ;;
			"xc "*) cnt=${d#/proc/} ;;
			esac
		done
		set -- $(cat /proc/$hold/comm 2>/dev/null)
		n0=$2 apid=$3
		n1=$(cut -d' ' -f2 /proc/$cnt/comm 2>/dev/null)
		sleep 2
		c2=$(cat /proc/$cnt/comm 2>/dev/null)
		n2=${c2#xc }
		if [ -z "$hold" ] || [ -z "$cnt" ]; then
			res FAIL migrate-arrived "processes not here (hold '$hold', counter '$cnt'): $(tail -n 3 /tmp/rx.log | tr '\n' '|')"
		elif [ "$cnt" != "$apid" ]; then
			res FAIL migrate-arrived "the counter has PID $cnt here, $apid on A"
		elif ! [ "$n0" -ge 10 ] 2>/dev/null || [ "$n1" -lt "$n0" ] || [ "$n1" -gt $((n0 + 150)) ]; then
			res FAIL migrate-arrived "count $n1 on arrival, $n0 on A just before: not where it was"
		elif [ "$n2" = "$n1" ] || ! [ "$n2" -gt "$n1" ] 2>/dev/null; then
			res FAIL migrate-arrived "does not count on (or memory bad): '$c2' after '$n1'"
		else
			res PASS migrate-arrived "pid $cnt, count $n0 on A, $n1 on arrival, $n2 2 s later, memory checked"
		fi
		kill -9 $hold $cnt 2>/dev/null
	fi
	kill $rx
	wait $rx 2>/dev/null
elif [ "$xvt_role" = a ]; then
	res PASS ckpt-load-a ""
	echo 5000 >/proc/sys/kernel/ns_last_pid
	xmig count 100 </dev/null >/dev/null 2>&1 &
	cnt=$!
	i=0
	while [ $i -lt 300 ]; do
		n0=$(cut -d' ' -f2 /proc/$cnt/comm)
		case "$n0" in ''|*[!0-9]*) ;; *) [ "$n0" -ge 10 ] && break ;; esac
		sleep 0.1; i=$((i + 1))
	done
	# wait for B's listener; a failed connection changes nothing anyway
	wait_flag l 180
	# the note first (the counter runs on here meanwhile), then the counter
	n0=$(cut -d' ' -f2 /proc/$cnt/comm)
	xmig hold "$n0 $cnt" </dev/null >/dev/null 2>&1 &
	hold=$!
	sleep 0.2
	ckpt migrate $hold --to vsock:$peer:$mport >/tmp/mig2.out 2>/tmp/mig2.err ||
		res FAIL migrate-a2b-note "$(cat /tmp/mig2.err)"
	i=0
	while :; do
		ckpt migrate $cnt --to vsock:$peer:$mport >/tmp/mig.out 2>/tmp/mig.err
		st=$?
		grep -q "cannot connect" /tmp/mig.err && [ $i -lt 5 ] || break
		sleep 1; i=$((i + 1))
	done
	if [ $st = 0 ] && grep -q "new_pid=$cnt " /tmp/mig.out && [ ! -e /proc/$cnt/comm ] ; then
		res PASS migrate-a2b "$(cat /tmp/mig.out)"
	else
		res FAIL migrate-a2b "exit $st: $(cat /tmp/mig.err /tmp/mig.out | tr '\n' '|')"
	fi
	# Nothing lost across domains: PID 5001 is now taken on B; a new
	# process with that PID here is refused there (EEXIST) and runs on.
	echo 5000 >/proc/sys/kernel/ns_last_pid
	xmig count 100 </dev/null >/dev/null 2>&1 &
	dup=$!
	# counting (its comm is "xc N") before the attempt, even on a slow host
	i=0
	until [ "$(cut -d' ' -f2 /proc/$dup/comm)" -ge 1 ] 2>/dev/null || [ $i -gt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	ckpt migrate $dup --to vsock:$peer:$mport >/tmp/mig3.out 2>/tmp/mig3.err
	st=$?
	c1=$(cat /proc/$dup/comm 2>/dev/null)
	sleep 1
	c2=$(cat /proc/$dup/comm 2>/dev/null)
	if [ "$dup" != "$cnt" ]; then
		res FAIL migrate-refused-resumes "got PID $dup, not $cnt again"
	elif [ $st = 4 ] && grep -q "(EEXIST)" /tmp/mig3.err && grep -q "$dup resumed" /tmp/mig3.err &&
		[ "${c2#xc }" -gt "${c1#xc }" ] 2>/dev/null; then
		res PASS migrate-refused-resumes "exit 4, EEXIST from B; '$c1' then '$c2' here"
	else
		res FAIL migrate-refused-resumes "exit $st, '$c1' then '$c2': $(cat /tmp/mig3.err | tr '\n' '|')"
	fi
	kill -9 $dup 2>/dev/null
	xvtest flag $peer $port m
fi

# Reserved PID ranges across two live nodes: A owns [8000,8100), B
# [9000,9100) (ckpt.ko's pid_range parameter). A counter born on A
# migrates to B and its PID is tombstoned on A; 250 forks on A (two and a
# half turns of its range) never take it; B sends it home, and A's
# restart claims the tombstone: the same PID again, counting on, its
# memory checked at every tick.
pr_load() {
	rmmod ckpt 2>/tmp/pr.err && insmod /lib/modules/ckpt.ko pid_range=$1 2>>/tmp/pr.err
}
# pr_counting PID: "xc N" with N growing over a second, else empty
pr_counting() {
	_c1=$(cut -d' ' -f2 /proc/$1/comm 2>/dev/null)
	sleep 1
	_c2=$(cut -d' ' -f2 /proc/$1/comm 2>/dev/null)
	[ "$_c2" -gt "$_c1" ] 2>/dev/null && echo "$_c2"
}
if [ "$xvt_role" = b ] && pr_load 9000-9100; then
	res PASS pidrange-load-b "[9000,9100)"
	restart --listen vsock:any:6001 --timeout 60 </dev/null >/dev/null 2>/tmp/rx2.log &
	rx=$!
	i=0
	while ! grep -q "listening on" /tmp/rx2.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	xvtest flag $peer $port P
	if ! wait_flag E 240; then
		res FAIL pid-arrive "A never said it emigrated: $(tail -n 3 /tmp/rx2.log | tr '\n' '|')"
	else
		p=""
		for d in /proc/[0-9]*; do
			case "$(cat $d/comm 2>/dev/null)" in "xc "*) p=${d#/proc/} ;; esac
		done
		n=$(pr_counting "$p")
		if [ -z "$n" ] || [ "$p" -lt 8000 ] || [ "$p" -ge 8100 ]; then
			res FAIL pid-arrive "no counter from A's range counting here ('$p': $(cat /proc/$p/comm 2>/dev/null))"
		else
			res PASS pid-arrive "pid $p (A's range) counting on here: $n"
			ckpt migrate "$p" --to vsock:$peer:6002 >/tmp/mig4.out 2>/tmp/mig4.err ||
				res FAIL pid-sent-home "$(cat /tmp/mig4.err | tr '\n' '|')"
			grep -q "new_pid=$p " /tmp/mig4.out &&
				res PASS pid-sent-home "$(cat /tmp/mig4.out | tr '\n' ' ')"
		fi
	fi
	xvtest flag $peer $port H
	kill $rx
	wait $rx 2>/dev/null
elif [ "$xvt_role" = b ]; then
	res FAIL pidrange-load-b "$(cat /tmp/pr.err)"
	xvtest flag $peer $port H
elif [ "$xvt_role" = a ] && pr_load 8000-8100; then
	res PASS pidrange-load-a "[8000,8100)"
	xmig count 100 </dev/null >/dev/null 2>&1 &
	cnt=$!
	wait_flag P 240
	if [ "$cnt" -lt 8000 ] || [ "$cnt" -ge 8100 ] || [ -z "$(pr_counting $cnt)" ]; then
		res FAIL pid-emigrate "the counter got PID $cnt, outside [8000,8100), or does not count"
	elif ! ckpt migrate $cnt --to vsock:$peer:6001 >/tmp/mig5.out 2>/tmp/mig5.err; then
		res FAIL pid-emigrate "$(cat /tmp/mig5.err | tr '\n' '|')"
	elif ! grep -q "^tombstoned pid=$cnt\$" /tmp/mig5.out; then
		res FAIL pid-emigrate "no tombstone: $(cat /tmp/mig5.out | tr '\n' '|')"
	else
		wait $cnt 2>/dev/null	# reap the original: its tombstone takes the PID
		res PASS pid-emigrate "$(cat /tmp/mig5.out | tr '\n' ' ')"
		if xmig forks 8000 8100 250 $cnt >/tmp/forks.out 2>&1; then
			res PASS pid-tombstone-holds "$(cat /tmp/forks.out), never $cnt"
		else
			res FAIL pid-tombstone-holds "$(cat /tmp/forks.out)"
		fi
	fi
	restart --listen vsock:any:6002 --timeout 60 </dev/null >/dev/null 2>/tmp/rx3.log &
	rx=$!
	i=0
	while ! grep -q "listening on" /tmp/rx3.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	xvtest flag $peer $port E
	if ! wait_flag H 240; then
		res FAIL pid-home "B never sent it back"
	elif n=$(pr_counting $cnt) && [ -n "$n" ] && [ "$(cut -d' ' -f1 /proc/$cnt/comm)" = xc ]; then
		res PASS pid-home "pid $cnt back home, counting on: $n"
	else
		res FAIL pid-home "pid $cnt: '$(cat /proc/$cnt/comm 2>/dev/null)': $(tail -n 3 /tmp/rx3.log | tr '\n' '|')"
	fi
	kill -9 $cnt 2>/dev/null
	kill $rx
	wait $rx 2>/dev/null
elif [ "$xvt_role" = a ]; then
	res FAIL pidrange-load-a "$(cat /tmp/pr.err)"
	xvtest flag $peer $port E
fi
# the transport tests' threads need more than a 100-PID range
rmmod ckpt 2>/dev/null && insmod /lib/modules/ckpt.ko

if [ "$xvt_role" = b ]; then
	# B sends CREDIT_UPDATEs lazily; A's echo server sleeps in read() for
	# each next piece (data_wait), so B's update after reading the echo
	# wakes A at once.
	grows echo-b2a credit_wake "CREDIT_UPDATEs sent with an event for a waiting reader" \
		"A's reader slept for every piece, but no CREDIT_UPDATE went with an event for it" \
		xvtest echo echo-b2a $peer $port 65536
	xvtest send big-b2a $peer $port $big
	xvtest recv big-a2b $peer $port $big
	stats after-big
	xvtest parallel parallel-64 $peer $port 64 16384
	xvtest refused refused $peer 5999
	xvtest flag $peer $port b
	# Multi-domain phase: a stream to C (CID 5) open when dom0 destroys C
	# must be reset; our channel to A (domain 1) must stay up.
	if wait_flag c 400; then
		n1=$(dmesg_count 'xen_vsock: dom1: channel down')
		n3=$(dmesg_count 'xen_vsock: dom3: channel down')
		xvtest death multi-death-b2c 5 $port /tmp/cut-on &
		cw=$!
		i=0
		while [ ! -e /tmp/cut-on ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
		xvtest flag $peer $port s
		wait $cw
		m1=$(dmesg_count 'xen_vsock: dom1: channel down')
		m3=$(dmesg_count 'xen_vsock: dom3: channel down')
		if [ $m3 -gt $n3 ] && [ $m1 = $n1 ]; then
			res PASS multi-isolated-b "channel to C (dom3) closed, to A (dom1) untouched"
		else
			res FAIL multi-isolated-b "channel-down messages: dom3 $n3 -> $m3, dom1 $n1 -> $m1"
		fi
	else
		res FAIL multi-death-b2c "A never started the multi-domain phase"
	fi
	if ! wait_flag a 300; then
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
	# One copy on the sender (tx_direct): a stream's records go from the
	# writer's buffer straight into the ring, with page faults disabled.
	# From a buffer none of whose pages is mapped yet (XVT_FRESH), every
	# 64 KiB write's copy must fault, fault the pages in with no lock
	# held, and write the record again; the bytes must arrive intact.
	# (A write finding the ring full, or records queued, takes the skb
	# path: B streams at us meanwhile, so not all 64 need come this way.)
	grows tx-direct-fault tx_direct_fault "records retried after a fault" \
		"64 writes from unmapped pages, none retried after a fault: the path was not taken" \
		env XVT_FRESH=1 xvtest send tx-direct-fault-stream $peer $port 4
	# One copy in the receiver (rx_direct): a stream's records of 1 KiB
	# or more stay in the receive ring until their reader copies them
	# out, with page faults disabled. Read in 1000-byte pieces (a record
	# in many reads); then with a MSG_PEEK before each read (a peek
	# first copies the loans out of the ring: "settled"); then into
	# pages not mapped yet (every copy faults, is faulted in with no
	# lock held and retried); then one connection left unread must not
	# stall another (its loans are settled once the ring is full and no
	# reader reads). All checked byte for byte, while B streams to us.
	grows rx-direct-lent rx_lent "records lent" \
		"4 MiB received, but no record was lent: the path was not taken" \
		env XVT_RSIZE=1000 xvtest recv rx-direct-pieces $peer $port 4
	grows rx-direct-peek rx_settled "loans settled" \
		"2 MiB peeked and read, but no loan was settled for MSG_PEEK" \
		env XVT_RSIZE=3000 XVT_PEEK=1 xvtest recv rx-direct-peek-stream $peer $port 2
	grows rx-direct-fault rx_lent_fault "copies retried after a fault" \
		"64 reads into unmapped pages, none retried after a fault: the path was not taken" \
		env XVT_FRESH=1 xvtest recv rx-direct-fault-stream $peer $port 4
	grows rx-idle-reader rx_settled "loans settled" \
		"no loan of the idle connection was settled: how did the other go on?" \
		xvtest idle rx-idle-stream $peer $port
	# Fewer events (rx_defer): while 4 or more records are lent to a
	# reader that reads, a receive run asks B for no event; the reader
	# queues the work when it gets below that (a 16 MiB stream), or a
	# tick later the work runs anyway, so another connection is not held
	# up by a slow reader (echoes on Y while X is read 64 KiB per 300 ms).
	grows rx-defer-kick rx_kicks "receive runs queued by a reader" \
		"16 MiB received, but no reader queued the work: the path was not taken" \
		xvtest recv rx-defer-stream $peer $port 16
	grows rx-defer-slow-reader rx_defer_ticks "receive runs queued a tick after asking for no event" \
		"no receive run was queued by the tick: the slow reader's records came with events" \
		xvtest slowread rx-defer-slow-stream $peer $port
	# Socket semantics (while B runs its big transfers to us).
	xvtest nonblock nonblock $peer $port
	xvtest poll poll-epoll $peer $port
	xvtest timeo sockopt-timeo $peer $port
	xvtest peek msg-peek $peer $port
	xvtest backlog backlog $peer $port
	xvtest shutwr shut-wr $peer $port
	xvtest shutrd shut-rd $peer $port
	xvtest seqpacket seqpacket $peer $port
	xvtest ping ping-debugfs $peer $port
	stats after-semantics
	# Hostile peer: once B is idle, B's server corrupts B's transmit ring
	# (xen_vsock test_corrupt), then, as any root of B could without a
	# module, maps our transmit ring through /dev/xen/gntdev and writes a
	# bogus consumer index; we, the victim, must reset only that channel,
	# log one message, and connect again.
	if ! wait_flag b 240; then
		res FAIL hostile-index "B never finished its first phase"
		exit 0
	fi
	h0=$(statv ring_pages_held)
	for m in 1 2 3; do
		name=hostile-index; [ $m = 2 ] && name=hostile-length
		[ $m = 3 ] && name=hostile-gntdev
		n0=$(dmesg | grep -c 'xen_vsock: dom2: protocol violation')
		xvtest hostile $name $peer $port $m
		n1=$(dmesg | grep -c 'xen_vsock: dom2: protocol violation')
		if [ $((n1 - n0)) = 1 ]; then res PASS $name-log "one message"
		else res FAIL $name-log "$((n1 - n0)) protocol-violation messages, expected 1"; fi
	done
	# B's root still mapped a page of our ring (gntdev, 2 s) when we
	# closed the channel (hostile-gntdev): that page was kept aside, its
	# grant not ended; no new ring goes to B until B lets go; once it
	# has, the next heartbeat frees the page and a new channel works.
	h1=$(statv ring_pages_held)
	if [ $((h1 - h0)) -ge 1 ]; then
		res PASS ring-held "$((h1 - h0)) pages of our ring still mapped by B at the close, kept"
	else
		res FAIL ring-held "ring_pages_held went from $h0 to $h1: no page kept aside though B mapped one"
	fi
	i=0
	while [ "$(statv ring_pages_held_now)" != 0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	hn=$(statv ring_pages_held_now)
	if [ "$hn" = 0 ]; then res PASS ring-released "every held page freed once B let go"
	else res FAIL ring-released "$hn pages still held 10 s after B let go"; fi
	xvtest echo echo-after-held $peer $port 4096
	# Forged knocks: any domain may write our knock directory. 64 knocks
	# naming domains that published nothing for us make no peer (they
	# would each hold one of max_peers for rendezvous_ms).
	k0=$(statv knocks_ignored)
	pn0=$(statv peers_now)
	xvtest knock $((me - 2)) 100 64 >/tmp/knock.out
	# a peer made for one would live rendezvous_ms (5 s): look before
	sleep 1
	pn1=$(statv peers_now)
	i=0
	while [ $(($(statv knocks_ignored) - k0)) -lt 64 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	k1=$(statv knocks_ignored)
	[ "$(statv peers_now)" -gt "$pn1" ] && pn1=$(statv peers_now)
	if ! grep -q '64 of 64 written' /tmp/knock.out; then
		res FAIL knock-forged "could not write the knocks: $(cat /tmp/knock.out)"
	elif [ $((k1 - k0)) -ge 64 ] && [ "$pn1" -le "$pn0" ]; then
		res PASS knock-forged "64 forged knocks ignored, $pn1 peers"
	else
		res FAIL knock-forged "$((k1 - k0)) of 64 forged knocks ignored; peers $pn0 -> $pn1"
	fi
	# A peer that stops reading while our sockets have credit: B stops
	# reading our ring for 8 s with 12 connections open (1 MiB credit
	# each). Past the ring and txq_kb queued for B, writers must wait
	# (txq_full), not have us queue all of it; a blocking writer is woken
	# once B reads again; then the channel still echoes.
	grows txq-bound txq_full "waits at txq_kb" "no sender waited at txq_kb" \
		xvtest txqbound txq-bound $peer $port
	xvtest echo echo-after-txq $peer $port 4096
	# Several domains at once: A, B and C (CID 5) stream to each other
	# concurrently, checksummed (C's side starts on flag g).
	xvtest cid cid-a2c 5 $port $me
	# A peer that writes and never reads: we stop reading C's ring
	# (test_mute) and send it 32000 connection requests to a closed
	# port. C answers each with a RST: its ring to us fills (1 MiB,
	# 21845 of them), then past rx_replies queued answers it must drop
	# the others (C checks on flag g: flood-bounded-c) rather than queue
	# them without end. Then we read again and the channel works.
	echo 4 >/sys/module/xen_vsock/parameters/test_mute
	xvtest flood flood-a2c 5 9999 32000
	sleep 3
	echo 0 >/sys/module/xen_vsock/parameters/test_mute
	sleep 2
	xvtest echo flood-recovers-a2c 5 $port 65536
	# Impersonation: B sends us a RST forged as from C (CID 5) for our
	# connection to C; we must drop it (rx_forged) and keep the connection.
	xvtest forge hostile-forged $peer $port 5
	xvtest flag 5 $port g
	xvtest send multi-a2b $peer $port $mmb &
	p1=$!
	xvtest recv multi-b2a $peer $port $mmb &
	p2=$!
	xvtest send multi-a2c 5 $port $mmb &
	p3=$!
	wait $p1 $p2 $p3
	xvtest flag 5 $port d
	# C destroyed mid-transfer: our stream to C and B's are reset, our
	# stream to B goes on to the end, checksum intact, and only the channel
	# to C (dom3) goes down.
	if wait_flag h 300; then
		n2=$(dmesg_count 'xen_vsock: dom2: channel down')
		n3=$(dmesg_count 'xen_vsock: dom3: channel down')
		xvtest flag $peer $port c
		wait_flag s 120 || res FAIL multi-death-b2c "B's stream to C did not start"
		xvtest survive multi-survives $peer $port /tmp/surv-on /tmp/c-dead 8 &
		sv=$!
		i=0
		while [ ! -e /tmp/surv-on ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
		xvtest death multi-death-a2c 5 $port
		touch /tmp/c-dead
		wait $sv
		m2=$(dmesg_count 'xen_vsock: dom2: channel down')
		m3=$(dmesg_count 'xen_vsock: dom3: channel down')
		if [ $m3 -gt $n3 ] && [ $m2 = $n2 ]; then
			res PASS multi-isolated-a "channel to C (dom3) closed, to B (dom2) untouched"
		else
			res FAIL multi-isolated-a "channel-down messages: dom3 $n3 -> $m3, dom2 $n2 -> $m2"
		fi
	else
		res FAIL multi-death-a2c "C never finished its streams"
		xvtest flag $peer $port c
	fi
	xvtest flag $peer $port a
	if ! wait_flag r 300; then
		res FAIL echo-a2b-after-peer-reload "B never reloaded"
		exit 0
	fi
	xvtest echo echo-a2b-after-peer-reload $peer $port 65536
	# B dies with a stream from us open and a connect of ours pending:
	# synsent has dom0 pause B, connects (B never answers), then has dom0
	# destroy B; the stream and the connect must both be reset.
	# And with 512 KiB from B lent to a reader of ours that never reads
	# it (rx_direct): the teardown settles it out of B's ring before
	# unmapping it, the socket is reset, and the module unloads after.
	grows peer-death-unread rx_settled "loans settled" \
		"B died with records of ours lent in its ring, and none was settled" \
		xvtest unread peer-death-unread-conn $peer $port &
	du=$!
	sleep 2
	xvtest death peer-death $peer $port /tmp/flag-dying &
	dp=$!
	wait_flag dying 60
	xvtest synsent peer-death-connecting $peer $port
	wait $dp $du
	kill $srv
	wait $srv 2>/dev/null
	unload unload-after-peer-death
fi
