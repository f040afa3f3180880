#!/bin/sh
# 103-incremental: a chain of incremental images.  A process rewriting
# 1 MiB of its 32 MiB (each page stamped with its index and a generation)
# and changing its address space all along (pages dropped, mappings
# unmapped and made again, a block moved by mremap) is checkpointed with
# --track (a complete image), then twice with --parent (the third
# compressed and --kill): the first incremental image is less than half
# the complete one.  'ckpt show' merges the chain.  Restart of the
# last image follows the chain (a parent missing: ENOENT; a parent
# replaced by another image: ESTALE; nothing restored either time) and
# the process comes back with its PID and checks all its memory against
# its own counters.  --parent of another process's image is refused
# (EINVAL), of one older than its last (ESTALE), the output as its own
# parent, --track --kill are usage errors (trees: 104).  A
# transparent huge page dropped and read again between two images (the
# huge zero page) comes back as zeros, not as the parent's data; pages
# written after the parent and merged by KSM come back as written.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

sleeper 1000 sleeper.out </dev/null >sleeper.err 2>&1 &
spid=$!
track "$spid"
wait_for 10 test -s sleeper.out || fail "sleeper did not start"
ckpt -o other.img "$spid" 2>ckpt.err || fail "checkpoint of sleeper failed: $(cat ckpt.err)"
kill "$spid"

dirtier_start 32 1024 churn
PROG_PID=$pid

for bad in "--track --kill"; do
	# shellcheck disable=SC2086
	ckpt $bad -o x.img "$pid" 2>usage.err
	st=$?
	[ "$st" = 2 ] || fail "ckpt $bad exited $st, expected 2: $(cat usage.err)"
done
ckpt --parent other.img -o x.img "$pid" 2>wrong.err
st=$?
[ "$st" = 1 ] || fail "ckpt --parent of another process's image exited $st: $(cat wrong.err)"
expect_err EINVAL wrong.err >/dev/null
grep -q "is an image of process $spid, not of $pid" wrong.err || fail "$(cat wrong.err)"
[ ! -e x.img ] || fail "a refused checkpoint left an image"

ckpt --track -o base.img "$pid" 2>ckpt.err || fail "ckpt --track failed: $(cat ckpt.err)"
sleep 1
ckpt --parent base.img -o inc1.img "$pid" 2>ckpt.err ||
	fail "ckpt --parent base.img failed: $(cat ckpt.err)"
proc_alive "$pid" || fail "the process did not run on after an incremental checkpoint"
# Not its last image: what was written since would be missed.
ckpt --parent base.img -o stale.img "$pid" 2>stale.err
st=$?
[ "$st" = 1 ] || fail "ckpt --parent of an older image exited $st: $(cat stale.err)"
expect_err ESTALE stale.err >/dev/null
[ ! -e stale.img ] || fail "a refused checkpoint left an image"
ckpt --parent inc1.img -o inc1.img "$pid" 2>self.err
st=$?
[ "$st" = 2 ] || fail "ckpt --parent X -o X exited $st: $(cat self.err)"
[ -s inc1.img ] || fail "ckpt --parent X -o X destroyed X"
sleep 1
ckpt --parent inc1.img --compress --kill -o inc2.img "$pid" 2>ckpt.err ||
	fail "ckpt --parent inc1.img --kill failed: $(cat ckpt.err)"
wait "$pid"
base=$(wc -c <base.img)
size=$(wc -c <inc1.img)
[ "$size" -lt $((base / 2)) ] ||
	fail "inc1.img has $size bytes, not less than half of base.img's $base"
log "inc1.img: $size bytes, inc2.img (compressed) $(wc -c <inc2.img) (base.img $base)"
ckpt show inc2.img >show.out 2>&1 || fail "ckpt show of inc2.img: $(tail -n 2 show.out)"
grep -q "^incremental image of parent inc1.img" show.out || fail "ckpt show does not name the parent"
grep -q "PRECOPY_CLEAN" show.out && fail "ckpt show of the merged chain has PRECOPY_CLEAN records"

# A broken chain: refused, nothing restored.
mv base.img base.away
restart inc2.img </dev/null >r1.out 2>r1.err
st=$?
[ "$st" = 1 ] || fail "restart with base.img missing exited $st: $(cat r1.err)"
expect_err ENOENT r1.err >/dev/null
grep -q "base.img" r1.err || fail "restart does not name the missing parent: $(cat r1.err)"
expect_gone "$pid" "restart with a parent missing"
cp other.img base.img
restart inc2.img </dev/null >r2.out 2>r2.err
st=$?
[ "$st" = 1 ] || fail "restart with base.img replaced exited $st: $(cat r2.err)"
expect_err ESTALE r2.err >/dev/null
expect_gone "$pid" "restart with a parent replaced"
mv base.away base.img
log "broken chains: $(head -n 1 r1.err | cut -c1-120) / $(head -n 1 r2.err | cut -c1-160)"

prog_restart restart -v --wait inc2.img
wait_for 30 grep -q "restored pid $pid" restart.err ||
	fail "restart never said pid $pid was restored: $(cat restart.err)"
grep -q "merged an incremental image with its parent inc1.img" restart.err ||
	fail "restart -v does not say it merged: $(cat restart.err)"
prog_finish
sizes="base $base bytes, then $(wc -c <inc1.img) and $(wc -c <inc2.img)"

# A huge page dropped and read again between two images: the kernel's
# huge zero page (no soft-dirty bit) must come back as zeros, not as the
# parent's data.
subdir hz
prog_start hugezero
log "hugezero: $(cat ready) ($(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null))"
# without a huge page to drop, this part would prove nothing
[ "$(kv ready huge_kb)" -gt 0 ] || fail "hugezero got no transparent huge page: $(cat ready)"
ckpt --track -o base.img "$PROG_PID" 2>ckpt.err || fail "ckpt --track of hugezero: $(cat ckpt.err)"
touch step
wait_for 30 test -e stepped || fail "hugezero did not drop its huge page: $(cat p.err)"
ckpt --parent base.img --kill -o inc.img "$PROG_PID" 2>ckpt.err ||
	fail "ckpt --parent of hugezero: $(cat ckpt.err)"
wait "$PROG_PID"
prog_restart restart -v --wait inc.img
prog_finish

# Pages written after the parent, then merged by KSM (whose new entries
# lose the soft-dirty bit): restored with what was written, not the
# parent's.
subdir ksm
echo 1000 >/sys/kernel/mm/ksm/pages_to_scan && echo 0 >/sys/kernel/mm/ksm/sleep_millisecs &&
	echo 1 >/sys/kernel/mm/ksm/run || fail "cannot start ksmd"
prog_start ksmpages
ckpt --track -o base.img "$PROG_PID" 2>ckpt.err || fail "ckpt --track of ksmpages: $(cat ckpt.err)"
touch step
wait_for 90 test -e stepped || fail "ksmpages did not step: $(cat p.err)"
echo 0 >/sys/kernel/mm/ksm/run
[ "$(kv stepped sharing)" -gt 0 ] || fail "ksmd merged no page: $(cat stepped)"
ckpt --parent base.img --kill -o inc.img "$PROG_PID" 2>ckpt.err ||
	fail "ckpt --parent of ksmpages: $(cat ckpt.err)"
wait "$PROG_PID"
prog_restart restart -v --wait inc.img
prog_finish
pass "$sizes; a dropped huge page came back as zeros, KSM-merged pages as written ($(cat stepped))"
