#!/bin/sh
# 40-pidrange-clamp: in a fresh PID namespace with the PID range [500,700)
# active, 2000 forks (10 wraps of the range) all get PIDs inside it; with
# the range full, fork fails with EAGAIN after exactly the free PIDs; the
# self-test refuses bad ranges; ckptctl status shows the range and counts;
# debugfs ckpt/pid_probe_cost measures the probes only while a range is in.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
command -v ckptctl >/dev/null || fail "ckptctl not installed"
DUMP_ON_FAIL="ns.out ns.err"

# Bad ranges are refused with a precise errno and change nothing.
unshare -p -f --mount-proc sh -c '
	ckptctl pid-range 1 100 2>bad1.err; echo "lo1=$?"
	ckptctl pid-range 700 500 2>bad2.err; echo "rev=$?"
	ckptctl pid-range 500 99999999 2>bad3.err; echo "big=$?"
	ckptctl status >st0.out; echo "st0=$?"
' >bad.out 2>&1
[ "$(kv bad.out lo1)" = 2 ] || fail "pid-range 1 100 not refused as usage error: $(cat bad.out bad1.err)"
[ "$(kv bad.out rev)" = 2 ] || fail "pid-range 700 500 not refused: $(cat bad.out bad2.err)"
[ "$(kv bad.out big)" = 1 ] || fail "pid-range above pid_max not refused: $(cat bad.out bad3.err)"
expect_err ERANGE bad3.err >/dev/null
grep -q '^range: none' st0.out || fail "a refused range shows in status: $(cat st0.out)"

unshare -p -f --mount-proc sh -c '
	ckptctl pid-range 500 700 || exit 10
	ckptctl pid-range 500 700 2>busy.err && exit 11
	forkrange range 500 700 2000 >range.out || exit 12
	forkrange exhaust 500 700 >exhaust.out || exit 13
	ckptctl status >status.out || exit 14
	# the probes cost measurement (debugfs), then forks still clamp
	cat /sys/kernel/debug/ckpt/pid_probe_cost >cost.out || exit 17
	forkrange range 500 700 300 >range2.out || exit 18
	# the range goes with the namespace: cleared here explicitly
	ckptctl pid-range off || exit 15
	ckptctl status >status2.out || exit 16
	cat /sys/kernel/debug/ckpt/pid_probe_cost >nocost.out 2>nocost.err && exit 19
	exit 0
' >ns.out 2>ns.err
st=$?
[ "$st" -eq 0 ] || fail "namespace script failed at step $st: $(cat ns.err)"
expect_err EBUSY busy.err >/dev/null
log "$(cat range.out) / $(cat exhaust.out)"
[ "$(kv range.out forks)" = 2000 ] || fail "range: $(cat range.out)"
[ "$(kv range.out wraps)" -ge 9 ] || fail "2000 forks in a 200-PID range wrapped only $(kv range.out wraps) times"
# forkrange itself holds one PID of the range: 199 children fit
[ "$(kv exhaust.out live)" = 199 ] || fail "exhaustion after $(kv exhaust.out live) children, expected 199"
grep -q '^range: 500-700$' status.out || fail "status: $(cat status.out)"
cl=$(sed -n 's/^clamped: //p' status.out)
[ "$cl" -ge 2199 ] || fail "status counts $cl clamped allocations, expected >= 2199"
grep -q '^failsafes: 0$' status.out || fail "failsafes: $(cat status.out)"
grep -q '^range: none$' status2.out || fail "range not cleared: $(cat status2.out)"
# ckpt/pid_probe_cost: three measurements in ns, only while a range is in
for k in unprobed_ns probed_other_ns probed_managed_ns; do
	v=$(sed -n "s/^$k //p" cost.out)
	[ -n "$v" ] && [ "$v" -gt 0 ] || fail "pid_probe_cost has no $k: $(cat cost.out)"
done
log "pid_probe_cost: $(tr '\n' ' ' <cost.out)"
[ "$(kv range2.out forks)" = 300 ] || fail "forks after the measurement: $(cat range2.out)"
grep -q "No data" nocost.err || fail "pid_probe_cost without a range: $(cat nocost.out nocost.err)"
pass
