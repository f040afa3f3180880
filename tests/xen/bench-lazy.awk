# make bench-xen: vsock with eager CREDIT_UPDATEs (lazy_credit=0, the
# default) against lazy ones (lazy_credit=1), same run. stdin: "SIZE MIBS
# RTT_US" rows of the lazy measurement; -v rows: xvtest bench's "SIZE MIBS
# RTT_US ..." rows (eager).
function ratio(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "n/a" }
BEGIN {
	n = split(rows, r, "\n")
	for (i = 1; i <= n; i++) {
		split(r[i], f, " ")
		et[f[1]] = f[2]
		er[f[1]] = f[3]
	}
	printf "%8s %12s %12s %12s %12s %7s %7s\n", "size", "eager_MiB/s",
		"lazy_MiB/s", "eager_rtt_us", "lazy_rtt_us", "tput_x", "rtt_x"
}
NF >= 3 && ($1 in et) {
	printf "%8s %12s %12s %12s %12s %7s %7s\n", $1, et[$1], $2, er[$1], $3,
		ratio($2, et[$1]), ratio($3, er[$1])
}
END { print "tput_x = lazy/eager throughput, rtt_x = lazy/eager round trip" }
