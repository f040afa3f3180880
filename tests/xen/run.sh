#!/usr/bin/env bash
# Boot Xen + dom0 under QEMU (TCG); dom0 starts the domUs that run the
# tests (A, B, and C in test mode). Prints one line per test, then "N passed,
# N failed"; exit 1 on any failure. Logs: build/xen/serial.log (Xen, dom0,
# and the domUs' consoles prefixed "A| ", "B| ", "C| "), build/xen/results.txt.
# Knobs: XVT_TIMEOUT (domU phase, s), XVT_BIG_MB (size of the big transfers),
# XVT_SMP (Xen's CPUs: 3 for bench mode, else 2), QEMU_ACCEL (default tcg),
# V=1 (console live).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/xen
log=$out/serial.log
res=$out/results.txt
timeout_s=${XVT_TIMEOUT:-300}
big=${XVT_BIG_MB:-256}
accel=${QEMU_ACCEL:-tcg}
mode=${XVT_MODE:-test}	# test, bench (make bench-xen) or demo (make demo)
# make demo: options for its 'ckpt migrate' (MIGRATE_OPTS), commas for
# spaces on the kernel command lines; -initrd separates its modules with
# commas, so they are doubled there (QEMU's escape)
migopts=$(tr ' ' ',' <<<"${XVT_MIGOPTS:-}")
migopts=${migopts//,/,,}
# make bench-xen: xen_vsock parameters for both domUs (XVT_MODPARAMS="a=1 b=2")
modparams=$(tr ' ' ',' <<<"${XVT_MODPARAMS:-}")
modparams=${modparams//,/,,}

start=$(date +%s)
# Xen's physical CPUs (QEMU vCPUs): make bench-xen gives each of its three
# domains (dom0, A, B) one, as a host with a core per domain would; the
# tests and the demo keep two.  XVT_SMP overrides.
smp=${XVT_SMP:-2}
[[ -z ${XVT_SMP:-} && $mode == bench ]] && smp=3
qemu=(qemu-system-x86_64 -accel "$accel" -cpu qemu64,+rdrand -m 1280 -smp "$smp"
	-nographic -no-reboot -nodefaults -serial stdio -monitor none
	-kernel "$out/hv/xen.elf"
	-append "console=com1 dom0_mem=512M,max:512M dom0_max_vcpus=1 bootscrub=0 noreboot"
	-initrd "build/kernel/vmlinuz console=hvc0 panic=-1 XVT_TIMEOUT=$timeout_s XVT_BIG_MB=$big XVT_MODE=$mode XVT_ROUNDS=${XVT_ROUNDS:-3} XVT_MODPARAMS=$modparams XVT_MIGOPTS=$migopts,$out/dom0.img")
if [[ $mode == demo ]]; then
	# The story as it happens: each domU's "XVT DEMO" lines, with the time.
	timeout $((timeout_s + 120)) "${qemu[@]}" </dev/null 2>&1 | tee "$log" |
		while IFS= read -r line; do
			line=${line//$'\r'/}
			case $line in
			XVT0\ toolstack\ up) printf '%4ss  dom0: Xen toolstack up\n' $(($(date +%s) - start)) ;;
			XVT0\ domUs\ started) printf '%4ss  dom0: domU A (CID 3) and domU B (CID 4) started\n' $(($(date +%s) - start)) ;;
			[AB]\|\ XVT\ DEMO\ *) printf '%4ss  %s\n' $(($(date +%s) - start)) "${line#*XVT DEMO }" ;;
			[AB]\|\ XVT\ DEMO-*) printf '%4ss  %s\n' $(($(date +%s) - start)) "${line#*XVT }" ;;
			esac
		done
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	echo "boot + demo: $(($(date +%s) - start))s (Xen, dom0 and two domUs under QEMU $accel); log: $log"
	if grep -q '^B| XVT DEMO-OK' "$log" && ! grep -q 'XVT DEMO-FAIL' "$log" &&
		problems=$(tests/harness/scan-kernel-log.sh "$log"); then
		exit 0
	fi
	echo "demo: FAILED (see $log)" >&2
	echo "${problems:-}" | head -5 >&2
	exit 1
fi
if [[ $mode == bench ]]; then
	# the host's load during the run, for the table (other engineers' guests)
	load0=$(cut -d" " -f1-3 /proc/loadavg)
	: >"$out/load.txt"
	# (it also ends by itself with this script)
	me=$$
	while sleep 5 && kill -0 "$me" 2>/dev/null; do
		cut -d" " -f1 /proc/loadavg >>"$out/load.txt"
	done &
	loadmon=$!
fi
if [[ ${V:-0} == 1 ]]; then
	timeout $((timeout_s + 120)) "${qemu[@]}" </dev/null 2>&1 | tee "$log"
else
	timeout $((timeout_s + 120)) "${qemu[@]}" </dev/null >"$log" 2>&1
