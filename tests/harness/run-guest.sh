#!/usr/bin/env bash
# run-guest.sh [check|demo|shell|node-a|node-b]: boot the test guest
# (build/kernel/ from deps.sh, build/guest/initramfs.cpio from
# mkinitramfs.sh) once, and report.
#
#   check  run the cases (all, or $ONLY=name1,name2), one line per result
#   demo   run tests/demo/demo.sh with the guest console live on the terminal
#   shell  an interactive shell in the guest (Ctrl-A x quits QEMU)
#   node-a, node-b
#          the two boots of the two-node scenarios (tests/nodes/*.sh, all or
#          $NODES_ONLY): node-a starts from an empty disk, build/guest/xfer.img,
#          and leaves its files there for node-b; logs in build/guest/node-a/
#          and build/guest/node-b/
#
# Logs in build/guest/: serial.log (console: kernel messages and the cases'
# output, each line prefixed "name| "), results.log (the guest's result port),
# dmesg.log (the kernel log dumped at the end), results.txt (one line per test
# or pseudo-test: "PASS|FAIL|SKIP name"). Exits 1 if anything failed, a kernel
# warning included. Env: ONLY, V=1 (console live in check mode), QEMU_ACCEL
# (default tcg: see tests/harness/README.md before changing it), GUEST_TIMEOUT
# (seconds for the whole boot; default 180 + each case's timeout + 15).
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=${1:-check}
out=build/guest
kdir=build/kernel
logs=$out
case $mode in
node-a | node-b)
	logs=$out/$mode
	mkdir -p "$logs"
	;;
esac
serial=$logs/serial.log
results=$logs/results.log
dmesg=$logs/dmesg.log
summary=$logs/results.txt
default_timeout=120

[[ -f $out/initramfs.cpio ]] || { echo "run-guest: no $out/initramfs.cpio (run tests/harness/mkinitramfs.sh)" >&2; exit 1; }
[[ -f $kdir/vmlinuz ]] || { echo "run-guest: no kernel in $kdir/ (run 'make deps')" >&2; exit 1; }

# Two NUMA nodes of one CPU (a socket each) and 1 GiB each: memory policies (mbind,
# set_mempolicy) have a second node to place pages on.
qemu=(qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg}" -cpu "${QEMU_CPU:-max}" -smp 2,sockets=2,cores=1,threads=1 -m 2048
	-object memory-backend-ram,id=mem0,size=1024M -numa node,nodeid=0,cpus=0,memdev=mem0
	-object memory-backend-ram,id=mem1,size=1024M -numa node,nodeid=1,cpus=1,memdev=mem1
	-nodefaults -display none -no-reboot)
if [[ -f $kdir/vmlinux && -f /usr/share/qemu/qboot.rom ]]; then
	# PVH direct boot of the uncompressed kernel: about twice as fast.
	qemu+=(-M pc -bios /usr/share/qemu/qboot.rom -kernel "$kdir/vmlinux")
else
	qemu+=(-kernel "$kdir/vmlinuz")
fi
# quiet: boot messages go to the ring buffer only (the guest dumps it to
# dmesg.log at the end); /init raises the console level. tsc=reliable keeps the
# TSC clocksource, so clock_gettime stays in the vDSO as on real hardware.
append="console=ttyS0 tsc=reliable panic=-1 oops=panic quiet harness.mode=$mode"
case $mode in
node-a | node-b)
	append="${append/harness.mode=$mode/harness.mode=node} harness.node=${mode#node-}"
	if [[ -n ${NODES_ONLY:-} ]]; then
		append+=" harness.only=$NODES_ONLY"
	fi
	if [[ $mode == node-a ]]; then
		rm -f "$out/xfer.img"
		truncate -s 256M "$out/xfer.img"
	elif [[ ! -f $out/xfer.img ]]; then
		echo "run-guest: no $out/xfer.img: run node-a first" >&2
		exit 1
	fi
	qemu+=(-drive "file=$out/xfer.img,format=raw,if=virtio")
	;;
