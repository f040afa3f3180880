#!/bin/sh
# 95-sysv-ipcns: a tree with IPC and UTS namespaces of its own (a semaphore set,
# a message queue with four messages queued, a shared memory segment; the
# child blocked in semop()), checkpointed with 'ckpt --tree --kill' and
# restarted: the processes are in new IPC and UTS namespaces (not ours,
# whose host name stays), the root has its host and domain names there
# (ckpt show names them), and checks there (sysvns.c) that the objects
# have their ids, keys and
# modes, the semaphore values, every message with its type and text in
# queue order, the segment's contents; the child's semop() goes on and
# wakes when the root raises the semaphore.  Before that a checkpoint
# without --kill holds them while their namespace is read, unseen: a
# SIGCONT would fail them.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

prog_start sysvns
root=$PROG_PID
child=$(kv ready child)
semid=$(kv ready semid)
msqid=$(kv ready msqid)
track "$child"
mine=$(readlink /proc/self/ns/ipc)
[ "$(readlink /proc/$root/ns/ipc)" != "$mine" ] ||
	fail "sysvns did not get an IPC namespace of its own"
myuts=$(readlink /proc/self/ns/uts)
myhost=$(hostname)
[ "$(readlink /proc/$root/ns/uts)" != "$myuts" ] && [ "$myhost" != sysvns-uts ] ||
	fail "sysvns did not get a UTS namespace of its own"

# a checkpoint that leaves them running: they are held while their
# namespace is read, not stopped (each fails on a SIGCONT)
ckpt --tree -o img0 "$root" 2>ckpt0.err || fail "ckpt --tree failed: $(cat ckpt0.err)"
proc_alive "$root" && proc_alive "$child" || fail "the tree did not survive a plain checkpoint"
ckpt -v --tree --kill -o img "$root" 2>ckpt.err ||
	fail "ckpt --tree --kill failed: $(cat ckpt.err)"
wait "$root"
expect_gone "$child" "after ckpt --tree --kill"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
grep -q "own IPC namespace" show.out || fail "the image does not say it had its own IPC namespace"
grep -q "own UTS namespace" show.out &&
	grep -q "UTS namespace: host name 'sysvns-uts', domain name 'ckpt.example'" show.out ||
	fail "ckpt show does not have the tree's UTS namespace and its names"
grep -q "SysV semaphore set $semid key 0x5e3a0001 mode 0640 .*: 3 values 3 0 42" show.out ||
	fail "no SYSVSEM record with 3 0 42 for set $semid"
grep -q "SysV message queue $msqid key 0x5e3a0002 mode 0620 .*: 4 messages" show.out ||
	fail "no SYSVMSG record with 4 messages for queue $msqid"
grep -q "message 1: type 7, 300 bytes" show.out || fail "message 1 is not type 7, 300 bytes"
grep -q "SysV segment [0-9]* key 0x5e3a0003" show.out || fail "no SYSVSHM record for the segment"

prog_restart restart -v --wait img
wait_for 10 proc_alive "$child" || fail "the child $child did not come back"
ns=$(readlink /proc/$root/ns/ipc)
[ "$ns" != "$mine" ] || fail "the tree was restored into our IPC namespace"
[ "$(readlink /proc/$child/ns/ipc)" = "$ns" ] || fail "the child is not in the root's IPC namespace"
uts=$(readlink /proc/$root/ns/uts)
[ "$uts" != "$myuts" ] && [ "$(readlink /proc/$child/ns/uts)" = "$uts" ] ||
	fail "the tree was restored into our UTS namespace, or the child not into the root's"
[ "$(hostname)" = "$myhost" ] || fail "our host name is now $(hostname), was $myhost"
grep -q "restoring .* in a new UTS namespace, host name 'sysvns-uts'" restart.err ||
	fail "restart -v does not say it made a UTS namespace: $(cat restart.err)"
grep -q "5e3a0001\|1580859393" /proc/sysvipc/sem &&
	fail "the semaphore set was made in our IPC namespace"
prog_finish
pass
