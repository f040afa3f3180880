#!/bin/sh
# 50-fork-bench: 'make bench-pidrange' (not a test): the cost of fork+exit
# (+ waitpid) with the ckpt module not loaded, loaded without a PID range,
# and with a PID range active, in the same guest boot, each measured in a
# fresh PID namespace, rounds interleaved; prints a table with the medians
# and the ratios.  Documentation/pid-ranges.rst quotes the result.
# timeout: 1200
. "$(dirname "$0")/lib.sh"
require_module
N=${BENCH_FORKS:-300}
R=${BENCH_ROUNDS:-3}

one() {
	unshare -p -f sh -c "$1 forkrange bench $N" | sed -n 's/^ns_per_fork=//p'
}
trap 'lsmod | grep -q "^ckpt " || insmod "$CKPT_MODULE"; _cleanup' EXIT

: >off.txt
: >loaded.txt
: >on.txt
r=0
while [ "$r" -lt "$R" ]; do
	# the last round's range goes with its namespace (within a second)
	wait_for 5 rmmod ckpt 2>/dev/null || fail "rmmod failed"
	one "" >>off.txt
	insmod "$CKPT_MODULE" || fail "insmod failed"
	one "" >>loaded.txt
	one "ckptctl pid-range 1000 30000 >/dev/null &&" >>on.txt
	r=$((r + 1))
	log "round $r: off=$(tail -n 1 off.txt) loaded=$(tail -n 1 loaded.txt) on=$(tail -n 1 on.txt)"
done
# how the kprobes run with a range active: [OPTIMIZED] (a jump) or an int3
unshare -p -f sh -c 'ckptctl pid-range 1000 30000 >/dev/null && sleep 1 &&
	grep -E "idr_alloc" /sys/kernel/debug/kprobes/list' >probes.txt 2>&1
log "kprobes: $(tr '\n' '|' <probes.txt)"
for f in off loaded on; do
	[ "$(grep -c '^[0-9][0-9]*$' $f.txt)" = "$R" ] || fail "$f: $(cat $f.txt)"
done
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
off=$(median off.txt)
loaded=$(median loaded.txt)
on=$(median on.txt)
echo "fork+exit+wait, ns per iteration: median of $R rounds x $N forks, each in a new PID namespace"
echo "  configuration                    median      ratio"
awk -v o="$off" -v l="$loaded" -v a="$on" 'BEGIN {
	printf "  module not loaded            %9d     1.000\n", o
	printf "  module loaded, no range      %9d     %.3f\n", l, l / o
	printf "  PID range active             %9d     %.3f  (%+.1f%%)\n", a, a / o, (a / o - 1) * 100
}'
echo "  all rounds: off=$(tr '\n' ' ' <off.txt)loaded=$(tr '\n' ' ' <loaded.txt)on=$(tr '\n' ' ' <on.txt)"
pass