fi
qrc=$?
secs=$(($(date +%s) - start))
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

if [[ $mode == bench ]]; then
	kill "$loadmon" 2>/dev/null
	wait "$loadmon" 2>/dev/null
	b=$out/bench.txt
	rows=$(grep -E '^A\| XVT BENCH-R [0-9]' "$log" | sed 's/^A| XVT BENCH-R //')
	nr=$(sed -n 's/^A| XVT BENCH-ROUNDS \([0-9]*\)$/\1/p' "$log" | head -1)
	{
		echo "make bench-xen: xen_vsock vs TCP (netfront/netback, dom0 bridge) between two"
		echo "PV domUs (Xen 4.17 on $smp CPUs, one vCPU a domain, QEMU $accel), $(date -u '+%F %H:%M') UTC."
		echo "Same run, same program"
		echo "(xvtest bench). For each size, ${nr:-?} rounds of vsock, TCP, vsock-off"
		echo "(lazy_credit=0 tx_batch=0 tx_direct=0 rx_direct=0 rx_defer=0) and local (a UNIX socket pair in A), the order"
		echo "rotating from round to round."
		echo "xen_vsock in A: $(sed -n 's/^A| XVT BENCH-PARAMS //p' "$log" | head -1)"
		echo "Guest clocks under emulation: only the ratios of one run mean anything."
		echo "Throughput: 1 s of back-to-back writes, counted when the peer read them all."
		echo "Latency: median round trip of an echo of the message size (TCP_NODELAY)."
		echo "Host load average (1 min) every 5 s during the run: $(awk 'NR == 1 { lo = hi = $1 }
			{ if ($1 < lo) lo = $1; if ($1 > hi) hi = $1; last = $1; s += $1 }
			END { if (NR) printf "min %s, mean %.1f, max %s, at the end %s (%d samples)", lo, s / NR, hi, last, NR }' "$out/load.txt")"
		echo "Host load average (1, 5, 15 min) at the start: $load0; at the end: $(cut -d" " -f1-3 /proc/loadavg)"
		echo "tput_x = vsock/TCP throughput (higher is better for vsock),"
		echo "rtt_x = vsock/TCP round trip (lower is better for vsock)."
		echo
		awk -f tests/xen/bench-table.awk <<<"$rows"
	} >"$b"
	cat "$b"
	echo "boot + bench: ${secs}s"
	if [[ -z $rows ]] || grep -q 'XVT BENCH-FAIL' "$log" || [[ -z $nr ]] ||
		(($(wc -l <<<"$rows") != (8 * 4 + 2) * nr)) || awk 'NF != 8 { bad = 1 } END { exit !bad }' <<<"$rows"; then
		echo "bench-xen: the measurement did not run completely (see $log):" >&2
		grep -m3 'XVT BENCH-FAIL\|^A| bench ' "$log" >&2
		exit 1
	fi
	exit 0
fi

pass=0
failn=0
: >"$res"
report() { # STATUS NAME DETAIL
	printf '%-5s %s%s\n' "$1" "$2" "${3:+  ($3)}"
	echo "$1 $2" >>"$res"
	if [[ $1 == PASS ]]; then pass=$((pass + 1)); else failn=$((failn + 1)); fi
}

declare -A seen
while read -r dom _ _ st name detail; do
	d=${dom%|}
	report "$st" "$name" "$d${detail:+: $detail}"
	seen[$name]=1
done < <(grep -E '^[ABC]\| XVT RESULT (PASS|FAIL) ' "$log")

while read -r name; do
	[[ -z $name || $name == \#* ]] && continue
	[[ -n ${seen[$name]:-} ]] || report FAIL "$name" "no result: not run or domain died"
done <tests/xen/expected

for d in A B C; do
	if grep -q "^$d| XVT DONE" "$log"; then report PASS "domu-$d-done"
	elif [[ $d != A ]] && grep -q "^XVT0 xvt-${d,,} destroyed" "$log"; then report PASS "domu-$d-done" "destroyed by the test"
	else report FAIL "domu-$d-done" "no XVT DONE"; fi
done
if grep -q '^XVT0 END' "$log" && ! grep -q '^XVT0 \(FATAL\|TIMEOUT\)' "$log"; then
	report PASS dom0
else
	report FAIL dom0 "$(grep -m1 '^XVT0 \(FATAL\|TIMEOUT\)' "$log" || echo "no END, qemu exit $qrc")"
fi
if problems=$(tests/harness/scan-kernel-log.sh "$log") &&
	! grep -E '\(XEN\).*(Panic on CPU|FATAL TRAP|Xen BUG|Assertion)' "$log"; then
	report PASS kernel-log
else
	report FAIL kernel-log "kernel problems in $log"
	echo "$problems" | head -20 | sed 's/^/      /'
fi
echo "boot + tests: ${secs}s (Xen, dom0 and three domUs under QEMU $accel)"
echo "$pass passed, $failn failed"
((failn == 0))
