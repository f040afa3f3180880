# make bench-xen: the table of tests/xen/run.sh from xvtest bench's rows
# "SIZE VSOCK_MIBS VSOCK_RTT_US [TCP_MIBS TCP_RTT_US]", with the ratios
# vsock/TCP and the issue's aims shown as met or missed.
function ratio(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "n/a" }
BEGIN { printf "%8s %12s %12s %12s %12s %7s %7s\n", "size", "vsock_MiB/s",
	"tcp_MiB/s", "vsock_rtt_us", "tcp_rtt_us", "tput_x", "rtt_x" }
NF >= 3 {
	tcp = (NF >= 5)
	printf "%8s %12s %12s %12s %12s %7s %7s\n", $1, $2, tcp ? $4 : "n/a",
		$3, tcp ? $5 : "n/a", tcp ? ratio($2, $4) : "n/a",
		tcp ? ratio($3, $5) : "n/a"
	if ($1 == 65536 && tcp) { t64 = $2 / $4; have64 = 1 }
	if ($1 == 1 && tcp) { r1 = $3 / $5; have1 = 1 }
}
END {
	print ""
	if (have64)
		printf "Aim: throughput at 64 KiB >= 5x TCP: %.2fx, %s\n", t64,
			(t64 >= 5) ? "MET" : "MISSED"
	else
		print "Aim: throughput at 64 KiB >= 5x TCP: not measured"
	if (have1)
		printf "Aim: latency at 1 B <= 30%% of TCP: %.0f%%, %s\n", r1 * 100,
			(r1 <= 0.30) ? "MET" : "MISSED"
	else
		print "Aim: latency at 1 B <= 30% of TCP: not measured"
}
