#!/bin/sh
# 39-sysv-shm: SysV shared memory segments attached by a process and by a
# tree.  One process with a keyed segment attached twice (read-write and
# read-only) and a removed (IPC_RMID) one still attached: checkpointed,
# killed, the keyed segment removed too, restarted: both segments are
# made again from the image with their ids, keys, sizes and modes, the
# removed one removed again, attached at the same addresses, one memory
# for the two attachments, contents as written (sysvshm.c checks).  The
# same image again while another segment holds the id: refused with
# EEXIST naming the id, nothing restored.  A parent and child sharing a
# segment: same shmid after restart, and they still talk through it.
# A SYSVDATA record reaching past its segment: refused (EBADMSG, the
# record named) by restart reading a file and by the module reading a
# stream.
# timeout: 240
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out ckpt.err restart.err show.out"

# ---- one process ----
mkdir one && cd one || fail "mkdir"
sysvshm one "$TESTDIR/one" </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "sysvshm one did not start: $(cat p.err)"
id=$(kv ready shmid)
priv=$(kv ready priv)
addr=$(kv ready addr)
ro=$(kv ready ro)
paddr=$(kv ready paddr)
prog_checkpoint
grep -q "SysV segment $id key .* mode 0640 .* size 12388\$" show.out ||
	fail "no SYSVSHM record for segment $id in the image"
grep -q "SysV segment $priv key 0x00000000 mode 0600 .* size 8192 removed" show.out ||
	fail "no SYSVSHM record for the removed segment $priv"
[ "$(grep -c '^  0x[0-9a-f]*-0x[0-9a-f]* r[-w][-x] sysv-shm' show.out)" -eq 3 ] ||
	fail "not 3 sysv-shm mappings in the image"
grep -q "SysV segment $id: .* bytes at offset 0" show.out ||
	fail "no SYSVDATA for segment $id"
# the kernel freed the removed one with its last attachment; the keyed
# one outlives the process: remove it, the image must bring it back
sysvshm rm "$id" || fail "cannot remove segment $id"
cp img img.again

prog_restart restart -v --wait img
for a in "$addr" "$ro" "$paddr"; do
	grep -q "^${a#0x}-.* /SYSV" "/proc/$PROG_PID/maps" ||
		fail "no SysV mapping at $a after restart: $(grep SYSV /proc/$PROG_PID/maps | tr '\n' '|')"
done
prog_finish
log "one process: ok"

# ---- the id taken by another segment: refused ----
# (the segment outlived the restored process: remove it first)
sysvshm rm "$id" || fail "segment $id is not there after the restored process ended"
sysvshm squat "$id" || fail "cannot make a segment with id $id"
restart --wait img.again </dev/null >restart2.out 2>restart2.err
st=$?
sysvshm rm "$id"
[ "$st" -ne 0 ] || fail "restart succeeded with segment id $id taken"
e=$(expect_err EEXIST restart2.err)
grep -q "id $id is taken by another segment" restart2.err ||
	fail "the refusal does not name segment $id: $(cat restart2.err)"
proc_gone "$PROG_PID" || fail "pid $PROG_PID was restored anyway"
log "collision: refused with $e"

# ---- corrupt SysV records: refused by restart and by the module ----
# a SYSVDATA record reaching past its segment (CRC fixed): restart reads
# the file first and refuses it; streamed, the module refuses it
o=$(imgedit walk img.again | awk '$2 == "SYSVDATA" { print $1; exit }')
[ -n "$o" ] || fail "imgedit finds no SYSVDATA record"
cp img.again bad.img
imgedit set bad.img $((o + 16 + 8)) 8 1048576 || fail "imgedit set"
restart --wait bad.img </dev/null >bad1.out 2>bad1.err &&
	fail "restart took a SYSVDATA record past its segment"
expect_err EBADMSG bad1.err >/dev/null
grep -q "SYSVDATA" bad1.err || fail "the refusal does not name the record: $(cat bad1.err)"
cat bad.img | restart --wait >bad2.out 2>bad2.err &&
	fail "a streamed restore took a SYSVDATA record past its segment"
expect_err EBADMSG bad2.err >/dev/null
grep -q "SYSVDATA" bad2.err || fail "the module's refusal does not name the record: $(cat bad2.err)"
proc_gone "$PROG_PID" || fail "pid $PROG_PID was restored from a corrupt image"
log "corrupt SYSVDATA: refused by restart and by the module"
cd .. || fail "cd"

# ---- a tree ----
mkdir tree && cd tree || fail "mkdir"
sysvshm tree "$TESTDIR/tree" </dev/null >p.out 2>p.err &
PROG_PID=$!
track "$PROG_PID"
wait_for 30 test -e ready || fail "sysvshm tree did not start: $(cat p.err)"
id=$(kv ready shmid)
child=$(kv ready child)
track "$child"
ckpt --tree --kill -o img "$PROG_PID" 2>ckpt.err ||
	fail "ckpt --tree --kill failed: $(cat ckpt.err)"
wait "$PROG_PID"
expect_gone "$child" "after ckpt --tree --kill"
ckpt show img >show.out 2>&1 || fail "ckpt show rejects the tree image"
[ "$(grep -c "^  SysV segment $id key" show.out)" -eq 1 ] ||
	fail "segment $id not saved exactly once in the tree image"
sysvshm rm "$id" || fail "cannot remove segment $id"
prog_restart
wait_for 10 proc_alive "$child" || fail "the child $child did not come back"
grep -q "/SYSV" "/proc/$child/maps" || fail "the child has no SysV mapping"
prog_finish
sysvshm rm "$id" 2>/dev/null
pass
