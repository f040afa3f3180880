#!/bin/sh
# 70-live-bench: 'make bench-live' (not a test): downtime and total time
# of live (--live, pre-copy) against stop-and-copy migration over loopback
# TCP, in one guest boot, for a process of 64 and 256 MiB rewriting 16 MiB
# of it at a fixed rate (1000 pages/s, 4 MiB/s); each migrated process
# checks all its memory afterwards.  Also stop-and-copy with --key (the
# stream sealed: encrypted and authenticated), so the table shows what
# sealing costs.  Prints a table with the ratios; Documentation/
# benchmarks.rst quotes it.
# timeout: 1500
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
SIZES=${BENCH_LIVE_SIZES:-64 256}
HOT_KIB=16384
RATE=1000
DUMP_ON_FAIL="mig.err rx.log p.err"

port=7300
: >results.txt
head -c 32 /dev/urandom >key
chmod 600 key
for size in $SIZES; do
	for mode in stop sealed live; do
		port=$((port + 1))
		d=$TESTDIR/$size-$mode
		mkdir -p "$d"
		echo "$RATE" >"$d/rate"
		dirtier "$d" "$size" "$HOT_KIB" </dev/null >"$d/p.out" 2>p.err &
		pid=$!
		track "$pid"
		wait_for 300 test -e "$d/ready" || fail "dirtier $size did not start: $(cat p.err)"
		sleep 2
		RX_OPTS="--allow 127.0.0.1"
		opt=
		[ "$mode" = live ] && opt=--live
		if [ "$mode" = sealed ]; then
			RX_OPTS="--allow 127.0.0.1 --key key"
			opt="--key key"
		fi
		rx_start tcp:127.0.0.1:$port 300
		ckpt migrate -v $opt --timeout 300 "$pid" --to tcp:127.0.0.1:$port >mig.out 2>mig.err ||
			fail "$size MiB $mode: ckpt migrate failed: $(cat mig.err)"
		log "$size MiB $mode: $(cat mig.out)"
		grep "live" mig.err | while read -r l; do log "  $l"; done
		wait "$pid" 2>/dev/null
		touch "$d/go"
		wait_for 120 file_has "$d/p.out" "all checks passed" ||
			fail "$size MiB $mode: the migrated process failed its check: $(cat p.err)"
		echo "$size $mode $(kv mig.out downtime_ms) $(kv mig.out total_ms) $(kv mig.out bytes) $(kv mig.out rounds) $(kv mig.out precopy_bytes)" >>results.txt
		kill -9 "$RX_PID" 2>/dev/null
		sleep 1
	done
done
log "live migration vs stop-and-copy (loopback TCP, $HOT_KIB KiB rewritten at $RATE pages/s):"
awk '
{ dt[$1 " " $2] = $3; tt[$1 " " $2] = $4; fb[$1 " " $2] = $5
  rd[$1 " " $2] = $6; pb[$1 " " $2] = $7; if (!seen[$1]++) sz[++n] = $1 }
END {
	printf "%-8s %-6s %12s %10s %14s %7s %14s\n", "size", "mode",
	       "downtime_ms", "total_ms", "frozen_bytes", "rounds", "precopy_bytes"
	for (i = 1; i <= n; i++) {
		s = sz[i]
		printf "%-8s %-6s %12d %10d %14d %7s %14s\n", s "MiB", "stop",
		       dt[s " stop"], tt[s " stop"], fb[s " stop"], "-", "-"
		printf "%-8s %-6s %12d %10d %14d %7s %14s\n", s "MiB", "sealed",
		       dt[s " sealed"], tt[s " sealed"], fb[s " sealed"], "-", "-"
		printf "%-8s %-6s %12.2f %10.2f %14.3f\n", s "MiB", "s/stop",
		       dt[s " sealed"] / (dt[s " stop"] ? dt[s " stop"] : 1),
		       tt[s " sealed"] / (tt[s " stop"] ? tt[s " stop"] : 1),
		       fb[s " sealed"] / (fb[s " stop"] ? fb[s " stop"] : 1)
		printf "%-8s %-6s %12d %10d %14d %7d %14d\n", s "MiB", "live",
		       dt[s " live"], tt[s " live"], fb[s " live"], rd[s " live"],
		       pb[s " live"]
		printf "%-8s %-6s %12.2f %10.2f %14.3f\n", s "MiB", "l/stop",
		       dt[s " live"] / (dt[s " stop"] ? dt[s " stop"] : 1),
		       tt[s " live"] / (tt[s " stop"] ? tt[s " stop"] : 1),
		       fb[s " live"] / (fb[s " stop"] ? fb[s " stop"] : 1)
	}
}' results.txt >table.txt
while read -r l; do log "$l"; done <table.txt
pass