*)
	if [[ -n ${ONLY:-} ]]; then
		append+=" harness.only=$ONLY"
	fi
	# CHECK_ARGS="test.NAME=VALUE ...": NAME=VALUE in the cases' environment
	for arg in ${CHECK_ARGS:-}; do
		if [[ ! $arg =~ ^test\.[A-Z][A-Z0-9_]*=[^\"\'[:space:]]*$ ]]; then
			echo "run-guest: CHECK_ARGS: '$arg' is not test.NAME=VALUE (NAME: capitals, digits, _)" >&2
			exit 2
		fi
		append+=" $arg"
	done
	;;
esac
qemu+=(-initrd "$out/initramfs.cpio" -append "$append" -pidfile "$logs/qemu.pid")

timeout_of() {
	local t
	t=$(sed -n 's/^# *timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-$default_timeout}"
}

# The whole run may take the boot, plus each selected case's own timeout.
limit=180
names=()
case $mode in
check)
	if [[ -n ${ONLY:-} ]]; then
		IFS=, read -ra names <<<"$ONLY"
	else
		for f in "$out"/root/tests/cases/[0-9]*.sh; do
			[[ -e $f ]] && names+=("$(basename "$f")")
		done
	fi
	for n in "${names[@]}"; do
		f=$out/root/tests/cases/${n%.sh}.sh
		[[ -f $f ]] && limit=$((limit + $(timeout_of "$f") + 15))
	done
	;;
demo)
	f=$out/root/tests/demo/demo.sh
	[[ -f $f ]] && limit=$((limit + $(timeout_of "$f")))
	;;
node-a | node-b)
	if [[ -n ${NODES_ONLY:-} ]]; then
		IFS=, read -ra names <<<"$NODES_ONLY"
	else
		for f in "$out"/root/tests/nodes/[0-9]*.sh; do
			[[ -e $f ]] && names+=("$(basename "$f")")
		done
	fi
	for i in "${!names[@]}"; do
		n=${names[$i]%.sh}
		names[$i]=$n@${mode#node-}
		f=$out/root/tests/nodes/$n.sh
		[[ -f $f ]] && limit=$((limit + $(timeout_of "$f") + 15))
	done
	;;
esac

limit=${GUEST_TIMEOUT:-$limit}

usecs() { echo "${EPOCHREALTIME/./}"; }
since() { awk -v us=$(($(usecs) - $1)) 'BEGIN { printf "%.1f", us / 1e6 }'; }

# show: print one result line from the guest's result port as a report line.
show() {
	local status name secs reason
	read -r _ status name secs reason <<<"$1"
	printf '%-4s  %s  (%ss%s)\n' "$status" "$name" "$secs" "${reason:+, $reason}"
}

# follow: copy the guest's result port to $results, reporting as it goes.
# A case whose result does not come within its timeout + HANG_GRACE
# seconds (the guest's own watchdog ends it at its timeout) means the
# guest itself hung: stop QEMU then, rather than at the whole run's limit.
HANG_GRACE=${HANG_GRACE:-120}
follow() {
	local line t0=$1 booted=0 tag name lim deadline=0 now rd part=
	while :; do
		rd=0
		IFS= read -r -t 5 line || rd=$?
		if ((rd > 128)); then	# timed out: keep a partial line
			part+=$line
			now=${EPOCHREALTIME%.*}
			if ((deadline && now > deadline)); then
				echo "guest: no result for $name within ${lim}s + ${HANG_GRACE}s: the guest hung; stopping it"
				echo "$name" >"$logs/hung"
				kill "$(cat "$logs/qemu.pid" 2>/dev/null)" 2>/dev/null || true
				deadline=0
			fi
			continue
		fi
		((rd == 0)) || break	# EOF: QEMU is gone
		line=$part${line%$'\r'}
		part=
		printf '%s\n' "$line" >>"$results"
		if ((!booted)); then
			booted=1
			echo "guest: booted, first result after $(since "$t0")s"
		fi
		case $line in
		"RESULT "*)
			show "$line"
			deadline=0
			;;
		"BEGIN "*)
			if [[ -n ${V:-} ]]; then echo "RUN   ${line#BEGIN }"; fi
			read -r tag name lim <<<"$line"
			[[ $lim =~ ^[0-9]+$ ]] || lim=$default_timeout
			deadline=$((${EPOCHREALTIME%.*} + lim + HANG_GRACE))
			;;
		esac
	done
	return 0
}

rm -f "$serial" "$results" "$dmesg" "$summary" "$logs/hung"
touch "$serial" "$results" "$dmesg"
echo "guest: booting ($mode mode, QEMU ${QEMU_ACCEL:-tcg}, limit ${limit}s); console log: $serial"
t0=$(usecs)
rc=0
case $mode in
check | node-a | node-b)
	tailpid=
	if [[ -n ${V:-} ]]; then
		tail -n +1 -F "$serial" 2>/dev/null &
		tailpid=$!
	fi
	timeout --foreground -k 5 "$limit" "${qemu[@]}" </dev/null \
		-serial "file:$serial" -serial file:/dev/stdout -serial "file:$dmesg" |
		follow "$t0" || rc=$?
	if [[ -n $tailpid ]]; then
		sleep 0.3
		kill "$tailpid" 2>/dev/null || true
	fi
	;;
