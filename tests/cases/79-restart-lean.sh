#!/bin/sh
# 79-restart-lean: what issue 7's restart work changed, checked.
#  - ckpt and restart are static executables at a fixed address (ELF
#    type EXEC, no interpreter): a PIE's text moves at every run and QEMU
#    TCG translates it again, most of a small restart's cost.
#  - A process with 1 MiB of anonymous memory, a region with every other
#    page never written and a read-only region (mapfill) is checkpointed
#    and restored with CKPT_TIMING=1: same PID; every word of its memory
#    as written, the unwritten pages zero, and still anonymous memory
#    (its own writes stick, a fork's writes stay the child's,
#    MADV_DONTNEED reads zeros again); restart's phases are printed after
#    the restore, all of them, in order, their times never going back.
#  - The restored process fills its memory anew and is checkpointed
#    again; the first image is deleted, the second restored with
#    --wait: the new contents come back, the program exits 0.
#  - restart skips its user-space parse of SysV records when a
#    one-process image has none (RESTORE_PREPARE says so,
#    CKPT_PREPARED_NO_SYSV): 39-sysv-shm and 97-sysv-ipc-named cover the
#    images that do (and fail if the module says none for them).
#  - A restore on the boot of its checkpoint makes no time namespace
#    (the clocks cannot have gone back): clocks, restored with -v, is in
#    restart's own time namespace and finds CLOCK_MONOTONIC, _RAW and
#    BOOTTIME where they were or later (tests/nodes/10-cross-boot has the
#    later boot, which does get one).
#  - A file image's page data is filled on several CPUs (module/fill.c):
#    24 MiB of mapfill, restored with fill_min_kb=1024 and timing=1, is
#    logged as batches on 2 CPUs and every word comes back; with
#    fill_threads=1 the same image is logged on 1 CPU and comes back too;
#    so does it from a ramfs (workers only for an image in shared memory)
#    and under "taskset 1" (workers only on the task's CPUs);
#    a bit flipped in the page data of the 20th record of 1 MiB fails the
#    restore on 2 CPUs with EBADMSG, and no process is left.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err ckpt2.err restart2.err"

# ELF type (bytes 16-17, little-endian) 2 = EXEC, no PT_INTERP.
for t in ckpt restart; do
	p=$(command -v $t) || fail "$t is not in PATH"
	type=$(od -An -tu2 -j16 -N2 "$p" | tr -d ' ')
	[ "$type" = 2 ] || fail "$p: ELF type $type, expected 2 (EXEC: static, fixed address)"
	if grep -q "/lib64/ld-linux-x86-64.so.2" "$p"; then
		fail "$p names the dynamic loader as its interpreter: not static"
	fi
done

mapfill "$TESTDIR" 1024 </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "mapfill did not start: $(cat p.err)"
[ "$(kv ready pid)" = "$PROG_PID" ] || fail "ready says $(cat ready), not pid $PROG_PID"
ckpt --kill -o img "$PROG_PID" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$PROG_PID"
rm -f ready
CKPT_TIMING=1 restart --wait img </dev/null >restart.out 2>restart.err &
RESTART_PID=$!
track "$RESTART_PID"
wait_for 30 proc_alive "$PROG_PID" ||
	fail "pid $PROG_PID did not come back: $(cat restart.err)"

# First check of the restored memory, then a new pattern and ready again.
ready_or_gone() {
	test -e ready || proc_gone "$PROG_PID"
}
touch again go
wait_for 60 ready_or_gone
test -e ready || fail "the restored process did not pass its checks: $(cat p.err)"
[ "$(kv ready pid)" = "$PROG_PID" ] || fail "after restart ready says $(cat ready)"
proc_alive "$PROG_PID" || fail "the restored process is gone: $(cat p.err)"

ckpt --kill -o img2 "$PROG_PID" 2>ckpt2.err ||
	fail "second ckpt --kill failed: $(cat ckpt2.err)"
wait "$RESTART_PID"
# restart --wait ends with the process's own end: SIGKILL from ckpt --kill.
st=$?
[ "$st" = 137 ] || fail "first restart --wait exited $st, expected 137 (SIGKILL)"

# The phases, printed once the restore is over: every mark, in order.
want="main|opened|RESTORE_PREPARE|System V IPC|child's pipe and args|/proc/self/maps read|child planned|clocks|clone3|child's pipe closed|RESTORE_WAIT"
got=$(sed -n 's/^restart: timing: +[0-9.]* ms //p' restart.err | tr '\n' '|')
[ "$got" = "$want|" ] || fail "timing marks: '$got', expected '$want|'"
sed -n 's/^restart: timing: +\([0-9.]*\) ms .*/\1/p' restart.err |
	awk 'NR > 1 && $1 < last { bad = 1 } { last = $1 } END { exit bad }' ||
	fail "timing marks go back in time: $(tr '\n' '|' <restart.err)"
[ "$(wc -l <restart.err)" = 11 ] ||
	fail "restart printed more than its timing: $(tr '\n' '|' <restart.err)"

# Generation 2 from the second image, the first one gone.
rm -f img go again
restart --wait img2 </dev/null >restart2.out 2>restart2.err &
RESTART_PID=$!
track "$RESTART_PID"
wait_for 30 proc_alive "$PROG_PID" ||
	fail "pid $PROG_PID did not come back from img2: $(cat restart2.err)"
