#!/bin/sh
# 58-tombstone-ioctl: CKPT_IOC_PID_TOMBSTONE, what 'ckpt migrate'
# calls on the source node to keep an emigrant's PID.  Without a range:
# ENXIO.  In a PID namespace with the range [600,700): a live process's
# PID is tombstoned (pending while it lives), a second time is EEXIST;
# bad fields EINVAL; a PID outside the range ERANGE; a free PID of the
# range ESRCH (only emigrants); the caller itself EDEADLK; an
# unprivileged user EPERM; none of these changes anything.  Once the
# process ends, 300 forks (3 turns of the range) never take its PID and
# 'ckptctl status' counts the tombstone.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
command -v ckptctl >/dev/null || fail "ckptctl not installed"
if [ -z "$CKPT_IN_NS" ]; then
	sleep 1000 </dev/null >/dev/null 2>&1 &
	outside=$!
	forkrange tombstone "$outside" >nx.out
	kill "$outside"
	grep -qx "tombstone=ENXIO" nx.out || fail "without a range: $(cat nx.out)"
	CKPT_IN_NS=1 exec unshare -p -f --mount-proc sh "$0"
fi
trap 'ckptctl pid-range off >/dev/null 2>&1; _cleanup' EXIT
DUMP_ON_FAIL="r.err"

# expect PID [FLAGS PENDING] RESULT: forkrange tombstone prints RESULT
expect() {
	_want=$1
	shift
	_got=$(forkrange tombstone "$@")
	[ "$_got" = "$_want" ] || fail "tombstone $*: '$_got', expected '$_want'"
}

ckptctl pid-range 600 700 >/dev/null 2>r.err || fail "pid-range: $(cat r.err)"
sleep 1000 </dev/null >/dev/null 2>&1 &
pid=$!
track "$pid"
[ "$pid" -ge 600 ] && [ "$pid" -lt 700 ] || fail "sleep got PID $pid, outside [600,700)"
sleep 1000 </dev/null >/dev/null 2>&1 &
other=$!
track "$other"

expect "tombstone=EINVAL" "$pid" 1
expect "tombstone=EINVAL" "$pid" 0 1
expect "tombstone=EINVAL" 0
expect "tombstone=ERANGE" 1
free=600
while [ -e "/proc/$free" ] || [ "$free" = "$pid" ] || [ "$free" = "$other" ]; do
	free=$((free + 1))
done
expect "tombstone=ESRCH" "$free"
self=$(sh -c 'exec forkrange tombstone $$')
[ "$self" = "tombstone=EDEADLK" ] || fail "the caller itself: '$self'"
[ "$(id -u)" = 0 ] || skip "not root"
runas 65534 65534 forkrange tombstone "$other" >perm.out 2>&1
grep -qx "tombstone=EPERM" perm.out || fail "an unprivileged user: $(cat perm.out)"
ckptctl status >s0.out || fail "status failed"
grep -q "^tombstones: 0$" s0.out && grep -q "^tombstones_pending: 0$" s0.out ||
	fail "a refused call left a tombstone: $(cat s0.out)"
expect "tombstone=ok pending=1" "$pid"
expect "tombstone=EEXIST" "$pid"
ckptctl status >s1.out || fail "status failed"
grep -q "^tombstones_pending: 1$" s1.out ||
	fail "status after one tombstone: $(cat s1.out)"

kill -9 "$pid"
wait "$pid"
forkrange range 600 700 300 "$pid" >f.out 2>f.err || fail "$(cat f.err)"
ckptctl status >s2.out || fail "status failed"
grep -q "^tombstones: 1$" s2.out && grep -q "^tombstones_pending: 0$" s2.out ||
	fail "status after the process ended: $(cat s2.out)"
pass "pending while alive, then held through $(cat f.out)"