demo)
	timeout --foreground -k 5 "$limit" "${qemu[@]}" </dev/null \
		-serial file:/dev/stdout -serial "file:$results" -serial "file:$dmesg" |
		tee "$serial" || rc=$?
	while IFS= read -r line; do
		if [[ $line == "RESULT "* ]]; then show "${line%$'\r'}"; fi
	done <"$results"
	;;
shell)
	"${qemu[@]}" -serial mon:stdio -serial "file:$results" -serial "file:$dmesg" || rc=$?
	;;
*)
	echo "run-guest: unknown mode '$mode' (check, demo, shell, node-a or node-b)" >&2
	exit 2
	;;
esac
echo "guest: finished after $(since "$t0")s (qemu exit status $rc)"

# Verdicts: the guest's results, then what the host sees that the guest
# cannot report itself.
failed=0
record() { # STATUS NAME: one line of results.txt
	echo "$1 $2" >>"$summary"
	if [[ $1 == FAIL ]]; then failed=1; fi
}
declare -A begun=() started=()
done_seen=0
taint=
while IFS= read -r line; do
	line=${line%$'\r'}
	read -r tag status name _ <<<"$line"
	case $tag in
	BEGIN) begun[$status]=1 started[$status]=1 ;;
	RESULT)
		unset "begun[$name]"
		record "$status" "$name"
		;;
	TAINT) taint=$status ;;
	DONE) done_seen=1 ;;
	esac
done < <(tr -d '\r' <"$results")

for name in "${!begun[@]}"; do
	record FAIL "$name"
	printf 'FAIL  %s  (no result: the guest died or hung during this test)\n' "$name"
done
if ((!done_seen)); then
	for n in "${names[@]}"; do
		n=${n%.sh}
		[[ -n ${started[$n]:-} ]] && continue
		record FAIL "$n"
		printf 'FAIL  %s  (not run: the guest stopped before it)\n' "$n"
	done
	record FAIL guest
	if [[ -s $logs/hung ]]; then
		why="hung in $(cat "$logs/hung"): no output, stopped by the harness"
	elif ((rc == 124 || rc == 137)); then
		why="timed out after ${limit}s"
	else
		why="stopped before the end (crash or panic?)"
	fi
	printf 'FAIL  guest  (%s: see %s)\n' "$why" "$serial"
fi

# Any kernel warning fails the run: log scan, and the kernel's own taint flags
# (M=16 machine check, B=32 bad page, D=128 oops, W=512 warning, L=16384 soft
# lockup). O and E (out-of-tree, unsigned module) are expected.
problems=$(tests/harness/scan-kernel-log.sh "$serial" "$dmesg" || true)
kerr=
if [[ -n $problems ]]; then
	kerr="$(grep -c '' <<<"$problems") problem lines in the kernel log"
elif [[ -n $taint ]] && ((taint & (16 | 32 | 128 | 512 | 16384))); then
	kerr="kernel tainted ($taint)"
elif ((done_seen)) && ! grep -q '^ckpt-dmesg-end' "$dmesg"; then
	kerr="the kernel log dump is incomplete ($dmesg)"
elif ((!done_seen)); then
	kerr="the run did not finish: check $serial"
fi
if [[ -n $kerr ]]; then
	record FAIL kernel-log
	printf 'FAIL  kernel-log  (%s)\n' "$kerr"
	if [[ -n $problems ]]; then
		head -n 40 <<<"$problems" | sed 's/^/      /'
		(($(grep -c '' <<<"$problems") > 40)) && echo "      ..."
		echo "      whole kernel log: $dmesg; console: $serial"
	fi
else
	record PASS kernel-log
	echo "PASS  kernel-log"
fi

if [[ $mode == check || $mode == node-* ]]; then
	while read -r status name; do
		case $name in
		guest | kernel-log) ;;
		*)
			if [[ $status == FAIL && (-n ${started[$name]:-} || $name == module-*) ]]; then
				echo "      $name: output in $serial (lines '$name| ')"
				# the case's own words, so that a CI log that shows
				# only this output still says why
				grep -a -F -- "$name| " "$serial" | tr -d '\r' |
					awk '/\| FAIL: /{p=1} p' | head -n 15 |
					sed 's/^/        /' || true
			fi
			;;
		esac
	done <"$summary"
fi
exit "$failed"
