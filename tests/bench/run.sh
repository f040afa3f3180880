#!/bin/sh
# run.sh: the benchmark, in the guest (harness.mode=bench: /init runs it as a
# raw-output script).  For each workload: ckpt and CRIU to a file on tmpfs,
# ckpt through a pipe, and the baselines; medians of several runs; then the
# table, printed between "ckpt-bench: table begin/end" lines that the host
# (tests/bench/run-bench.sh) saves as build/bench/results.txt.  Every
# repetition is printed as a "ckpt-bench: raw" line too.
#
# Guest parameters (kernel command line, from BENCH_ARGS on the host):
#   bench.reps=N     at most N runs per measurement (default: see below)
#   bench.max=MIB    skip anonymous-memory workloads larger than MIB
#   bench.only=a,b   only these workloads (names as in the table)
#   bench.profile=1  profile ckpt's runs: CKPT_TIMING=1 for the tools and
#                    the module's timing=1; each run's marks and the
#                    module's steps printed as "ckpt-bench: profile" lines
#   bench.trace=F1,F2  trace ckpt's runs with ftrace's function_graph,
#                    from the kernel functions F1, F2... (the module's or
#                    the kernel's), bench.trace_depth=N levels deep
#                    (default 2); each run's time per function printed as
#                    "ckpt-bench: trace" lines: depth, calls, total us
#                    (tracing slows every call: compare within a run)
#   bench.param.NAME=VALUE  set the ckpt module's parameter NAME first
#                    (e.g. bench.param.fill_threads=1: page data filled
#                    by the restoring task alone, for an A/B run)
# Exit status: 0 when every ckpt measurement and baseline ran (CRIU may be
# n/a), 1 otherwise.  Never fails on a ratio.
# timeout: 1800
set -u
B=/tests/bench
W=/tmp/bench
DB=$W/db
export PATH=$B:/sbin:/bin:/usr/sbin:/usr/bin

maxreps=
maxmib=
only=
profile=
trace=
tdepth=2
params=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	bench.reps=*) maxreps=${arg#*=} ;;
	bench.max=*) maxmib=${arg#*=} ;;
	bench.only=*) only=,${arg#*=}, ;;
	bench.profile=1) profile=1 ;;
	bench.trace=*) trace=$(echo "${arg#*=}" | tr , ' ') ;;
	bench.trace_depth=*) tdepth=${arg#*=} ;;
	bench.param.*=*) params="$params ${arg#bench.param.}" ;;
	esac
done

rm -rf $W
mkdir -p $W
: >$DB
failed=0
bopt=		# bench's options for the current workload (-t: a tree)

say() { echo "ckpt-bench: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# CRIU's feature detection wants these (a full system loads them on demand).
if [ -f /lib/modules/bench/order ]; then
	for m in $(cat /lib/modules/bench/order); do
		insmod /lib/modules/bench/$m.ko 2>/dev/null || say "insmod $m failed (CRIU may be n/a)"
	done
fi
criu_ok=1
criu_why=
if ! command -v criu >/dev/null; then
	criu_ok=0
	criu_why="criu is not in the guest"
elif ! criu check -o $W/criu-check.log >/dev/null 2>&1; then
	# 'criu check' also tests features a plain dump does not need: go on,
	# each measurement says n/a with CRIU's own error if it fails.
	say "criu check failed: $(grep -m1 Error $W/criu-check.log)"
fi

# median: the median of each numeric column of REP lines on stdin
# (columns 2..7), the lower middle of an even count.
median() {
	awk '$1 == "REP" { n++; for (c = 2; c <= 7; c++) v[c, n] = $c }
	END {
		if (!n) exit 1
		m = int((n + 1) / 2)
		out = n
		for (c = 2; c <= 7; c++) {
			for (i = 1; i <= n; i++) a[i] = v[c, i]
			for (i = 2; i <= n; i++) {	# insertion sort: n is small
				x = a[i]
				for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]
				a[j + 1] = x
			}
			out = out " " a[m]
		}
		print out
	}'
}

