#!/bin/sh
# 21-err-eperm: an unprivileged user (uid 1000) may not checkpoint a root
# process: exit 1, one line naming EPERM, and the target keeps running
# (not stopped, not killed, even with --kill).  The same user may
# checkpoint its own process (positive control).
# A deleted file's contents go into the image: uid 1000 may not save those
# of a file it holds only write-only and may not read (mode 0200): EACCES,
# the process runs on; root may (it can read any file).
# A restore prepared by root and handed to a process of uid 1000 (the
# descriptor inherited): RESTORE_TASK and RESTORE_THREAD refuse it with
# EPERM (root's checks do not hold for it) and change nothing: a process
# with root's credentials then gets past that check (ESRCH: not the
# image's PID).
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="err err2 uerr"

spin </dev/null >/dev/null 2>&1 &
rootpid=$!
track "$rootpid"
wait_for 10 proc_alive "$rootpid" || fail "spin did not start"

runas 1000 1000 ckpt "$rootpid" >img 2>err
st=$?
[ "$st" -eq 1 ] || fail "uid 1000 checkpointing root's pid $rootpid exited $st, expected 1"
expect_err EPERM err >/dev/null
runas 1000 1000 ckpt --kill "$rootpid" >img2 2>err2
st=$?
[ "$st" -eq 1 ] || fail "uid 1000 'ckpt --kill' of root's pid exited $st, expected 1"
expect_err EPERM err2 >/dev/null
sleep 0.5
st=$(proc_state "$rootpid")
case "$st" in
R|S) ;;
*) fail "root's process is in state '$st' after the refused checkpoints, expected running" ;;
esac

# positive control: uid 1000 checkpoints its own process
runas 1000 1000 spin </dev/null >/dev/null 2>&1 &
upid=$!
track "$upid"
runs_as_user() {
	grep -qE '^Uid:[[:space:]]+1000[[:space:]]' "/proc/$1/status" 2>/dev/null &&
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = spin ]
}
wait_for 10 runs_as_user "$upid" || fail "user spin is not running as uid 1000"
runas 1000 1000 ckpt "$upid" >uimg 2>uerr
st=$?
[ "$st" -eq 0 ] || fail "uid 1000 could not checkpoint its own process (exit $st): $(cat uerr)"
ckpt show uimg >/dev/null 2>ushow.err || fail "ckpt show rejects the user's image: $(cat ushow.err)"
proc_alive "$upid" || fail "user's process died after a default (leave running) checkpoint"

mkdir -m 777 wo
runas 1000 1000 sh -c 'cd wo && exec 3>secret && echo hidden >&3 &&
	chmod 200 secret && rm secret && exec spin -k' </dev/null >/dev/null 2>&1 &
wpid=$!
track "$wpid"
wait_for 10 runs_as_user "$wpid" || fail "user spin with a write-only deleted file is not running"
ls -l "/proc/$wpid/fd/3" | grep -q "(deleted)" || fail "fd 3 of pid $wpid is not the deleted file"
runas 1000 1000 ckpt "$wpid" >wimg 2>werr
st=$?
[ "$st" -eq 1 ] || fail "uid 1000 saved the contents of a deleted file it may not read (exit $st)"
expect_err EACCES werr >/dev/null
grep -q "fd 3" werr || fail "the refusal does not name fd 3: $(cat werr)"
proc_alive "$wpid" || fail "the refused process died"
ckpt "$wpid" >rimg 2>rerr || fail "root could not checkpoint it: $(cat rerr)"
ckpt show rimg | grep -q "deleted" || fail "root's image has no deleted file"

handoff uimg 1000 1000 >handoff.out 2>handoff.err ||
	fail "handoff could not run: $(cat handoff.err)"
grep -qx "user_task=EPERM user_thread=EPERM own_task=ESRCH" handoff.out ||
	fail "a restore prepared by root, run by uid 1000: $(cat handoff.out)"
pass
