#!/bin/sh
# 77-migrate-events: a migration's events on the module's netlink group.
#  - 'ckptctl monitor' shows migrate-start, then migrate-done with the
#    migrated PID and the very byte count ckpt migrate printed (and the
#    module's own checkpoint-done with the same bytes), downtime and total;
#  - a migration to a dead port gives migrate-fail with ECONNREFUSED;
#  - --progress prints the bytes and rate on stderr;
#  - CKPT_CMD_MIG_REPORT checks its input: an unprivileged reporter gets
#    EPERM, a non-migration event or an errno > 4095 ERANGE, a ROUND
#    outside MIGRATE_ROUND or no PID EINVAL, a PID that does not exist
#    ESRCH, absurd sizes ERANGE; a good report
#    (a live-migration round) comes out on the group as sent.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/miglib.sh"
require_module
DUMP_ON_FAIL="mig.err mig.out mon.out mon.err"

sk_start src
pid=$SK_PID
sk_wait_counter src 3
rx_start tcp:127.0.0.1:7077

ckptctl monitor >mon.out 2>mon.err &
mon=$!
track "$mon"
wait_for 10 grep -q '^monitoring' mon.out || fail "ckptctl monitor did not start: $(cat mon.err)"

# a failed one first: nobody listens on 7177
ckpt migrate "$pid" --to tcp:127.0.0.1:7177 >mig.out 2>mig.err
[ $? -eq 3 ] || fail "migration to a dead port: $(cat mig.err)"
wait_for 10 grep -q "^event=migrate-fail pid=$pid .*error=ECONNREFUSED" mon.out ||
	fail "no migrate-fail event with ECONNREFUSED: $(cat mon.out)"

# the real one, with --progress
c0=$(sk_counter src)
ckpt migrate --progress "$pid" --to tcp:127.0.0.1:7077 >mig.out 2>mig.err
st=$?
[ "$st" -eq 0 ] || fail "ckpt migrate exited $st: $(cat mig.err)"
bytes=$(sed -n 's/.* bytes=\([0-9]*\) .*/\1/p' mig.out)
down=$(sed -n 's/.* downtime_ms=\([0-9]*\) .*/\1/p' mig.out)
[ -n "$bytes" ] && [ "$bytes" -gt 0 ] || fail "no byte count: $(cat mig.out)"
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
grep -qE "ckpt: migrating $pid to tcp:127.0.0.1:7077: $mib MiB sent, [0-9.]+ MiB/s, [0-9.]+ s\$" mig.err ||
	fail "--progress: no final progress line with $mib MiB: $(cat mig.err | tr '\r' '|')"
wait_for 10 grep -q "^event=migrate-done pid=$pid " mon.out ||
	fail "no migrate-done event for $pid: $(cat mon.out)"
grep -q "^event=migrate-start pid=$pid" mon.out || fail "no migrate-start event: $(cat mon.out)"
grep -qE "^event=migrate-done pid=$pid bytes=$bytes downtime_ms=[0-9]+ elapsed_ms=[0-9]+\$" mon.out ||
	fail "migrate-done does not carry bytes=$bytes: $(grep migrate-done mon.out)"
edown=$(sed -n "s/^event=migrate-done pid=$pid .*downtime_ms=\([0-9]*\).*/\1/p" mon.out)
[ "$edown" -le "$down" ] && [ "$((down - edown))" -le 50 ] ||
	fail "migrate-done downtime_ms=$edown, ckpt migrate said $down"
grep -q "^event=checkpoint-done pid=$pid bytes=$bytes\$" mon.out ||
	fail "the module's checkpoint-done does not match: $(grep checkpoint mon.out)"
# in order: start, checkpoint-start, checkpoint-done, done
order=$(grep -n "pid=$pid" mon.out | grep -v migrate-fail | grep -v progress | sed 's/ pid=.*//; s/^[0-9]*://' | tr '\n' ' ')
[ "$order" = "event=migrate-start event=checkpoint-start event=checkpoint-done event=migrate-done " ] ||
	fail "events out of order: $order"
wait "$pid" 2>/dev/null
host=$(ns_host_pid "$pid")
[ -n "$host" ] || fail "no PID $pid at the receiver"
sk_wait_counter src $((c0 + 2))
sk_finish_restored src "$host" $((c0 + 2))

# the report command's checks (sleep 100: a PID that exists)
sleep 100 &
sp=$!
track "$sp"
out=$(runas "$TEST_UID" "$TEST_GID" migreport event=11 pid="$sp")
[ "$out" = "error=EPERM" ] || fail "unprivileged report: $out"
out=$(migreport event=4 pid="$sp")
[ "$out" = "error=ERANGE" ] || fail "a restore event reported by userspace: $out"
out=$(migreport event=15 pid="$sp")
[ "$out" = "error=ERANGE" ] || fail "event 15: $out"
out=$(migreport event=11 pid="$sp" round=2)
[ "$out" = "error=EINVAL" ] || fail "ROUND on a progress event: $out"
out=$(migreport event=11)
[ "$out" = "error=EINVAL" ] || fail "no PID: $out"
out=$(migreport event=11 pid=4000000)
[ "$out" = "error=ESRCH" ] || fail "a PID that does not exist: $out"
out=$(migreport event=11 pid="$sp" bytes=0x8000000000000000)
[ "$out" = "error=ERANGE" ] || fail "absurd bytes: $out"
out=$(migreport event=14 pid="$sp" errno=5000)
[ "$out" = "error=ERANGE" ] || fail "errno 5000: $out"
grep -q "pid=$sp" mon.out && fail "a refused report was multicast: $(grep "pid=$sp" mon.out)"
out=$(migreport event=12 pid="$sp" round=3 bytes=12345 dirty=17 elapsed=99)
[ "$out" = ok ] || fail "a good round report: $out"
wait_for 10 grep -q "^event=migrate-round pid=$sp round=3 bytes=12345 dirty_pages=17 elapsed_ms=99\$" mon.out ||
	fail "the round event did not come out as sent: $(grep "pid=$sp" mon.out)"
kill "$sp"
pass