# run_once WORKLOAD DEST TOOL MODE ARGS...: one run of bench, appended to
# $W/acc/WORKLOAD.DEST.TOOL (its stdout), with its time and status.  A
# measurement that failed or was n/a once is not run again.
run_once() {
	wl=$1 dest=$2 tool=$3 mode=$4
	shift 4
	a=$W/acc/$wl.$dest.$tool
	[ -e "$a.rc" ] && [ "$(cat "$a.rc")" != 0 ] && return 1
	t0=$(uptime_s)
	# the module's lines of this run: those after the log's current end
	# (the log is never cleared: the kernel-log check reads all of it)
	[ -z "$profile" ] || klines=$(dmesg | wc -l)
	[ -z "$trace" ] || [ "$tool" != ckpt ] || trace_on
	bench -r 1 $bopt -d $W/run "$mode" "$@" >$W/out 2>$W/err
	rc=$?
	t1=$(uptime_s)
	[ -z "$trace" ] || [ "$tool" != ckpt ] || trace_off "$wl $dest"
	if [ -n "$profile" ] && [ "$tool" = ckpt ]; then
		{
			grep -h 'timing:' $W/run/ckpt.log $W/run/restart.log 2>/dev/null
			dmesg | tail -n +$((klines + 1)) |
				grep -E '(checkpoint|restore) pid [0-9]+: '
			grep '^REP ' $W/out
		} | sed "s/^/ckpt-bench: profile $wl $dest: /"
	fi
	cat $W/out >>"$a"
	echo $rc >"$a.rc"
	awk -v a="$t0" -v b="$t1" -v t="$(cat "$a.t" 2>/dev/null || echo 0)" \
		'BEGIN { printf "%.1f\n", t + b - a }' >"$a.t.new" && mv "$a.t.new" "$a.t"
	if [ $rc != 0 ]; then
		cp $W/err "$a.err"
		return 1
	fi
	return 0
}

# bench.trace: function_graph from the named functions, names on the
# closing braces (funcgraph-tail) so that every call has one line with
# its duration; trace_off sums them per depth and function.
TR=/sys/kernel/tracing
trace_on() {
	echo 0 >$TR/tracing_on
	echo function_graph >$TR/current_tracer
	echo nofuncgraph-proc >$TR/trace_options
	echo funcgraph-tail >$TR/trace_options
	echo "$tdepth" >$TR/max_graph_depth
	echo $trace >$TR/set_graph_function
	: >$TR/trace
	echo 1 >$TR/tracing_on
}
trace_off() {
	echo 0 >$TR/tracing_on
	awk -F'|' '$1 ~ / us / {
		d = $1; sub(/^ *[0-9]+\) */, "", d); gsub(/[^0-9.]/, "", d)
		f = $2; sub(/ +$/, "", f)
		depth = (match(f, /[^ ]/) - 3) / 2
		sub(/^ *\} *\/\* */, "", f); sub(/ *\*\/$/, "", f)
		sub(/^ */, "", f); sub(/\(\);$/, "", f); sub(/ \[ckpt\]$/, "", f)
		k = depth " " f; s[k] += d; n[k]++
	} END { for (k in s) printf "%s %d %.0f\n", k, n[k], s[k] }' $TR/trace |
		sort -k4 -n -r | head -n 40 |
		while read -r dp fn calls us; do
			say "trace $1: depth $dp $fn calls $calls us $us"
		done
}

# finish WORKLOAD DEST TOOL: record the medians of its runs in $DB as
# "WORKLOAD DEST TOOL ok RUNS CKPT_NS RESTART_NS TOTAL_NS BYTES CKPT_RSS
# RESTART_RSS" or "WORKLOAD DEST TOOL na|fail REASON...".
finish() {
	wl=$1 dest=$2 tool=$3
	a=$W/acc/$wl.$dest.$tool
	[ -e "$a" ] || return 1
	rc=$(cat "$a.rc")
	sed "s/^/ckpt-bench: raw $wl $dest $tool /" "$a"
	# NOTE lines: the first of each kind, and in how many runs it came.
	awk -v p="$wl $dest $tool" '$1 == "NOTE" { k = $2 " " $3; if (!(k in n)) { o[++m] = k; l[k] = $0 } n[k]++ }
		END { for (i = 1; i <= m; i++) { t = l[o[i]]; sub(/^NOTE /, "", t); printf "%s: %s (%d of the runs)\n", p, t, n[o[i]] } }' \
		"$a" >>$W/notes
	line=$(grep '^REP ' "$a" | median)
	if [ "$rc" = 0 ] && [ -n "$line" ]; then
		echo "$wl $dest $tool ok $line" >>$DB
		say "$wl $dest $tool: ${line%% *} runs in $(cat "$a.t")s"
		return 0
	fi
	why=$(grep -E '^(NA|ERROR) ' "$a" | tail -n 1 | cut -d' ' -f2-)
	[ -n "$why" ] || why="bench exit status $rc: $(tail -n 1 "$a.err")"
	if [ "$rc" = 3 ]; then
		echo "$wl $dest $tool na $why" >>$DB
		say "$wl $dest $tool: n/a: $why"
	else
		echo "$wl $dest $tool fail $why" >>$DB
		say "$wl $dest $tool: FAILED: $why"
		sed 's/^/    /' "$a.err" | tail -n 40
		failed=1
	fi
	return 1
}

