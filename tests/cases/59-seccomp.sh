#!/bin/sh
# 59-seccomp: seccomp survives a restart.  Filters: a process with
# no_new_privs and filters that differ between its two threads (main A+C,
# thread A+B, A with SECCOMP_FILTER_FLAG_LOG) comes back with each
# thread's chain (Seccomp_filters, and the errno each filter gives) and
# its TIDs.  Strict mode: a process in SECCOMP_MODE_STRICT blocked in
# read() resumes it, echoes, and is still killed by a forbidden call.
# Refusals: a checkpointer without CAP_SYS_ADMIN cannot read filters
# (EPERM, the process runs on); an image with a broken filter program or
# a gap in a chain is rejected (EBADMSG) before anything runs; a restorer
# without CAP_SYS_ADMIN (uid 1000 with CAP_CHECKPOINT_RESTORE) restores
# its own image, but not one whose filtered second thread lacks
# no_new_privs (EPERM: no_new_privs is per thread).
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

# --- filters, per thread ---
seccomper filter "$TESTDIR" </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "seccomper did not start: $(cat p.err)"
prog_checkpoint
n=$(grep -c 'seccomp filter' show.out)
[ "$n" = 4 ] || fail "ckpt show lists $n seccomp filters, expected 4 (A+C, A+B)"
grep -q 'seccomp filter 0, 7 instructions, SECCOMP_FILTER_FLAG_LOG' show.out ||
	fail "filter A's LOG flag is not in the image"
cp img good.img
prog_restart
prog_finish
log "$(cat p.out)"

# --- broken images: refused before anything runs ---
seccomp_at=$(imgedit walk good.img | awk '$2 == "SECCOMP" { print $1; exit }')
[ -n "$seccomp_at" ] || fail "no SECCOMP record in the image"
# payload: tid mode index flags len reserved (4 bytes each), then the program
try_bad() {
	cp good.img bad.img
	imgedit set bad.img "$1" "$2" "$3" || fail "imgedit set $*"
	restart bad.img </dev/null >bad.out 2>bad.err && fail "$4: restart accepted it"
	e=$(expect_err EBADMSG bad.err)
	log "$4: $e $(head -n 1 bad.err)"
}
try_bad $((seccomp_at + 16 + 24)) 2 65535 "a filter with an invalid instruction"
try_bad $((seccomp_at + 16 + 8)) 4 3 "a chain starting at filter 3"
try_bad $((seccomp_at + 16 + 4)) 4 7 "seccomp mode 7"

# --- strict mode ---
rm -rf s && mkdir s
seccomper strict "$TESTDIR/s" </dev/null >s.out 2>s.err &
spid=$!
track "$spid"
wait_for 30 test -e s/ready || fail "seccomper strict did not start: $(cat s.err)"
printf a >s/in
wait_for 10 grep -q "got a" s/out || fail "no echo before the checkpoint"
ckpt --kill -o s.img "$spid" 2>ckpt.err || fail "ckpt of a strict-mode process: $(cat ckpt.err)"
wait "$spid"
ckpt show s.img | grep -q 'seccomp strict mode' || fail "strict mode not in the image"
restart -v --wait s.img </dev/null >sr.out 2>sr.err &
rpid=$!
track "$rpid"
wait_for 30 proc_alive "$spid" || fail "strict process not back: $(cat sr.err)"
# The PID exists from clone3 on; strict mode is the restore's last step.
wait_for 30 grep -q "restored pid $spid" sr.err ||
	fail "restart never said pid $spid was restored: $(cat sr.err)"
mode=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$spid/status")
[ "$mode" = 1 ] || fail "Seccomp: $mode after the restart, expected 1 (strict)"
printf b >s/in
wait_for 10 grep -q "got b" s/out || fail "no echo after the restart"
printf k >s/in
wait "$rpid"
st=$?
grep -q "got k" s/out && fail "getppid() was allowed: strict mode was not restored"
[ "$st" -ne 0 ] || fail "restart --wait says the strict process exited 0 after getppid()"

# --- a checkpointer without CAP_SYS_ADMIN ---
[ "$(id -u)" = 0 ] || skip "not root"
rm -rf u && mkdir u && chmod 777 u
runas 1000 1000 seccomper filter "$TESTDIR/u" </dev/null >u.out 2>u.err &
upid=$!
track "$upid"
wait_for 30 test -e u/ready || fail "seccomper as user 1000 did not start: $(cat u.err)"
runas 1000 1000 ckpt -o /dev/null "$upid" 2>u-ckpt.err && fail "user 1000 read seccomp filters"
expect_err EPERM u-ckpt.err >/dev/null
grep -q "seccomp filters" u-ckpt.err || fail "the message does not name seccomp: $(cat u-ckpt.err)"
[ "$(proc_state "$upid")" = S ] || fail "after the refusal, the process is in state $(proc_state "$upid")"
touch u/go
wait "$upid" || fail "the process checked after the refused checkpoint failed: $(cat u.err)"

# --- a restorer without CAP_SYS_ADMIN (uid 1000, CAP_CHECKPOINT_RESTORE) ---
# no_new_privs is per thread: an image whose second thread has a filter
# but not no_new_privs (forged) needs CAP_SYS_ADMIN, as seccomp() would.
rm -rf v && mkdir v && chmod 777 v
: >v.out && : >v.err && chmod 666 v.out v.err
runas 1000 1000 seccomper filter "$TESTDIR/v" </dev/null >v.out 2>v.err &
vpid=$!
track "$vpid"
wait_for 30 test -e v/ready || fail "seccomper as user 1000 did not start: $(cat v.err)"
ckpt --kill -o v.img "$vpid" 2>v-ckpt.err || fail "root's ckpt of user 1000's seccomper: $(cat v-ckpt.err)"
wait "$vpid"
chmod 644 v.img
thr=$(imgedit walk v.img | awk '$2 == "THREAD" { print $1; exit }')
[ -n "$thr" ] || fail "no THREAD record in user 1000's image"
cp v.img vbad.img
imgedit set vbad.img $((thr + 16 + 4)) 4 0 || fail "imgedit set"
capkeep 1000 1000 40 restart vbad.img </dev/null >vbad.out 2>vbad.err &&
	fail "a thread with a filter and without no_new_privs was restored without CAP_SYS_ADMIN"
expect_err EPERM vbad.err >/dev/null
proc_gone "$vpid" || fail "pid $vpid exists after the refused restore"
capkeep 1000 1000 40 restart --wait v.img </dev/null >vr.out 2>vr.err &
rpid=$!
track "$vpid" "$rpid"
wait_for 30 proc_alive "$vpid" || fail "user 1000 could not restore its own image: $(cat vr.err)"
touch v/go
wait "$rpid" || fail "user 1000's restored seccomper failed: $(cat v.err) $(cat vr.err)"
grep -q "all checks passed" v.out || fail "user 1000's restored seccomper did not pass: $(cat v.out)"
pass
