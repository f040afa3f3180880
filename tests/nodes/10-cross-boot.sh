#!/bin/sh
# 10-cross-boot: processes checkpointed on node a restart on node b, another
# boot of the machine, with their PIDs and TIDs and all their state: the
# image and the files the processes use travel on the disk between the
# boots, as they would on shared storage.  Node a starts them at PIDs above
# what a fresh boot uses (as a PID range would), checkpoints and kills them;
# node b restores each and lets it check itself: statekeeper (memory,
# registers, signals, files, its log continuous), and the self-checking
# programs (threads with their TIDs, pipes, dup'ed fds, process
# attributes, deleted files, shared file mappings, ITIMER_REAL).  The
# clocks program is checkpointed last on node a, after 40 s of uptime, and
# restored first on node b, long before: CLOCK_MONOTONIC, _RAW and
# CLOCK_BOOTTIME must not go back for it (restart makes a time namespace).
# timeout: 400
. /tests/cases/lib.sh
require_module
DUMP_ON_FAIL="ckpt.err restart.err p.err"
PROGS_X="mthreads selfpipe dupfds procattrs ghost sharedmap itimer"

# next_pid N: the next process created gets PID N (if free).
next_pid() {
	echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid
}

node_a() {
	next_pid 5000
	sk_start sk
	pid=$SK_PID
	[ "$pid" -ge 5000 ] || fail "statekeeper got PID $pid, below 5000"
	sk_wait_counter sk 5
	# A private file mapping is checked by size and mtime on restore: a
	# whole second, so that the copy on the disk (tar) keeps it exactly.
	touch -d "2026-01-01 00:00:00" sk/mapfile
	ckpt --kill -o sk.img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
	wait "$pid"
	echo "pid=$pid counter=$(sk_counter sk)" >sk.info
	log "statekeeper: pid $pid checkpointed at counter $(sk_counter sk)"

	base=6000
	for p in $PROGS_X clocks; do
		if [ "$p" = clocks ]; then
			read -r up _ </proc/uptime
			up=${up%.*}
			[ "$up" -lt 40 ] && sleep $((40 - up))
		fi
		mkdir "$p"
		(
			cd "$p" || exit 1
			TESTDIR=$PWD
			next_pid "$base"
			prog_start "$p"
			prog_checkpoint
			echo "pid=$PROG_PID" >info
		) || fail "$p: checkpoint on node a failed"
		log "$p: pid $(kv "$p/info" pid) checkpointed"
		base=$((base + 100))
	done
	tar -cf "$XFER/files.tar" . || fail "cannot save the files for node b"
	pass "images and files left for node b"
}

node_b() {
	[ -s "$XFER/files.tar" ] || skip "node a left nothing (it failed)"
	tar -xf "$XFER/files.tar" || fail "cannot unpack node a's files"
	pid=$(kv sk.info pid)
	c0=$(kv sk.info counter)
	[ -e "/proc/$pid" ] && fail "PID $pid is taken on node b by $(cat /proc/$pid/comm)"
	restore_prog clocks
	grep -q "restored in a time namespace" clocks/restart.err ||
		fail "clocks: restored on a later boot without a time namespace: $(cat clocks/restart.err)"
	log "clocks: $(grep -o 'CLOCK_MONOTONIC [^ ]*' clocks/p.out) on the restored clock"
	(cd / && exec restart --wait "$TESTDIR/sk.img") </dev/null >restart.out 2>restart.err &
	rpid=$!
	track "$pid" "$rpid"
	sk_wait_counter sk $((c0 + 1))
	sk_check_status sk "$pid"
	sk_wait_counter sk $((c0 + 10))
	sk_check_log sk
	sk_finish sk "$rpid" "$c0"
	sk_check_ymm sk
	log "statekeeper: pid $pid restored, counter $c0 -> $(sk_counter sk)"

	for p in $PROGS_X; do
		restore_prog "$p"
	done
	pass
}

# restore_prog PROG: restore PROG from its directory; it checks itself.
restore_prog() {
	(
		cd "$1" || exit 1
		TESTDIR=$PWD
		PROG_PID=$(kv info pid)
		[ -e "/proc/$PROG_PID" ] &&
			fail "$1: PID $PROG_PID is taken on node b"
		prog_restart
		prog_finish
	) || fail "$1: restore on node b failed"
	log "$1: pid $(kv "$1/info" pid) restored, checks passed"
}

case $NODE in
a) node_a ;;
b) node_b ;;
*) fail "NODE is '$NODE', expected a or b" ;;
esac
