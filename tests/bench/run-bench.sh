#!/usr/bin/env bash
# run-bench.sh: the host side of 'make bench' (after deps and the build).
#
# 1. Installs Debian's criu if missing (as root; otherwise prints the line).
# 2. Builds build/bench/initramfs.cpio: the test guest's initramfs, made by the
#    harness's own tests/harness/mkinitramfs.sh (run in a shadow tree under
#    build/bench/tree/, so build/guest/ -- 'make check' -- is not touched),
#    followed by a second cpio archive with /tests/bench (run.sh, bench,
#    workload), criu with its shared libraries, and the kernel modules CRIU's
#    feature detection needs (nf_tables, socket diag, tun, veth) from the
#    Debian kernel package.  The kernel unpacks both archives.
# 3. Boots the guest once (harness.mode=bench: /init runs /tests/bench/run.sh)
#    like the test guest (-cpu max, $BENCH_SMP vCPUs, default 2) but with
#    $BENCH_MEM MiB (default 4096), the console live on the terminal, and the
#    guest's memory backed by the host before it boots (-mem-prealloc): QEMU
#    maps guest RAM lazily, so without it the first measurement to use a
#    guest page pays the host's page fault for it (ckpt's checkpoint, which
#    comes first in each round: 1 GiB of fresh image took 2 s more; see
#    Documentation/benchmarks.rst).  BENCH_PREALLOC=0 leaves it out.
# 4. Saves the results table to build/bench/results.txt and fails if the run
#    did not complete or the kernel logged a problem (never on a ratio).
#
# Logs in build/bench/: serial.log (console), results.log (the guest's result
# port), dmesg.log (whole kernel log), raw.txt (every repetition).
# Env: BENCH_MEM (MiB), BENCH_SMP (vCPUs), BENCH_PREALLOC (0: guest RAM mapped lazily), BENCH_ARGS (extra 'bench.*=' guest parameters, see
# run.sh), GUEST_TIMEOUT (seconds; default run.sh's timeout + 300),
# QEMU_ACCEL (default tcg).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/bench
kdir=build/kernel
tree=$out/tree
overlay=$out/overlay

# ---- criu ---------------------------------------------------------------
if ! command -v criu >/dev/null && [[ ! -x /usr/sbin/criu ]]; then
	install=(apt-get install -y --no-install-recommends criu)
	if [[ $(id -u) != 0 ]]; then
		echo "bench: criu is missing; as root run:" >&2
		echo "  apt-get update && ${install[*]}" >&2
		exit 1
	fi
	if ! apt-cache show criu >/dev/null 2>&1; then
		apt-get update -qq
	fi
	echo "bench: ${install[*]}"
	DEBIAN_FRONTEND=noninteractive "${install[@]}" ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${install[@]}"; }
fi
criu=$(command -v criu || echo /usr/sbin/criu)
echo "bench: $("$criu" --version | head -n 1 | sed 's/Version: /criu /')"

# ---- initramfs ----------------------------------------------------------
[[ -f module/ckpt.ko ]] || { echo "bench: no module/ckpt.ko (make all)" >&2; exit 1; }
for f in tools/ckpt tools/restart tests/bench/build/bench tests/bench/build/workload tests/bench/build/empty; do
	[[ -x $f ]] || { echo "bench: no $f (make all; make -C tests/bench)" >&2; exit 1; }
done

# The harness's mkinitramfs.sh works relative to its own tree (it cd's to
# ../.. of where it is): give it a tree of symlinks whose build/ is ours.
rm -rf "$tree"
mkdir -p "$tree/tests/harness" "$tree/empty"
ln -s "$PWD/tests/harness/mkinitramfs.sh" "$tree/tests/harness/mkinitramfs.sh"
ln -s "$PWD/tests/guest" "$tree/tests/guest"
ln -s "$PWD/tests/progs" "$tree/tests/progs"
ln -s "$PWD/tools" "$tree/tools"
CKPT_KO=$PWD/module/ckpt.ko CKPT_CASES=$PWD/$tree/empty CKPT_DEMO=$PWD/$tree/empty \
	"$tree/tests/harness/mkinitramfs.sh" >/dev/null
base=$tree/build/guest

rm -rf "$overlay"
mkdir -p "$overlay/tests/bench" "$overlay/usr/sbin"
install -m 755 tests/bench/run.sh tests/bench/build/bench tests/bench/build/workload \
	tests/bench/build/empty "$overlay/tests/bench/"
install -m 755 "$criu" "$overlay/usr/sbin/criu"
while read -r lib; do
	[[ -e $base/root$lib ]] && continue
	mkdir -p "$overlay$(dirname "$lib")"
	cp -L "$lib" "$overlay$lib"
done < <(for f in "$criu" tests/bench/build/bench tests/bench/build/workload; do ldd "$f"; done |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u)
# Kernel modules CRIU's feature detection needs (a full system would load
# them on demand): nf_tables (its network-lock probe fails without it), the
# socket diag modules, tun and veth.  In load order; run.sh insmods them.
kmods=(crc32c_generic nfnetlink libcrc32c nf_tables unix_diag inet_diag tcp_diag
	udp_diag netlink_diag af_packet_diag tun veth)
