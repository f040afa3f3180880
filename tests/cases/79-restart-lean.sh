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
#    so does it from a ramfs (workers only for an image in shared memory),
#    under "taskset 1" (workers only on the task's CPUs), under
#    MPOL_BIND (workers only for a task whose pages no policy places)
#    and from a cgroup with the cpu controller and cpu.max (a worker's
#    CPU time would escape it), where its checkpoint hashes nothing
#    aside either;
#    24 MiB of a private file mapping is filled on 1 CPU (its pages are
#    read from the file first, which could hang a worker);
#    a bit flipped in the page data of the 20th record of 1 MiB fails the
#    restore on 2 CPUs with EBADMSG, and no process is left; its huge
#    pages come back as huge pages (left to the fault path).  Its
#    checkpoint hashed each of its records of 64 KiB or more (and only
#    those) on another CPU while writing them (module/image.c); one to an
#    O_APPEND descriptor hashed none that way and restores.
#  - Private anonymous memory is filled with pages mapped once filled
#    (module/fresh.c): see "Fresh pages" below.
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
want="main|opened|RESTORE_PREPARE|UTS and System V IPC|child's pipe and args|/proc/self/maps read|child planned|clocks|clone3|child's pipe closed|RESTORE_WAIT"
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
	echo 1 >$P/fill_fresh
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
thp0=$(sed -n 's/^AnonHugePages:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$PROG_PID/smaps_rollup)
klines=$(dmesg | wc -l)
prog_checkpoint
cp img img.keep
# aside_log: how many PAGES records the checkpoint logged since $klines
# as hashed on another CPU while written (module/image.c), or 0.
aside_log() {
	dmesg | tail -n +$((klines + 1)) |
		sed -n 's/.*checkpoint pid [0-9]*: \([0-9]*\) PAGES records hashed on another CPU/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
# Every record of 64 KiB (16 pages) or more, and none smaller: the 1 MiB
# ones and mapfill's read-only 16 pages at least.
imgedit walk img.keep >walk.out 2>&1 || fail "imgedit walk: $(tail -n 3 walk.out)"
big=$(awk '$2 == "PAGES" && $3 >= 16 + 16 * 4096' walk.out | wc -l)
mid=$(awk '$2 == "PAGES" && $3 >= 16 + 16 * 4096 && $3 < 16 + 256 * 4096' walk.out | wc -l)
aside=$(aside_log)
[ "$big" -ge 21 ] && [ "$mid" -ge 1 ] ||
	fail "the 24 MiB image has $big PAGES records of 64 KiB or more, $mid of them under 1 MiB"
[ "$aside" = "$big" ] ||
	fail "$aside PAGES records of the 24 MiB checkpoint hashed on another CPU, expected $big (those of 64 KiB or more)"
# fill_log CPUS...: the kernel log since $klines says this restore's
# batches of page data went on these numbers of CPUs (sorted, each once;
# a last batch under fill_min_kb goes on 1).
pages_logged() {
	dmesg | tail -n +$((klines + 1)) | grep -q "restore pid $PROG_PID: ckpt_restore_pages "
}
fill_log() {
	wait_for 60 pages_logged || fail "no ckpt_restore_pages line in the kernel log"
	dmesg | tail -n +$((klines + 1)) | grep "restore pid $PROG_PID: .* PAGES records" >batches.out
	sed -n "s/.* PAGES records, [0-9]* KiB ([0-9]* KiB mapped fresh), \([0-9]*\) CPUs.*/\1/p" batches.out |
		sort -u | tr '\n' ' ' >cpus.out
	[ "$(cat cpus.out)" = "$* " ] ||
		fail "expected page batches on $* CPUs, the log says: $(tr '\n' '|' <batches.out)"
}
klines=$(dmesg | wc -l)
rm -f ready
prog_restart
fill_log 1 2
# Memory where a fault takes a huge page is left to the fault path.
thp1=$(sed -n 's/^AnonHugePages:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$PROG_PID/smaps_rollup)
[ "${thp0:-0}" -ge 2048 ] ||
	fail "24 MiB of mapfill has ${thp0:-no} KiB in huge pages before its checkpoint ($(cat /sys/kernel/mm/transparent_hugepage/enabled)): this case needs some"
[ "${thp1:-0}" -ge 2048 ] ||
	fail "24 MiB of mapfill had $thp0 KiB in huge pages, restored ${thp1:-no} KiB"
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
# Nor for a task whose memory policy places its pages (a worker would
# allocate with its own): the image restored under MPOL_BIND to node 0.
cp img.keep img
rm -f ready go again
: >p.out
klines=$(dmesg | wc -l)
prog_restart mempolicy bind 0 restart --wait img
fill_log 1
prog_finish
grep -q "all checks passed (24576 KiB)" p.out ||
	fail "mapfill did not report its 24 MiB checked after the restore under MPOL_BIND: $(cat p.out)"
# Nor for a task in a cgroup of its own in the CPU controller (a
# worker's CPU time is charged to the root, escaping the cgroup's
# cpu.max): the image restored from such a cgroup is filled on 1 CPU,
# and the process, checkpointed again from it, has nothing hashed aside.
# The other way round (the root), both use another CPU, as above.
cg=/sys/fs/cgroup/ckpt79
cg_off() {
	for _p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$_p" 2>/dev/null; done
	rmdir "$cg" 2>/dev/null
	echo -cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
}
trap '_cleanup; cg_off' EXIT
echo +cpu >/sys/fs/cgroup/cgroup.subtree_control ||
	fail "cannot enable the cpu controller: $(cat /sys/fs/cgroup/cgroup.controllers)"
mkdir "$cg" || fail "cannot create $cg"
echo 50000 100000 >"$cg/cpu.max" || fail "cannot limit $cg to half a CPU"
# in_cg CMD...: CMD, in the cgroup.
in_cg() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
cp img.keep img
rm -f ready go again
: >p.out
klines=$(dmesg | wc -l)
prog_restart in_cg restart --wait img
fill_log 1
grep -qx "$PROG_PID" "$cg/cgroup.procs" || fail "pid $PROG_PID was not restored in $cg"
klines=$(dmesg | wc -l)
in_cg ckpt --kill -o img "$PROG_PID" 2>ckpt.err || fail "ckpt --kill in $cg failed: $(cat ckpt.err)"
wait "$RESTART_PID"
aside=$(aside_log)
[ "$aside" = 0 ] || fail "$aside PAGES records hashed aside for a checkpoint in $cg"
rm -f ready go again
klines=$(dmesg | wc -l)
prog_restart restart --wait img
fill_log 1 2
prog_finish
grep -q "all checks passed (24576 KiB)" p.out ||
	fail "mapfill did not report its 24 MiB checked after the restores in and out of $cg: $(cat p.out)"
cg_off
# alone_24m WHAT CMD...: a new 24 MiB mapfill started by CMD (its
# words before "mapfill"), checkpointed and restored: the page data
# filled on 1 CPU; then, after alone_24m_checks, it checks itself.
alone_24m() {
	what=$1
	shift
	rm -f ready go again img
	: >p.out
	"$@" mapfill "$TESTDIR" 24576 </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "mapfill 24576 ($what) did not start: $(cat p.err)"
	prog_checkpoint
	klines=$(dmesg | wc -l)
	prog_restart
	fill_log 1
	alone_24m_checks
	prog_finish
	grep -q "all checks passed (24576 KiB)" p.out ||
		fail "mapfill did not report its 24 MiB checked ($what): $(cat p.out)"
}
alone_24m_checks() {
	aff=$(taskset -p "$PROG_PID" | sed 's/.*: //')
	[ "$aff" = 1 ] || fail "restored with affinity mask $aff, expected 1"
}
alone_24m "pinned by taskset 1" taskset 1

# Nor for a private file mapping, whose pages are read from its file
# first (that read could hang a worker): 24 MiB of mapfill's data mapped
# privately from a file, restored alone.
alone_24m_checks() { :; }
alone_24m "a private file mapping" env MAPFILL_FILE="$TESTDIR/backing"
rm -f "$TESTDIR/backing"

# One bit flipped in the data of the 20th PAGES record of 1 MiB, which
# any of the two CPUs may fill.
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

# An image written to an O_APPEND descriptor is hashed in turn (a
# checksum written at its record's place would be appended instead).
rm -f ready go again
: >p.out
mapfill "$TESTDIR" 24576 </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "mapfill 24576 did not start again: $(cat p.err)"
: >img
klines=$(dmesg | wc -l)
ckpt --kill "$PROG_PID" >>img 2>ckpt.err || fail "ckpt --kill >>img failed: $(cat ckpt.err)"
wait "$PROG_PID"
aside=$(aside_log)
[ "$aside" = 0 ] || fail "$aside PAGES records hashed aside for an O_APPEND image"
prog_restart
prog_finish
grep -q "all checks passed (24576 KiB)" p.out ||
	fail "mapfill did not report its 24 MiB checked from an O_APPEND image: $(cat p.out)"

# Fresh pages (module/fresh.c): mapfill's 1 MiB, its holes and its
# read-only region, restored in a memory cgroup of its own with
# timing=1.  The log says at least 1024 KiB were mapped fresh; the
# process's anonymous RSS is what it was; the cgroup is charged with at
# least that; mapfill's checks pass (contents, still anonymous memory).
# With fill_fresh=0 the same image restores with nothing mapped fresh.
subdir fresh
[ -w $P/fill_fresh ] || fail "the module has no fill_fresh parameter"
rss_anon() {
	sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$PROG_PID/status
}
# fresh_kib: KiB mapped fresh for $PROG_PID, logged since $klines.
fresh_kib() {
	wait_for 60 pages_logged || fail "no ckpt_restore_pages line in the kernel log"
	dmesg | tail -n +$((klines + 1)) | grep "restore pid $PROG_PID: " |
		sed -n 's/.*[ (]\([0-9]*\) KiB mapped fresh.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
mapfill "$TESTDIR" 1024 </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "mapfill 1024 did not start: $(cat p.err)"
rss0=$(rss_anon)
prog_checkpoint
cp img img.keep
cg=/sys/fs/cgroup/ckpt-79-$$
mine=$(sed -n 's/^0:://p' /proc/self/cgroup)
grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control ||
	fail "cannot enable the memory controller"
mkdir "$cg" || fail "cannot make cgroup $cg"
rm -f ready
klines=$(dmesg | wc -l)
echo $$ >"$cg/cgroup.procs" || fail "cannot enter $cg"
prog_restart
echo $$ >"/sys/fs/cgroup$mine/cgroup.procs" || fail "cannot go back to $mine"
kib=$(fresh_kib)
[ "$kib" -ge 1024 ] || fail "$kib KiB mapped fresh, expected 1024 or more: $(dmesg | tail -n +$((klines + 1)) | grep "restore pid $PROG_PID: .*fresh" | tr '\n' '|')"
rss1=$(rss_anon)
[ "$rss1" -ge "$rss0" ] ||
	fail "RssAnon $rss1 kB after the restore, $rss0 kB before"
cgkib=$(($(sed -n 's/^anon //p' "$cg/memory.stat") / 1024))
[ "$cgkib" -ge "$rss1" ] ||
	fail "cgroup charged with $cgkib KiB of anonymous memory, the process has $rss1"
prog_finish
rmdir "$cg"
echo 0 >$P/fill_fresh
cp img.keep img
rm -f ready go
: >p.out
klines=$(dmesg | wc -l)
prog_restart
kib=$(fresh_kib)
[ "$kib" = 0 ] || fail "$kib KiB mapped fresh with fill_fresh=0"
prog_finish
echo 1 >$P/fill_fresh

# Two records for one page (a forged image: the 2nd of the holes'
# one-page records moved onto the 1st): the page is there already, so the
# second record's data is copied into it; the page it left reads zeros.
# mapfill's first failure is then holes page 0 holding page 2's words,
# not page 2 reading zeros.
imgedit walk img.keep >walk.out 2>&1 || fail "imgedit walk: $(tail -n 3 walk.out)"
# The holes: the first run of 8 one-page records, each 8 KiB after the last.
set -- $(grep " PAGES .* nr=1\$" walk.out | {
	run=0
	while read -r off _ _ a _; do
		addr=$((${a#addr=}))
		if [ "$run" -gt 0 ] && [ "$addr" = $((last + 8192)) ]; then
			run=$((run + 1))
		else
			run=1 first=$off firstaddr=$addr
		fi
		[ "$run" = 2 ] && second=$off
		last=$addr
		[ "$run" = 8 ] && { echo "$first $second $firstaddr"; break; }
	done
})
[ $# = 3 ] || fail "no run of 8 one-page PAGES records 8 KiB apart: $(grep PAGES walk.out | head -n 5 | tr '\n' '|')"
cp img.keep img
imgedit set img $(($2 + 16)) 8 "$3" || fail "imgedit set"
rm -f ready go
: >p.out
: >p.err
prog_restart
touch go
wait "$RESTART_PID"
grep -q "holes: word 0 is 0x" p.err ||
	fail "a page written by two records: expected the second's data in it, mapfill says: $(cat p.err)"
fill_defaults
pass "1 MiB, holes and a read-only region back twice, still anonymous memory; 11 timing marks in order; no time namespace on the same boot; 24 MiB filled on 2 CPUs and on 1 (fill_threads=1, ramfs, taskset, MPOL_BIND, a private file mapping), a bad page on 2 refused, huge pages kept, records hashed aside (none for O_APPEND); 1 MiB mapped fresh, in RssAnon and charged to the cgroup, none with fill_fresh=0; a page of two records holds the second's data"
