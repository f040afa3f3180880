#!/bin/sh
# 102-compress: 'ckpt --compress' (zstd) images.  A statekeeper is
# checkpointed compressed onto a filesystem too small for its image: ckpt
# fails with ENOSPC, leaves no file, and the process runs on (with --kill,
# not killed; with --stop, not stopped), also when the failure comes
# after the module is done (a small sleeper's image, whole in the pipe).
# With --stop it is stopped once its image is out (and shows).  Then
# compressed with --kill to a file: a zstd frame smaller than the plain
# image of the same process, that 'ckpt show' decodes; a copy with a byte
# changed and one cut short are refused by restart (EBADMSG, nothing
# restored); the image restores with the PID, the counter and log
# continue, and through a pipe again ('ckpt --compress=3 --kill |
# restart') before its final self-check.  A tree of four compressed with
# --kill: all four gone once ckpt is done, all back with their PIDs from
# the compressed image, their own checks passing.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err restart.err show.out p.err"

sk_start sk
pid=$SK_PID
sk_wait_counter sk 5
ckpt -o plain.img "$pid" 2>ckpt.err || fail "plain checkpoint failed: $(cat ckpt.err)"
plain=$(wc -c <plain.img)

# A filesystem too small for the compressed image: nothing lost.
mkdir small
mount -t tmpfs -o size=4k ckpt-small small || fail "cannot mount a small tmpfs"
for how in --kill --stop; do
	c=$(sk_counter sk)
	ckpt --compress "$how" -o small/img "$pid" 2>full.err
	st=$?
	[ "$st" = 1 ] || fail "ckpt --compress $how onto a full filesystem exited $st, expected 1: $(cat full.err)"
	expect_err ENOSPC full.err >/dev/null
	grep -q "writing the compressed image failed" full.err ||
		fail "ckpt --compress $how: $(cat full.err)"
	[ ! -e small/img ] || fail "ckpt --compress $how left a partial image"
	proc_alive "$pid" || fail "ckpt --compress $how onto a full filesystem killed the process"
	[ "$(proc_state "$pid")" != T ] ||
		fail "ckpt --compress --stop onto a full filesystem left the process stopped"
	sk_wait_counter sk $((c + 3))
	sk_check_status sk "$pid"
	log "$how onto a full filesystem: $(head -n 1 full.err)"
done
# --stop: stopped once the image is out, not before.
ckpt --compress --stop -o stop.img "$pid" 2>ckpt.err || fail "ckpt --compress --stop failed: $(cat ckpt.err)"
stopped() { [ "$(proc_state "$pid")" = T ]; }
wait_for 10 stopped ||
	fail "ckpt --compress --stop did not leave the process stopped ($(proc_state "$pid"))"
c=$(sk_counter sk)
sleep 0.5
[ "$(sk_counter sk)" = "$c" ] || fail "the process ran on after ckpt --compress --stop"
kill -CONT "$pid"
sk_wait_counter sk $((c + 2))
ckpt show stop.img >stop.out 2>&1 || fail "ckpt show rejects the --stop image: $(tail -n 2 stop.out)"

# A small image, whole in the pipe before the compressor writes a byte:
# the failure comes after the module is done, and --kill must not kill.
sleeper 1000 sleeper.out </dev/null >sleeper.err 2>&1 &
spid=$!
track "$spid"
wait_for 10 test -s sleeper.out || fail "sleeper did not start"
ckpt -o small.plain "$spid" 2>ckpt.err || fail "plain checkpoint of sleeper failed: $(cat ckpt.err)"
ckpt --compress --kill -o small/img "$spid" 2>full.err
st=$?
[ "$st" = 1 ] || fail "ckpt --compress --kill of sleeper onto a full filesystem exited $st, expected 1: $(cat full.err)"
expect_err ENOSPC full.err >/dev/null
[ ! -e small/img ] || fail "ckpt --compress --kill of sleeper left a partial image"
sleep 0.2
proc_alive "$spid" || fail "ckpt --compress --kill of sleeper onto a full filesystem killed it"
[ "$(proc_state "$spid")" != T ] || fail "sleeper was left stopped"
kill "$spid"
log "sleeper ($(wc -c <small.plain) bytes plain) onto a full filesystem: $(head -n 1 full.err)"
umount small