# field WORKLOAD DEST TOOL N: column N of that $DB line (5 = RUNS).
field() {
	awk -v w="$1" -v d="$2" -v t="$3" -v n="$4" \
		'$1 == w && $2 == d && $3 == t && $4 == "ok" { print $n }' $DB
}

# workload NAME REPS WORKLOAD-ARGS...: every measurement of one workload,
# interleaved: each round runs ckpt, CRIU, ckpt through a pipe and the
# baselines once, so that a change of load on the host (TCG shares its
# CPUs) falls on all of them alike and the ratios stay meaningful.
workload() {
	name=$1 reps=$2
	shift 2
	case $only in "" | *,$name,*) ;; *) return ;; esac
	if [ -n "$maxreps" ] && [ "$reps" -gt "$maxreps" ]; then reps=$maxreps; fi
	rm -rf $W/acc
	mkdir -p $W/run $W/acc
	bytes=
	i=0
	while [ $i -lt "$reps" ]; do
		i=$((i + 1))
		run_once "$name" tmpfs ckpt ckpt-file -- workload $W/run "$@"
		# The baselines move as many bytes as ckpt's (first) image has.
		[ -n "$bytes" ] || bytes=$(grep -m1 '^REP ' $W/acc/$name.tmpfs.ckpt 2>/dev/null |
					   awk '{ print $5 }')
		[ $criu_ok = 1 ] &&
			run_once "$name" tmpfs criu criu-file -- workload $W/run "$@"
		run_once "$name" pipe ckpt ckpt-pipe -- workload $W/run "$@"
		if [ -n "$bytes" ]; then
			run_once "$name" tmpfs base base-file "$bytes"
			run_once "$name" pipe base base-pipe "$bytes"
		fi
		# The exec floor, in the smallest workload's rounds.
		if [ "$name" = anon-1M ]; then
			run_once "$name" tmpfs floor exec-floor $B/empty
		fi
	done
	finish "$name" tmpfs ckpt
	if [ $criu_ok = 1 ]; then
		finish "$name" tmpfs criu
	else
		echo "$name tmpfs criu na $criu_why" >>$DB
	fi
	finish "$name" pipe ckpt
	finish "$name" tmpfs base
	finish "$name" pipe base
	if [ "$name" = anon-1M ]; then finish "$name" tmpfs floor; fi
	rm -rf $W/run $W/acc
}

for p in $params; do
	if echo "${p#*=}" >"/sys/module/ckpt/parameters/${p%%=*}"; then
		say "module parameter ${p%%=*}=${p#*=}"
	else
		say "cannot set module parameter ${p%%=*}"
		failed=1
	fi
done
if [ -n "$trace" ]; then
	[ -e $TR/trace ] || mount -t tracefs nodev $TR ||
		{ say "cannot mount tracefs: bench.trace ignored"; trace=; }
fi
if [ -n "$profile" ]; then
	echo 1 >/sys/module/ckpt/parameters/timing
	export CKPT_TIMING=1
	# the module's lines to the log buffer only: printing each on the
	# serial console costs more than most of the steps it times (the
	# buffer still goes to the host at the end, for the kernel-log check)
	dmesg -n 1
fi
say "start: $(nproc) CPU(s), $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)," \
	"$(criu --version 2>/dev/null | sed -n 's/Version: /criu /p')${params:+; ckpt module:$params}"
start=$(uptime_s)