kver=$(cat "$kdir/KVER")
mkdir -p "$overlay/lib/modules/bench"
for m in "${kmods[@]}"; do
	f=$(find "$kdir/root/lib/modules/$kver/kernel" -name "$m.ko*" | head -n 1)
	[[ -n $f ]] || { echo "bench: no $m.ko in $kdir/root (CRIU may fail)" >&2; continue; }
	case $f in
	*.xz) xz -dc "$f" >"$overlay/lib/modules/bench/$m.ko" ;;
	*) cp "$f" "$overlay/lib/modules/bench/$m.ko" ;;
	esac
	echo "$m" >>"$overlay/lib/modules/bench/order"
done

(cd "$overlay" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner 0:0 --quiet) >"$out/overlay.cpio"
cat "$base/initramfs.cpio" "$out/overlay.cpio" >"$out/initramfs.cpio"
echo "bench: $out/initramfs.cpio ($(du -h "$out/initramfs.cpio" | cut -f1)," \
	"of which criu and the benchmark $(du -h "$out/overlay.cpio" | cut -f1))"

# ---- boot ---------------------------------------------------------------
[[ -f $kdir/vmlinuz ]] || { echo "bench: no kernel in $kdir/ (make deps)" >&2; exit 1; }
qemu=(qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg}" -cpu "${QEMU_CPU:-max}" -smp "${BENCH_SMP:-2}" -m "${BENCH_MEM:-4096}"
	-nodefaults -display none -no-reboot)
[[ ${BENCH_PREALLOC:-1} == 0 ]] || qemu+=(-mem-prealloc)
if [[ -f $kdir/vmlinux && -f /usr/share/qemu/qboot.rom ]]; then
	qemu+=(-M pc -bios /usr/share/qemu/qboot.rom -kernel "$kdir/vmlinux")
else
	qemu+=(-kernel "$kdir/vmlinuz")
fi
append="console=ttyS0 tsc=reliable panic=-1 oops=panic quiet harness.mode=bench ${BENCH_ARGS:-}"
qemu+=(-initrd "$out/initramfs.cpio" -append "$append")

limit=$(sed -n 's/^# *timeout: *\([0-9][0-9]*\).*/\1/p' tests/bench/run.sh | head -n 1)
limit=${GUEST_TIMEOUT:-$((${limit:-1200} + 300))}

serial=$out/serial.log
results=$out/results.log
dmesg=$out/dmesg.log
rm -f "$serial" "$results" "$dmesg" "$out/results.txt" "$out/raw.txt"
echo "bench: booting the guest (${BENCH_MEM:-4096} MiB, QEMU ${QEMU_ACCEL:-tcg}, limit ${limit}s); console log: $serial"
t0=$SECONDS
# The console live, less the raw per-repetition lines (kept in serial.log).
set +e
timeout --foreground -k 5 "$limit" "${qemu[@]}" </dev/null \
	-serial file:/dev/stdout -serial "file:$results" -serial "file:$dmesg" |
	sed -u 's/\r$//' | tee "$serial" | grep --line-buffered -v '^ckpt-bench: raw '
rc=${PIPESTATUS[0]}
set -e
echo "bench: guest finished after $((SECONDS - t0))s (qemu exit status $rc)"

# ---- results ------------------------------------------------------------
sed -n '/^ckpt-bench: table begin$/,/^ckpt-bench: table end$/p' "$serial" |
	sed '1d;$d' >"$out/results.txt"
sed -n 's/^ckpt-bench: raw //p' "$serial" >"$out/raw.txt"

failed=0
status=$(tr -d '\r' <"$results" | awk '$1 == "RESULT" && $3 == "bench" { print $2 }')
if [[ $status != PASS ]]; then
	why=$(tr -d '\r' <"$results" | sed -n 's/^RESULT [A-Z]* bench [0-9.]* *//p')
	echo "bench: FAILED: the guest run ${status:+ended: }${why:-did not finish (see $serial)}"
	failed=1
fi
if ! tr -d '\r' <"$results" | grep -q '^DONE'; then
	echo "bench: FAILED: the guest did not finish (timeout ${limit}s, crash or panic?): see $serial"
	failed=1
fi
if problems=$(tests/harness/scan-kernel-log.sh "$serial" "$dmesg"); then
	:
else
	echo "bench: FAILED: kernel problems in the log:"
	head -n 20 <<<"$problems" | sed 's/^/      /'
	failed=1
fi
if [[ ! -s $out/results.txt ]]; then
	echo "bench: FAILED: no results table in $serial"
	failed=1
else
	echo
	echo "bench: results (also in $out/results.txt; every repetition in $out/raw.txt):"
	cat "$out/results.txt"
fi
exit "$failed"
