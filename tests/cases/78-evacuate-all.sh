#!/bin/sh
# 78-evacuate-all: 'ckpt-evacuate --all' run inside a node's own PID
# namespace (unshare --pid --mount-proc; PIDs from 5001 on) with four
# counters: --dry-run lists exactly those four as movable (not the
# namespace's init, not the evacuator or its shell); the evacuation (2 at
# a time, --key, --json) moves all four to a receiver in another PID
# namespace, each with its PID, counting on with no tick lost or repeated.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="dry.out dry.err evac.out evac.err inner.err"

head -c 32 /dev/urandom >key
chmod 600 key
RX_OPTS="--allow 127.0.0.1 --key key"
rx_start tcp:127.0.0.1:7078

cat >inner.sh <<'INNER'
echo 5000 >/proc/sys/kernel/ns_last_pid
for i in 1 2 3 4; do
	counter -i 100 </dev/null >"c$i.out" 2>/dev/null &
	echo $! >"c$i.pid"
done
for i in 1 2 3 4; do
	n=0
	until grep -q "tick 3 " "c$i.out" 2>/dev/null; do
		n=$((n + 1)); [ $n -gt 100 ] && break; sleep 0.1
	done
done
ckpt-evacuate --all --dry-run >dry.out 2>dry.err
echo $? >dry.rc
ckpt-evacuate --all --json -j 2 --key key --to tcp:127.0.0.1:7078 >evac.out 2>evac.err
echo $? >evac.rc
# the namespace ends with its init: stay until the checks are done
while [ ! -e inner.stop ]; do sleep 0.2; done
INNER
unshare -p -f --mount-proc sh inner.sh </dev/null >inner.out 2>inner.err &
track $!
wait_for 120 test -e evac.rc || { touch inner.stop; fail "the evacuation did not finish: $(cat inner.err evac.err 2>/dev/null)"; }

pids=$(cat c1.pid c2.pid c3.pid c4.pid | sort -n | tr '\n' ' ')
[ "$(cat dry.rc)" = 0 ] || fail "dry run exited $(cat dry.rc): $(cat dry.out dry.err)"
[ "$(awk '$3 == "movable" { print $1 }' dry.out | sort -n | tr '\n' ' ')" = "$pids" ] ||
	fail "dry run: expected exactly $pids movable: $(cat dry.out)"
grep -q "dry run: 4 of 4 would move, 0 cannot" dry.out || fail "dry run summary: $(cat dry.out)"
[ "$(cat evac.rc)" = 0 ] || fail "the evacuation exited $(cat evac.rc): $(cat evac.out evac.err)"
log "$(cat evac.out)"
grep -q '^{"dry_run":false,"moved":4,"failed":0,"processes":\[' evac.out ||
	fail "JSON: $(cat evac.out)"
for i in 1 2 3 4; do
	p=$(cat "c$i.pid")
	[ "$p" -gt 5000 ] || fail "counter $i has PID $p: ns_last_pid did not take"
	tr '{' '\n' <evac.out | grep "\"pid\":$p," |
		grep -qE "\"status\":\"moved\",\"dest\":\"tcp:127.0.0.1:7078\",\"new_pid\":$p,\"downtime_ms\":[0-9]+" ||
		fail "counter $i ($p) not reported moved with its PID: $(cat evac.out)"
	host=$(ns_host_pid "$p")
	[ -n "$host" ] || fail "counter $i: no PID $p at the receiver"
	track "$host"
	grep -q "^NSpid:.*[[:space:]]$p\$" "/proc/$host/status" || fail "counter $i: $(grep NSpid "/proc/$host/status")"
	n0=$(tail -n 1 "c$i.out" | awk '{ print $2 }')
	wait_for 10 sh -c "[ \$(tail -n 1 c$i.out | awk '{ print \$2 }') -ge $((n0 + 3)) ]" ||
		fail "counter $i does not count on at the receiver (at $n0)"
	bad=$(awk -v p="$p" '$1 != "tick" || $2 != NR || $4 != p { print NR ": " $0; exit }' "c$i.out")
	[ -z "$bad" ] || fail "counter $i: output not continuous: $bad"
	kill -9 "$host"
done
touch inner.stop
pass
