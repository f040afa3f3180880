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
ckpt --tree --kill -o good.img "$P" 2>err || fail "ckpt --tree --kill failed: $(cat err)"
wait "$P"
for p in $P $S $V; do
	expect_gone "$p" "after ckpt --tree --kill"
done
imgedit walk good.img >walk.out 2>&1 || fail "imgedit walk failed"
offs=$(awk '$2 == "SHARES" { print $1 }' walk.out)
[ "$(echo "$offs" | wc -w)" -eq 2 ] || fail "not 2 SHARES records: $(cat walk.out)"
# S's SHARES record, V's: files_pid +16, fs_pid +20, vm_pid +24,
# sighand_pid +28
fs=$(echo "$offs" | head -n 1)
fv=$(echo "$offs" | tail -n 1)

# bad WHAT OFFSET VALUE...: the image with each 4 bytes at OFFSET set to
# VALUE (checksum made right again) is refused
bad() {
	_what=$1
	shift
	cp good.img bad.img
	while [ $# -ge 2 ]; do
		imgedit set bad.img "$1" 4 "$2" || fail "imgedit set $1"
		shift 2
	done
	imgedit check bad.img >/dev/null || fail "imgedit set left a bad CRC"
	restart --wait bad.img </dev/null >/dev/null 2>err
	_st=$?
	[ "$_st" -ne 0 ] || fail "restart of an image whose SHARES record names $_what succeeded"
	expect_err EBADMSG err >/dev/null
	for _p in $P $S $V; do
		wait_for 5 proc_gone "$_p" || fail "process $_p runs after a refused restore ($_what)"
	done
}
bad "the address space of process 1 (not in the tree)" $((fs + 24)) 1
bad "its own address space" $((fv + 24)) "$V"
bad "the address space of S, which shares P's" $((fv + 24)) "$S"
bad "no address space, and V has no MM record" $((fv + 24)) 0 $((fv + 20)) "$P"
bad "handlers without an address space" $((fs + 24)) 0
bad "handlers, and V has a SIGACTIONS record" $((fv + 28)) "$P"
bad "the handlers of V, a later process" $((fs + 28)) "$V"

cp good.img img
prog_restart
for p in $S $V; do
	wait_for 10 proc_alive "$p" || fail "process $p did not come back: $(cat restart.err)"
done
prog_finish
pass
