#!/bin/sh
# 03-tree-vmshare-images: SHARES records naming an address space or
# signal handlers are checked before the point of no return: an address
# space of a process not in the tree, of the process itself, of a process
# that does not hold it (a sharer itself, with no MM record), none while
# the process has no MM record, handlers without an address space, or
# handlers while the process has its own SIGACTIONS record: each refused
# (EBADMSG), nothing left running, the PIDs free.  The pristine image then
# restores and passes vmshare's own checks.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err p.out err walk.out restart.err"

prog_start vmshare
P=$PROG_PID
S=$(kv ready s)
V=$(kv ready v)
track "$S" "$V"
tree_ckpt_kill err good.img "$P" "" $P $S $V
SHARES_PIDS="$P $S $V"
shares_offsets good.img
# S's SHARES record, V's: files_pid +16, fs_pid +20, vm_pid +24,
# sighand_pid +28
fs=$(head -n 1 shares.off)
fv=$(tail -n 1 shares.off)

bad_shares "the address space of process 1 (not in the tree)" $((fs + 24)) 1
bad_shares "its own address space" $((fv + 24)) "$V"
bad_shares "the address space of S, which shares P's" $((fv + 24)) "$S"
bad_shares "no address space, and V has no MM record" $((fv + 24)) 0 $((fv + 20)) "$P"
bad_shares "handlers without an address space" $((fs + 24)) 0
bad_shares "handlers, and V has a SIGACTIONS record" $((fv + 28)) "$P"
bad_shares "the handlers of V, a later process" $((fs + 28)) "$V"

cp good.img img
prog_restart
for p in $S $V; do
	wait_for 10 proc_alive "$p" || fail "process $p did not come back: $(cat restart.err)"
done
prog_finish
pass
