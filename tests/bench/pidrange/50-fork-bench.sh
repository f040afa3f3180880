#!/bin/sh
# 50-fork-bench: 'make bench-pidrange' (not a test): the cost of fork+exit
# (+ waitpid) with a PID range active versus the ckpt module not loaded,
# in the same guest boot and the same PID namespace.  Paired design,
# because the emulated machine's speed drifts by a factor of two within
# a run: R pairs of blocks of N forks, one block with the module
# unloaded, one with it loaded and a range active (the order alternating
# between pairs), so each pair sees the same moment of the host; 5
# unmeasured forks after each change settle the machine.  Prints
# the median of the R ratios (range / not loaded) with a distribution-free
# 95% confidence interval for it (order statistics of the ratios), and
# the blocks' own medians.  Documentation/pid-ranges.rst quotes the result.
# timeout: 1500
. "$(dirname "$0")/lib.sh"
require_module
N=${BENCH_FORKS:-30}
R=${BENCH_ROUNDS:-30}
trap 'lsmod | grep -q "^ckpt " || insmod "$CKPT_MODULE"; _cleanup' EXIT

# The namespace's shell runs the pairs; its forks are the measured ones.
unshare -p -f sh -c '
	N=$1 R=$2 M=$3
	off() {
		rmmod ckpt || exit 1
		forkrange bench 5 >/dev/null	# settle after the change
		forkrange bench $N | sed -n "s/^ns_per_fork=//p" >>off.txt
		insmod "$M" || exit 1
	}
	on() {
		ckptctl pid-range 1000 30000 >/dev/null || exit 1
		forkrange bench 5 >/dev/null
		forkrange bench $N | sed -n "s/^ns_per_fork=//p" >>on.txt
		ckptctl pid-range off >/dev/null || exit 1
	}
	: >off.txt
	: >on.txt
	r=0
	while [ $r -lt $R ]; do
		if [ $((r % 2)) = 0 ]; then off; on; else on; off; fi
		r=$((r + 1))
	done
	ckptctl pid-range 1000 30000 >/dev/null && sleep 1 &&
		grep -E "idr_alloc" /sys/kernel/debug/kprobes/list >probes.txt 2>&1
	# What the probes add to one allocation (module/pidrange.c), 3 times.
	for i in 1 2 3; do
		cat /sys/kernel/debug/ckpt/pid_probe_cost >>cost.txt || exit 1
	done
	ckptctl pid-range off >/dev/null
' sh "$N" "$R" "$CKPT_MODULE" || fail "a round failed (see above)"
log "kprobes with a range: $(tr '\n' '|' <probes.txt)"
for f in off on; do
	[ "$(grep -c '^[0-9][0-9]*$' $f.txt)" = "$R" ] || fail "$f: $(cat $f.txt)"
done
paste off.txt on.txt | awk '{ print $2 / $1 }' >ratio.txt
# median FILE FORMAT
median() {
	sort -n "$1" | awk -v f="$2" '{ v[NR] = $1 } END { printf f, (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ranks k and R-k+1 of the sorted ratios: a 95% interval for their median
ci=$(sort -n ratio.txt | awk -v n="$R" '{ v[NR] = $1 } END {
	s = n; for (i = 0; i < 30; i++) s = (s + n / s) / 2	# sqrt, no libm
	k = int(n / 2 - 0.98 * s); if (k < 1) k = 1
	printf "%.3f %.3f", v[k], v[n - k + 1] }')
echo "fork+exit+wait, ns per iteration: $R pairs of blocks of $N forks, one PID namespace"
echo "  configuration                      median of blocks"
echo "  module not loaded                  $(median off.txt %.0f)"
echo "  PID range active                   $(median on.txt %.0f)"
awk -v m="$(median ratio.txt %.4f)" -v lo="${ci% *}" -v hi="${ci#* }" 'BEGIN {
	printf "  ratio range/not loaded, median of the pairs: %.3f (%+.1f%%), 95%% interval [%.3f, %.3f]\n",
		m, (m - 1) * 100, lo, hi }'
echo "  pairs (not loaded, range): $(paste -d, off.txt on.txt | tr '\n' ' ')"
# The probes' own cost, measured in the kernel (the minimum of 3 reads of
# ckpt/pid_probe_cost): a fork in this namespace allocates one PID here
# (managed: the clamp's path) and one in the initial namespace (probed,
# not managed).  Against the median fork with the module not loaded.
awk -v fork="$(median off.txt %.0f)" '
	{ if (!($1 in v) || $2 < v[$1]) v[$1] = $2 }
	END {
		if (!("unprobed_ns" in v) || !("probed_other_ns" in v) || !("probed_managed_ns" in v)) exit 1
		m = v["probed_managed_ns"] - v["unprobed_ns"]
		o = v["probed_other_ns"] - v["unprobed_ns"]
		if (m < 0) m = 0
		if (o < 0) o = 0
		printf "probe cost, measured in the kernel (ns per PID allocation, min of 3 x 7 blocks of 1000):\n"
		printf "  unprobed %d, probed but not managed %d, managed (clamp) %d\n",
			v["unprobed_ns"], v["probed_other_ns"], v["probed_managed_ns"]
		printf "  per fork in this namespace: %d ns (managed +%d, initial namespace +%d)\n", m + o, m, o
		printf "  overhead against a fork with the module not loaded (%d ns): %.4f%% (aim: under 2%%)\n",
			fork, (m + o) * 100 / fork
	}' cost.txt || fail "pid_probe_cost: $(cat cost.txt)"
pass