ckpt --compress -v --kill -o img "$pid" 2>ckpt.err || fail "ckpt --compress --kill failed: $(cat ckpt.err)"
wait "$pid"
st=$?
[ "$st" -eq 137 ] || fail "the checkpointed statekeeper exited with $st, expected 137 (SIGKILL)"
c0=$(sk_counter sk)
n0=$(wc -l <sk/log)
magic=$(head -c 4 img | od -An -tx1 | tr -d ' \n')
[ "$magic" = 28b52ffd ] || fail "the image does not start with zstd's magic: $magic"
size=$(wc -c <img)
[ "$size" -lt "$plain" ] || fail "the compressed image ($size bytes) is not smaller than the plain one ($plain)"
grep -q "compressed to $size (zstd 1)" ckpt.err || fail "ckpt -v does not say what it compressed to: $(cat ckpt.err)"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the compressed image"
grep -q "^@[0-9]* TASK" show.out && grep -q "pid $pid" show.out ||
	fail "ckpt show of the compressed image has no TASK record of pid $pid"
log "compressed: $size bytes, plain $plain"

# Damaged or cut short: refused, nothing restored.
cp img bad.img
printf '\377' | dd of=bad.img bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
head -c $((size / 2)) img >short.img
for b in bad short; do
	restart "$b.img" </dev/null >"$b.out" 2>"$b.err"
	st=$?
	[ "$st" = 1 ] || fail "restart of the $b compressed image exited $st, expected 1: $(cat "$b.err")"
	expect_err EBADMSG "$b.err" >/dev/null
	grep -q "the compressed image is" "$b.err" || fail "restart of the $b image: $(cat "$b.err")"
	expect_gone "$pid" "restart of the $b compressed image"
	log "$b: $(head -n 1 "$b.err")"
done
grep -q "cut short" short.err || fail "restart of the short image: $(cat short.err)"

restart --wait img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$pid" "$rpid"
sk_wait_counter sk $((c0 + 1))
sk_check_status sk "$pid"
[ "$(proc_field "$pid" 4)" = "$rpid" ] || fail "the restored process's parent is not restart"
sk_wait_counter sk $((c0 + 5))
sk_check_log sk
[ "$(wc -l <sk/log)" -gt "$n0" ] || fail "the log did not grow after the restore"

# Through a pipe, compressed at level 3.
c1=$(sk_counter sk)
{ ckpt --compress=3 --kill "$pid" 2>ckpt2.err; echo $? >ckpt2.rc; } |
	restart --wait >restart2.out 2>restart2.err &
rpid2=$!
track "$pid" "$rpid2"
wait_for 60 test -s ckpt2.rc || fail "ckpt --compress=3 did not finish"
[ "$(cat ckpt2.rc)" = 0 ] || fail "ckpt --compress=3 --kill exited $(cat ckpt2.rc): $(cat ckpt2.err)"
wait "$rpid"
sk_wait_counter sk $((c1 + 5))
sk_check_status sk "$pid"
sk_check_log sk
sk_finish sk "$rpid2" "$c1"
sk_check_log sk
sk_check_ymm sk
expect_gone "$pid" "after the final check"

# A tree, compressed and killed: every process goes, every one comes back.
subdir t
tree_start tree "R A B C" "ppid pgid sid"
ckpt --tree --compress --kill -o img "$root" 2>ckpt.err ||
	fail "ckpt --tree --compress --kill failed: $(cat ckpt.err)"
wait "$root"
for p in $members; do
	expect_gone "$p" "after ckpt --tree --compress --kill"
done
[ "$(head -c 4 img | od -An -tx1 | tr -d ' \n')" = 28b52ffd ] ||
	fail "the tree's image is not compressed"
prog_restart
for n in R A B C; do
	eval "p=\$pid_$n pg=\$pgid_$n"
	wait_for 10 proc_alive "$p" || fail "process $n ($p) did not come back"
	[ "$(proc_field "$p" 5)" = "$pg" ] ||
		fail "process $n ($p): process group $(proc_field "$p" 5), was $pg"
done
prog_finish
pass "counter $c0 -> $c1 -> done; image $size bytes of $plain"
