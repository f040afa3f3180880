# make bench-xen: the tables of tests/xen/run.sh from xvtest bench's rows
# "SIZE ROUND KIND MIBS RTT_US TCP_TIMEOUTS A_CPU B_CPU" (KIND vsock, tcp or
# vsock-off; A_CPU, B_CPU: busy ms per MiB in the writer's and reader's
# domains during the throughput run, -1 unknown;
# several rounds per size, in rotating order; KIND local is the same
# program over a UNIX socket pair in A; at size 1 also KIND evtchn, the
# event round trip, round trip only; at 65536 KIND copy, one pwrite() copy
# of the bytes in A, throughput only). Prints the medians with the
# ratios vsock/TCP, the spread of each column over the rounds (max/min), the
# ratios per round at the two sizes of the aims, vsock against vsock-off,
# and the verdict on each aim: MET or MISSED, or NOT JUDGEABLE when TCP's
# own figures are not consistent (TCP is the yardstick: if it collapsed or
# hit retransmission timeouts in this run, a ratio against it means nothing),
# or a figure is 0 (the guest's clock stood still under the host's load).
# -v maxspread (default 2): largest max/min over the rounds for a judgeable
# TCP figure.
function ratio(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "n/a" }
function median(s, k, n, i, j, t, v) {
	n = split(s, v, " ")
	for (i = 2; i <= n; i++)	# insertion sort, n is small
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	if (n == 0) return 0
	return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function spread(s, n, i, v, lo, hi) {
	n = split(s, v, " ")
	if (n == 0) return 0
	lo = hi = v[1] + 0
	for (i = 2; i <= n; i++) {
		if (v[i] + 0 < lo) lo = v[i] + 0
		if (v[i] + 0 > hi) hi = v[i] + 0
	}
	return (lo > 0) ? hi / lo : 999
}
function fsp(x) { return (x >= 999) ? "inf" : sprintf("%.2f", x) }
function add(arr, key, val) { arr[key] = (key in arr) ? arr[key] " " val : val }
# The medians of vsock against KIND (column names NAME_MiB/s, NAME_rtt_us)
function against(kind, name, i, sz, ot, orr) {
	printf "%8s %12s %12s %12s %12s %7s %7s\n", "size", "vsock_MiB/s", name "_MiB/s",
		"vsock_rtt_us", name "_rtt_us", "tput_x", "rtt_x"
	for (i = 1; i <= nsz; i++) {
		sz = order[i]
		ot = median(T[sz, kind]); orr = median(R[sz, kind])
		printf "%8s %12.4g %12.4g %12.0f %12.0f %7s %7s\n", sz, vt[sz], ot,
			vr[sz], orr, ratio(vt[sz], ot), ratio(vr[sz], orr)
	}
}
BEGIN { if (maxspread == "") maxspread = 2 }
NF >= 6 {
	sz = $1; k = sz SUBSEP $3
	if (!(sz in seen)) { seen[sz] = 1; order[++nsz] = sz }
	if ($2 > rounds) rounds = $2
	add(T, k, $4); add(R, k, $5)
	tr[sz, $3, $2] = $4; rr[sz, $3, $2] = $5
	if ($3 == "tcp" && $6 > 0) to[sz] += $6
	if ($4 <= 0) zt[sz, $3]++	# a guest clock that stood still
	if ($5 <= 0) zr[sz, $3]++
	if ($3 == "tcp") havetcp = 1
	if (NF >= 8 && $7 >= 0) { add(CA, k, $7); hcpu = 1 }
	if (NF >= 8 && $8 >= 0) add(CB, k, $8)
}
# Median busy CPU ms per MiB of ARR at SZ, KIND; "-" if none
function cpu(arr, sz, kind) {
	return ((sz, kind) in arr) ? sprintf("%.1f", median(arr[sz, kind])) : "-"
}
END {
	printf "Medians over %d rounds:\n\n", rounds
	printf "%8s %12s %12s %12s %12s %7s %7s\n", "size", "vsock_MiB/s",
		"tcp_MiB/s", "vsock_rtt_us", "tcp_rtt_us", "tput_x", "rtt_x"
	for (i = 1; i <= nsz; i++) {
		sz = order[i]
		vt[sz] = median(T[sz, "vsock"]); vr[sz] = median(R[sz, "vsock"])
		tt[sz] = median(T[sz, "tcp"]); trr[sz] = median(R[sz, "tcp"])
		printf "%8s %12.4g %12s %12.0f %12s %7s %7s\n", sz, vt[sz],
			havetcp ? sprintf("%.4g", tt[sz]) : "n/a", vr[sz],
			havetcp ? sprintf("%.0f", trr[sz]) : "n/a",
			havetcp ? ratio(vt[sz], tt[sz]) : "n/a",
			havetcp ? ratio(vr[sz], trr[sz]) : "n/a"
	}
	printf "\nSpread over the rounds (max/min of each column; 1.00 = identical),\n"
	printf "and TCP's retransmission timeouts (TCPTimeouts) during its measurements:\n\n"
	printf "%8s %12s %12s %12s %12s %9s\n", "size", "vsock_tput", "tcp_tput",
		"vsock_rtt", "tcp_rtt", "tcp_RTOs"
	for (i = 1; i <= nsz; i++) {
		sz = order[i]
		st[sz] = spread(T[sz, "tcp"]); sr[sz] = spread(R[sz, "tcp"])
		printf "%8s %12s %12s %12s %12s %9s\n", sz, fsp(spread(T[sz, "vsock"])),
			havetcp ? fsp(st[sz]) : "n/a", fsp(spread(R[sz, "vsock"])),
			havetcp ? fsp(sr[sz]) : "n/a", havetcp ? to[sz] + 0 : "n/a"
	}
	if (havetcp) {
		printf "\nPer round (vsock/TCP of the same round):\n"
		line = "  64 KiB tput_x:"; met64 = 0
		for (r = 1; r <= rounds; r++) {
			if (tr[65536, "tcp", r] > 0) {
				x = tr[65536, "vsock", r] / tr[65536, "tcp", r]
				line = line sprintf(" %.2f", x); if (x >= 5) met64++
			} else
				line = line " n/a"
		}
		print line
		line = "  1 B rtt_x:   "; met1 = 0
		for (r = 1; r <= rounds; r++) {
			if (rr[1, "tcp", r] > 0 && rr[1, "vsock", r] > 0) {
				x = rr[1, "vsock", r] / rr[1, "tcp", r]
				line = line sprintf(" %.2f", x); if (x <= 0.30) met1++
			} else
				line = line " n/a"
		}
		print line
	}
	printf "\nvsock (the data path parameters as loaded: the line \"xen_vsock in A\" above) against\n"
	printf "vsock-off (lazy_credit, tx_batch, tx_direct, rx_direct and rx_defer 0: no lazy credit\n"
	printf "updates, no sender batching, two copies in the sender and two in the receiver, an\n"
	printf "event for every record that finds the receive ring empty),\n"
	printf "same rounds:\n\n"
	against("vsock-off", "off")
	if ((1, "local") in R) {
		printf "\nFloors, same rounds: local = the same program between two processes of A\n"
		printf "over a UNIX socket pair (every copy, system call and wakeup, no domain\n"
		printf "crossing); evtchn = one event each way between the kernels of A and B,\n"
		printf "answered in B's interrupt handler (no socket, no work item).\n\n"
		against("local", "local")
		for (i = 1; i <= nsz; i++) {
			lt[order[i]] = median(T[order[i], "local"]); lr[order[i]] = median(R[order[i], "local"])
		}
		printf "    tput_x = vsock/local throughput, rtt_x = vsock/local round trip\n"
		if ((1, "evtchn") in R) {
			fe = median(R[1, "evtchn"])
			printf "\n  evtchn round trip: %.0f us (spread %s)\n", fe, fsp(spread(R[1, "evtchn"]))
			if (havetcp && trr[1] > 0)
				printf "  evtchn + local 1 B round trip: %.0f us = %.0f%% of TCP's 1 B round trip;\n    vsock's is %.0f us above that\n",
					fe + lr[1], (fe + lr[1]) / trr[1] * 100, vr[1] - fe - lr[1]
		}
		if (havetcp && (65536 in seen)) {
			printf "  5x TCP's 64 KiB throughput: %.4g MiB/s; local moves 64 KiB writes at %.4g%s\n",
				5 * tt[65536], lt[65536], ((65536, "copy") in T) ? ";" : ""
			if ((65536, "copy") in T)
				printf "    one copy of them (pwrite() into a memfd, one CPU of A): %.4g MiB/s (spread %s)\n",
					median(T[65536, "copy"]), fsp(spread(T[65536, "copy"]))
		}
	}
	if (hcpu) {
		printf "\nCPU time per MiB moved in the throughput runs (ms busy per MiB, medians;\n"
		printf "A = the writer's domain, B = the reader's, from their /proc/stat; local:\n"
		printf "both ends in A; dom0's share of TCP, netback and the bridge, not counted):\n\n"
		printf "%8s %8s %8s %8s %8s %8s %8s %8s\n", "size", "vsock_A", "vsock_B",
			"tcp_A", "tcp_B", "off_A", "off_B", "local"
		for (i = 1; i <= nsz; i++) {
			sz = order[i]
			if (sz < 4096)	# a few KiB moved: ticks of 10 ms are too coarse
				continue
			printf "%8s %8s %8s %8s %8s %8s %8s %8s\n", sz, cpu(CA, sz, "vsock"),
				cpu(CB, sz, "vsock"), cpu(CA, sz, "tcp"), cpu(CB, sz, "tcp"),
				cpu(CA, sz, "vsock-off"), cpu(CB, sz, "vsock-off"), cpu(CA, sz, "local")
		}
		if (((65536, "vsock") in CA) && ((65536, "vsock-off") in CA) &&
		    ((65536, "vsock") in CB))
			printf "  at 64 KiB: the writer's CPU per MiB %s of vsock-off's; the reader's\n  %s of the writer's\n",
				ratio(median(CA[65536, "vsock"]), median(CA[65536, "vsock-off"])) "x",
				ratio(median(CB[65536, "vsock"]), median(CA[65536, "vsock"])) "x"
	}
	print ""
	if (!havetcp || !(65536 in seen) || !(1 in seen)) {
		print "Aims: not measured (no TCP, or a size missing)"
		exit
	}
	why = ""
	if (st[65536] > maxspread && st[65536] < 999)
		why = why "; TCP's 64 KiB throughput varies " fsp(st[65536]) "x between rounds"
	if (to[65536] > 0)
		why = why sprintf("; TCP had %d retransmission timeouts at 64 KiB", to[65536])
	if (zt[65536, "tcp"] || zt[65536, "vsock"])
		why = why "; a throughput of 0 at 64 KiB in a round (the guest clock stood still)"
	if (4096 in seen && tt[65536] < tt[4096] / 2)
		why = why sprintf("; TCP collapsed: %.3g MiB/s at 64 KiB against %.3g at 4 KiB", tt[65536], tt[4096])
	x = (tt[65536] > 0) ? vt[65536] / tt[65536] : 0
	if (why != "")
		printf "Aim: throughput at 64 KiB >= 5x TCP: %.2fx, NOT JUDGEABLE (%s)\n", x, substr(why, 3)
	else
		printf "Aim: throughput at 64 KiB >= 5x TCP: %.2fx, %s (%d of %d rounds >= 5x)\n", x,
			(x >= 5) ? "MET" : "MISSED", met64, rounds
	why = ""
	if (sr[1] > maxspread && sr[1] < 999)
		why = why "; TCP's 1 B round trip varies " fsp(sr[1]) "x between rounds"
	if (to[1] > 0)
		why = why sprintf("; TCP had %d retransmission timeouts at 1 B", to[1])
	if (zr[1, "tcp"] || zr[1, "vsock"])
		why = why "; a round trip of 0 at 1 B in a round (the guest clock stood still)"
	x = (trr[1] > 0) ? vr[1] / trr[1] : 99
	if (why != "")
		printf "Aim: latency at 1 B <= 30%% of TCP: %.0f%%, NOT JUDGEABLE (%s)\n", x * 100, substr(why, 3)
	else
		printf "Aim: latency at 1 B <= 30%% of TCP: %.0f%%, %s (%d of %d rounds <= 30%%)\n", x * 100,
			(x <= 0.30) ? "MET" : "MISSED", met1, rounds
	# Is the aim within this host's reach at all?
	if (((1, "evtchn") in R) && ((1, "local") in R) && trr[1] > 0 && (fe + lr[1]) / trr[1] > 0.30)
		printf "  (the aim is below this host's floor: event round trip + local echo = %.0f%% of TCP's)\n",
			(fe + lr[1]) / trr[1] * 100
}
