#!/bin/sh
# 42-pidrange-param: the module parameter pid_range=LO-HI activates a range
# for the initial PID namespace at load (its self-test also creates a
# kernel thread, which must get a PID in the range, or insmod fails): 1500
# forks from this namespace stay in [LO,HI); bad parameters make insmod fail
# with a clear kernel message; a range set by parameter does not pin the
# module (rmmod works).  The module is reloaded without parameters after.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="dmesg.out"
command -v ckptctl >/dev/null || fail "ckptctl not installed"
max=$(cat /proc/sys/kernel/pid_max)
# a range of 1000 PIDs where no process lives yet, from the top down
# (the PIDs of the earlier cases may have come near pid_max)
lo=$((max - 2000))
while [ "$lo" -ge 1000 ]; do
	hi=$((lo + 1000))
	taken=""
	for p in /proc/[0-9]*; do
		n=${p#/proc/}
		[ "$n" -ge "$lo" ] && [ "$n" -lt "$hi" ] && taken=$n && break
	done
	[ -z "$taken" ] && break
	lo=$((lo - 1000))
done
[ "$lo" -ge 1000 ] || skip "no range of 1000 free PIDs below $max"

reload() {
	rmmod ckpt 2>/dev/null
	insmod "$CKPT_MODULE" || echo "FATAL: cannot reload ckpt.ko" >&2
}
trap 'reload; _cleanup' EXIT

rmmod ckpt || fail "rmmod before the test failed"
insmod "$CKPT_MODULE" pid_range=1-100 2>bad1.err && fail "insmod pid_range=1-100 succeeded"
insmod "$CKPT_MODULE" pid_range=$lo-$((max + 1)) 2>bad2.err && fail "insmod with HI above pid_max succeeded"
insmod "$CKPT_MODULE" pid_range=junk 2>bad3.err && fail "insmod pid_range=junk succeeded"
dmesg | tail -n 20 >dmesg.out
grep -q "pid_range=1-100 refused: -22" dmesg.out || fail "no clear message for pid_range=1-100"
grep -q "pid_range=$lo-$((max + 1)) refused: -34" dmesg.out || fail "no clear message for HI > pid_max"
grep -q "pid_range=junk: expected LO-HI" dmesg.out || fail "no clear message for pid_range=junk"

insmod "$CKPT_MODULE" pid_range=$lo-$hi 2>ok.err || fail "insmod pid_range=$lo-$hi failed: $(cat ok.err)"
ckptctl status >st.out || fail "status failed"
grep -q "^range: $lo-$hi\$" st.out || fail "status: $(cat st.out)"
forkrange range "$lo" "$hi" 1500 >f.out 2>f.err || fail "$(cat f.err)"
log "$(cat f.out)"
[ "$(kv f.out wraps)" -ge 1 ] || fail "1500 forks did not wrap the 1000-PID range: $(cat f.out)"
sh -c 'echo $$' >self.out
s=$(cat self.out)
[ "$s" -ge "$lo" ] && [ "$s" -lt "$hi" ] || fail "a shell got PID $s, outside [$lo,$hi)"
rmmod ckpt || fail "rmmod with a parameter range failed"
forkrange range 2 "$max" 1 >f2.out || fail "fork after rmmod failed"
grep -q "PID range \[$lo,$hi) active in PID namespace" dmesg.out 2>/dev/null ||
	dmesg | grep -q "PID range \[$lo,$hi) active in PID namespace" ||
	fail "no activation message in the kernel log"
insmod "$CKPT_MODULE" || fail "plain reload failed"
trap '_cleanup' EXIT
pass
