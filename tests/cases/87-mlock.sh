#!/bin/sh
# 87-mlock: memory locks survive restart: an mlock()ed region is locked
# and whole again, an mlock2(MLOCK_ONFAULT) region still locks on fault
# (Locked grows as pages are touched), an unlocked one stays unlocked,
# VmLck is unchanged and a new mapping is not locked; with
# mlockall(MCL_FUTURE) a new mapping after restart is locked (mlocker
# checks all of it from /proc/self/smaps and /proc/self/status).
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

for mode in plain future; do
	mkdir "$mode" && cd "$mode" || fail "mkdir $mode"
	TESTDIR=$(pwd)
	"mlocker" "$TESTDIR" "$mode" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "mlocker $mode did not start: $(cat p.err)"
	prog_checkpoint
	# the locks are in the VMA records' vm_flags (VM_LOCKED 0x2000)
	grep -q "vm_flags 0x[0-9a-f]*[2367abef][0-9a-f][0-9a-f][0-9a-f]$" show.out ||
		fail "$mode: no VMA of the image has VM_LOCKED"
	if [ "$mode" = future ]; then
		grep -q "MCL_FUTURE" show.out || fail "ckpt show has no MCL_FUTURE"
	fi
	prog_restart
	prog_finish
	log "$mode: $(cat p.out)"
	cd ..
done
pass
