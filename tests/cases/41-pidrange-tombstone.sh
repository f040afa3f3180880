#!/bin/sh
# 41-pidrange-tombstone: in a PID namespace with the range [500,700), a
# running process is checkpointed (left stopped) and its PID tombstoned
# while it still lives (the tombstone is pending), then it is killed: 600 forks (3 wraps)
# never reuse its PID, the PID is invisible in /proc, clone3(set_tid) of it
# without a claim fails with EEXIST, and restart claims it: the restored
# process runs with its PID (it prints getpid() itself) and its counter
# continues where it stopped.  The counters in 'ckptctl status' follow.
# Then a genuinely taken PID: EEXIST naming the holder, and restart
# --pid-ns restores the copy with its PID in a new PID namespace.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
command -v ckptctl >/dev/null || fail "ckptctl not installed"
if [ -z "$CKPT_IN_NS" ]; then
	CKPT_IN_NS=1 exec unshare -p -f --mount-proc sh "$0"
fi
# From here on this shell is PID 1 of a new PID namespace.
trap 'ckptctl pid-range off >/dev/null 2>&1; _cleanup' EXIT
DUMP_ON_FAIL="c.err ckpt.err restart.err"
st_val() {
	sed -n "s/^$2: //p" "$1" | cut -d' ' -f1
}

ckptctl pid-range 500 700 >/dev/null 2>r.err || fail "pid-range: $(cat r.err)"
counter -i 100 </dev/null >c.out 2>c.err &
pid=$!
track "$pid"
[ "$pid" -ge 500 ] && [ "$pid" -lt 700 ] || fail "counter got PID $pid, outside [500,700)"
wait_for 20 grep -q '^tick 3 ' c.out || fail "counter did not tick"

ckpt --stop -o img "$pid" 2>ckpt.err || fail "ckpt failed: $(cat ckpt.err)"
ckptctl tombstone "$pid" >t.out 2>t.err || fail "tombstone: $(cat t.err)"
grep -q "PID $pid tombstone pending" t.out || fail "tombstone of a live PID not pending: $(cat t.out)"
ckptctl tombstone "$pid" >/dev/null 2>t2.err && fail "a second tombstone of $pid was accepted"
expect_err EEXIST t2.err >/dev/null
ckptctl status >s1.out || fail "status failed"
[ "$(st_val s1.out tombstones_pending)" = 1 ] || fail "status: $(cat s1.out)"

kill -9 "$pid"
wait "$pid"
last=$(sed -n 's/^tick \([0-9]*\) .*/\1/p' c.out | tail -n 1)
forkrange range 500 700 600 "$pid" >f.out 2>f.err || fail "$(cat f.err)"
[ "$(kv f.out wraps)" -ge 2 ] || fail "600 forks wrapped only $(kv f.out wraps) times: $(cat f.out)"
ckptctl status >s2.out || fail "status failed"
[ "$(st_val s2.out tombstones)" = 1 ] && [ "$(st_val s2.out tombstones_pending)" = 0 ] &&
	[ "$(st_val s2.out drained)" = 1 ] || fail "after the forks: $(cat s2.out)"
[ -e "/proc/$pid" ] && fail "the tombstoned PID $pid shows in /proc"
forkrange settid "$pid" >set.out
grep -q '^settid=EEXIST' set.out || fail "clone3(set_tid=$pid) without a claim: $(cat set.out)"

restart -v --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$rpid"
wait_for 30 grep -q "^tick $((last + 2)) " c.out ||
	fail "the restored counter does not tick: $(cat restart.err)"
grep -q "claimed" restart.err || fail "restart did not claim the PID: $(cat restart.err)"
# the restored process reports its own PID and continues its count
sed -n "/^tick $((last + 1)) /,\$p" c.out >after.out
[ -s after.out ] || fail "tick $((last + 1)) missing after the restore"
bad=$(grep -v "pid $pid\$" after.out | head -n 1)
[ -z "$bad" ] || fail "restored counter prints '$bad', expected pid $pid"
[ "$(proc_field "$pid" 4)" = "$rpid" ] || fail "PID $pid is not restart's child"
ckptctl status >s3.out || fail "status failed"
[ "$(st_val s3.out claims)" = 1 ] && [ "$(st_val s3.out tombstones)" = 0 ] ||
	fail "after the claim: $(cat s3.out)"
kill -9 "$pid"
wait "$rpid"
[ $? -eq 137 ] || fail "restart --wait did not report the SIGKILL of the restored process"
ckptctl untombstone "$pid" 2>u.err && fail "untombstone of a claimed PID accepted"
expect_err ENOENT u.err >/dev/null

# The fallback: a PID genuinely taken (the original, left stopped, holds
# it) fails with EEXIST naming it, and restores with --pid-ns into a new
# PID namespace, where the copy has its PID and continues its count.
counter -i 100 </dev/null >d.out 2>d.err &
p2=$!
track "$p2"
wait_for 20 grep -q '^tick 3 ' d.out || fail "second counter did not tick"
ckpt --stop -o img2 "$p2" 2>ckpt.err || fail "ckpt of $p2: $(cat ckpt.err)"
t2=$(sed -n 's/^tick \([0-9]*\) .*/\1/p' d.out | tail -n 1)
restart img2 </dev/null >/dev/null 2>ee.err && fail "restore over a live PID succeeded"
expect_err EEXIST ee.err >/dev/null
grep -q "PID $p2 is in use by process $p2 ('counter')" ee.err || fail "EEXIST does not name the holder: $(cat ee.err)"
restart -v --pid-ns --wait img2 </dev/null >rn.out 2>rn.err &
rn=$!
track "$rn"
wait_for 30 grep -q "^tick $((t2 + 2)) " d.out || fail "--pid-ns restore does not tick: $(cat rn.err)"
sed -n "/^tick $((t2 + 1)) /,\$p" d.out >after2.out
bad=$(grep -v "pid $p2\$" after2.out | head -n 1)
[ -z "$bad" ] || fail "the copy in the new namespace prints '$bad', expected pid $p2"
grep -q "restored pid $p2 in a new PID namespace" rn.err || fail "restart -v: $(cat rn.err)"
[ "$(proc_state "$p2")" = T ] || fail "the original $p2 is no longer stopped"
kill -9 "$p2"
kill -9 $(sed -n 's/.*(pid \([0-9]*\) here).*/\1/p' rn.err)
wait "$rn"
pass "PID $pid tombstoned over $(kv f.out wraps) wraps, then claimed back; --pid-ns fallback"