touch go
wait "$RESTART_PID"
st=$?
[ "$st" = 0 ] || fail "the twice restored program exited with $st: $(cat p.err)"
grep -q "all checks passed (1024 KiB)" p.out || fail "it did not report success: $(cat p.out)"

# Same boot: no time namespace, no clock back.
subdir clk
prog_start clocks
prog_checkpoint
prog_restart
[ "$(readlink /proc/$PROG_PID/ns/time)" = "$(readlink /proc/self/ns/time)" ] ||
	fail "restored on the same boot in another time namespace: $(cat /proc/$PROG_PID/timens_offsets)"
grep -q "time namespace" restart.err &&
	fail "restart made a time namespace on the same boot: $(cat restart.err)"
prog_finish
cd ..
TESTDIR=$(pwd)

# Page data on several CPUs.  Parameters back to their defaults however
# the case ends.
P=/sys/module/ckpt/parameters
[ -w $P/fill_threads ] && [ -w $P/fill_min_kb ] ||
	fail "the module has no fill_threads/fill_min_kb parameters"
[ "$(nproc)" -ge 2 ] || fail "the guest has $(nproc) CPU; this case needs 2"
fill_defaults() {
	echo 0 >$P/fill_threads
	echo 4096 >$P/fill_min_kb
	echo 0 >$P/timing
}
trap 'fill_defaults; _cleanup' EXIT
echo 1024 >$P/fill_min_kb
echo 1 >$P/timing
subdir fill
mapfill "$TESTDIR" 24576 </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "mapfill 24576 did not start: $(cat p.err)"
touch again
prog_checkpoint
cp img img.keep
# fill_log CPUS...: the kernel log since $klines says this restore's
# batches of page data went on these numbers of CPUs (sorted, each once;
# a last batch under fill_min_kb goes on 1).
pages_logged() {
	dmesg | tail -n +$((klines + 1)) | grep -q "restore pid $PROG_PID: ckpt_restore_pages "
}
fill_log() {
	wait_for 60 pages_logged || fail "no ckpt_restore_pages line in the kernel log"
	dmesg | tail -n +$((klines + 1)) | grep "restore pid $PROG_PID: .* PAGES records" >batches.out
	sed -n "s/.* PAGES records, [0-9]* KiB, \([0-9]*\) CPUs.*/\1/p" batches.out |
		sort -u | tr '\n' ' ' >cpus.out
	[ "$(cat cpus.out)" = "$* " ] ||
		fail "expected page batches on $* CPUs, the log says: $(tr '\n' '|' <batches.out)"
}
klines=$(dmesg | wc -l)
rm -f ready
prog_restart
fill_log 1 2
touch go
wait_for 120 ready_or_gone
test -e ready || fail "24 MiB filled on 2 CPUs did not pass its checks: $(cat p.err)"
kill -9 "$PROG_PID"
wait "$RESTART_PID"

echo 1 >$P/fill_threads
cp img.keep img
rm -f ready go again
: >p.out
klines=$(dmesg | wc -l)
prog_restart
fill_log 1
prog_finish
grep -q "all checks passed (24576 KiB)" p.out ||
	fail "mapfill did not report its 24 MiB checked with fill_threads=1: $(cat p.out)"
echo 0 >$P/fill_threads

# Workers only where the task's limits hold and reads cannot hang: not
# for an image on ramfs (not shared memory), not beyond the CPUs the
# task may use (a process pinned to CPU 0 by taskset is restored pinned,
# from the start of its restore).
mkdir ram && mount -t ramfs none ram || fail "cannot mount a ramfs"
cp img.keep ram/img
rm -f ready go again
: >p.out
klines=$(dmesg | wc -l)
prog_restart restart --wait ram/img
fill_log 1
prog_finish
umount ram
rm -f ready go again img
: >p.out
taskset 1 mapfill "$TESTDIR" 24576 </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "taskset 1 mapfill 24576 did not start: $(cat p.err)"
prog_checkpoint
klines=$(dmesg | wc -l)
prog_restart
fill_log 1
aff=$(taskset -p "$PROG_PID" | sed 's/.*: //')
[ "$aff" = 1 ] || fail "restored with affinity mask $aff, expected 1"
prog_finish
grep -q "all checks passed (24576 KiB)" p.out ||
	fail "mapfill did not report its 24 MiB checked after the pinned restore: $(cat p.out)"

# One bit flipped in the data of the 20th PAGES record of 1 MiB, which
# any of the two CPUs may fill.
imgedit walk img.keep >walk.out 2>&1 || fail "imgedit walk: $(tail -n 3 walk.out)"
o20=$(awk '$2 == "PAGES" && $3 > 1048576 && ++i == 20 { print $1; exit }' walk.out)
[ -n "$o20" ] || fail "the 24 MiB image has fewer than 20 PAGES records of 1 MiB"
cp img.keep img
imgedit flip img $((o20 + 32 + 5000)) 1 || fail "imgedit flip"
restart img </dev/null >bad.out 2>bad.err
st=$?
[ "$st" = 1 ] || fail "restart of a flipped page exited $st, expected 1: $(cat bad.err)"
problem=$(err_problem EBADMSG bad.err)
[ -z "$problem" ] || fail "flipped page on 2 CPUs: restart: $problem"
expect_gone "$PROG_PID" "flipped page on 2 CPUs"
fill_defaults
pass "1 MiB, holes and a read-only region back twice, still anonymous memory; 11 timing marks in order; no time namespace on the same boot; 24 MiB filled on 2 CPUs and on 1 (fill_threads=1, ramfs, taskset), a bad page on 2 refused"