# Runs per size: TCG makes the big ones slow (see Documentation/benchmarks.rst).
for spec in 1:5 16:5 64:5 256:3 1024:1; do
	mib=${spec%:*} reps=${spec#*:}
	if [ -n "$maxmib" ] && [ "$mib" -gt "$maxmib" ]; then continue; fi
	if [ "$mib" -ge 1024 ]; then name=anon-$((mib / 1024))G; else name=anon-${mib}M; fi
	workload "$name" "$reps" anon "$mib"
done
workload sparse-32G 5 sparse 32 16
# 64 MiB written, 63 MiB of it with zeros: a heap mostly cleared.
workload zeros-64M 5 zeros 64 1
workload files-1000 5 files 1000
# 32 threads, 1 MiB of memory each; 20 processes (three generations,
# 'ckpt --tree'), 1 MiB each.
workload threads-32 5 threads 32 32
bopt=-t
workload tree-20 5 tree 20 20
bopt=

say "measurements done in $(awk -v a="$start" -v b="$(uptime_s)" 'BEGIN { printf "%.0f", b - a }')s"

# ---- the table ------------------------------------------------------------
hdr="$(uname -r), QEMU TCG guest with $(nproc) vCPU(s) and $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo); $(criu --version 2>/dev/null | sed -n 's/Version: /criu /p')${params:+; ckpt module:$params}"
say "table begin"
awk -v hdr="$hdr" -v notes="$W/notes" '
function ms(ns) { return sprintf("%.1f", ns / 1e6) }
function mib(b) { return b < 0 ? "-" : sprintf("%.2f", b / 1048576) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 <= 0) ? "-" : sprintf("%.2fx", a / b) }
function has(w, d, t) { return ((w, d, t) in st) && st[w, d, t] == "ok" }
# val: column c (6 ckpt, 7 restart, 8 total) of a measurement, or "".
function val(w, d, t, c) { return has(w, d, t) ? v[w, d, t, c] : "" }
function show(w, d, t, c) {
	if (has(w, d, t)) return ms(v[w, d, t, c])
	if ((w, d, t) in st) return st[w, d, t] == "na" ? "n/a" : "FAIL"
	return "-"
}
{
	w = $1; d = $2; t = $3
	if (!(w in seen)) { seen[w] = 1; order[++nw] = w }
	st[w, d, t] = $4
	if ($4 == "ok") for (c = 5; c <= 11; c++) v[w, d, t, c] = $c
	else { r = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", r); why[w, d, t] = r }
}
function section(title, c, cap,   i, w, d, k) {
	print ""
	print title
	printf "%-12s %-6s %4s %10s %10s %10s %10s %10s\n", "workload", "dest", "runs", "ckpt", "CRIU", "base", "ckpt/CRIU", "ckpt/base"
	for (i = 1; i <= nw; i++) {
		w = order[i]
		for (k = 1; k <= 2; k++) {
			d = k == 1 ? "tmpfs" : "pipe"
			if (!((w, d, "ckpt") in st)) continue
			printf "%-12s %-6s %4s %10s %10s %10s %10s %10s\n", w, d,
				has(w, d, "ckpt") ? v[w, d, "ckpt", 5] : "-",
				show(w, d, "ckpt", c), d == "pipe" ? "n/a" : show(w, d, "criu", c),
				show(w, d, "base", c),
				ratio(val(w, d, "ckpt", c), val(w, d, "criu", c)),
				ratio(val(w, d, "ckpt", c), val(w, d, "base", c))
		}
	}
}
END {
	print "ckpt benchmark: " hdr
	print "Medians of \"runs\" runs, in ms.  dest tmpfs: image file on tmpfs; pipe: ckpt --kill PID | restart."
	print "base: the same number of bytes as ckpt'"'"'s image, written from memory to the same destination"
	print "(checkpoint) and read back into fresh memory (restart); see Documentation/benchmarks.rst."
	section("Checkpoint time (ms)  [pipe: until ckpt exits]", 6)
	section("Restart time (ms)  [pipe: from ckpt'"'"'s exit until the process runs; base: memfd -> fresh memory]", 7)
	section("Checkpoint + restart (ms)  [pipe: ckpt start until the process runs; base: one pass through the pipe]", 8)
	print ""
	print "Image size (MiB) and peak RSS of the tools (MiB, wait4 ru_maxrss; tmpfs runs)"
	printf "%-12s %10s %10s %10s %9s %9s %9s %9s\n", "workload", "ckpt img", "CRIU img", "ckpt/CRIU", "ckpt", "restart", "criu dmp", "criu rst"
	for (i = 1; i <= nw; i++) {
		w = order[i]
		if (!((w, "tmpfs", "ckpt") in st)) continue
		printf "%-12s %10s %10s %10s %9s %9s %9s %9s\n", w,
			has(w, "tmpfs", "ckpt") ? mib(v[w, "tmpfs", "ckpt", 9]) : "-",
			has(w, "tmpfs", "criu") ? mib(v[w, "tmpfs", "criu", 9]) : "n/a",
			ratio(has(w, "tmpfs", "ckpt") ? v[w, "tmpfs", "ckpt", 9] : "", has(w, "tmpfs", "criu") ? v[w, "tmpfs", "criu", 9] : ""),
			has(w, "tmpfs", "ckpt") ? sprintf("%.1f", v[w, "tmpfs", "ckpt", 10] / 1024) : "-",
			has(w, "tmpfs", "ckpt") ? sprintf("%.1f", v[w, "tmpfs", "ckpt", 11] / 1024) : "-",
			has(w, "tmpfs", "criu") ? sprintf("%.1f", v[w, "tmpfs", "criu", 10] / 1024) : "n/a",
			has(w, "tmpfs", "criu") ? sprintf("%.1f", v[w, "tmpfs", "criu", 11] / 1024) : "n/a"
	}
	print ""
	print "Exec floor: fork + exec + exit + wait4 of an empty program linked as ckpt and restart are"
	print "(static, fixed address), in anon-1M'"'"'s rounds; what a tool costs before it does anything:"
	if (has("anon-1M", "tmpfs", "floor") && has("anon-1M", "tmpfs", "ckpt"))
		printf "  %s ms (median of %d); anon-1M tmpfs: checkpoint %s ms, restart %s ms (%s and %s the floor)\n",
			ms(v["anon-1M", "tmpfs", "floor", 7]), v["anon-1M", "tmpfs", "floor", 5],
			ms(v["anon-1M", "tmpfs", "ckpt", 6]), ms(v["anon-1M", "tmpfs", "ckpt", 7]),
			ratio(v["anon-1M", "tmpfs", "ckpt", 6], v["anon-1M", "tmpfs", "floor", 7]),
			ratio(v["anon-1M", "tmpfs", "ckpt", 7], v["anon-1M", "tmpfs", "floor", 7])
	else
		print "  - (anon-1M did not run)"
	print ""
	print "Sparse process (32 GiB reserved, 16 MiB touched) against anon-16M (16 MiB touched), ckpt, tmpfs:"
	if (has("sparse-32G", "tmpfs", "ckpt") && has("anon-16M", "tmpfs", "ckpt"))
		printf "  checkpoint %s, restart %s, image %s (aim: at most 1.20x)\n",
			ratio(v["sparse-32G", "tmpfs", "ckpt", 6], v["anon-16M", "tmpfs", "ckpt", 6]),
			ratio(v["sparse-32G", "tmpfs", "ckpt", 7], v["anon-16M", "tmpfs", "ckpt", 7]),
			ratio(v["sparse-32G", "tmpfs", "ckpt", 9], v["anon-16M", "tmpfs", "ckpt", 9])
	else
		print "  - (one of them did not run)"
	print ""
	print "Zero pages (64 MiB written, 63 MiB of it zeros) against anon-1M (1 MiB of data), tmpfs:"
	if (has("zeros-64M", "tmpfs", "ckpt") && has("anon-1M", "tmpfs", "ckpt"))
		printf "  ckpt: checkpoint %s, restart %s, image %s of anon-1M'"'"'s; image %s of CRIU'"'"'s (%s MiB)\n",
			ratio(v["zeros-64M", "tmpfs", "ckpt", 6], v["anon-1M", "tmpfs", "ckpt", 6]),
			ratio(v["zeros-64M", "tmpfs", "ckpt", 7], v["anon-1M", "tmpfs", "ckpt", 7]),
			ratio(v["zeros-64M", "tmpfs", "ckpt", 9], v["anon-1M", "tmpfs", "ckpt", 9]),
			ratio(val("zeros-64M", "tmpfs", "ckpt", 9), val("zeros-64M", "tmpfs", "criu", 9)),
			mib(val("zeros-64M", "tmpfs", "criu", 9))
	else
		print "  - (one of them did not run)"
	print ""
	print "Not measured, n/a and failures:"
	print "  CRIU through a pipe: n/a (criu 3.17 writes an image directory; streaming it needs"
	print "    criu-image-streamer, which Debian 12 does not package)"
	for (i = 1; i <= nw; i++) {
		w = order[i]
		for (k in why) {
			split(k, p, SUBSEP)
			if (p[1] != w) continue
			label = w
			if (p[2] != "-") label = label " " p[2]
			if (p[3] != "all") label = label " " p[3]
			printf "  %s: %s\n", label, why[k]
		}
	}
	while ((getline line < notes) > 0) print "  note: " line
	print "  restart reading a pipe copies the whole image into a memfd before it restores anything:"
	print "    its restart time is the memfd -> process part only; that memfd is not in its RSS."
}' $DB
say "table end"
exit $failed
