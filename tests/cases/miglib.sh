# miglib.sh: helpers for the migration cases (45-49), sourced after lib.sh.
# Not a case itself.  busybox ash compatible.
#
# Source and destination share one guest, so the destination runs in a
# fresh PID namespace (unshare -p -f): the source's PID is still taken
# here while it is frozen, and is free there.

# rx_start ADDR [TIMEOUT] [NOUNSHARE]: start 'restart --listen ADDR' (in a
# new PID namespace unless NOUNSHARE is given); sets RX_PID (the listener
# itself, the namespace's init) and waits until it listens.  Log: rx.log.
# Options in RX_OPTS are added; a TCP listener gets "--allow 127.0.0.1"
# unless RX_OPTS is set (a TCP listener open to anyone refuses to start).
# RX_MOUNT_PROC=1: the namespace gets its own /proc (for programs that
# compare their TIDs with /proc/self).
rx_start() {
	: >rx.log
	case "$1" in
	vsock:*) _rxo=${RX_OPTS-} ;;
	*) _rxo=${RX_OPTS---allow 127.0.0.1} ;;
	esac
	if [ -n "$3" ]; then
		# shellcheck disable=SC2086
		restart --listen "$1" --timeout "${2:-20}" $_rxo </dev/null >rx.out 2>rx.log &
		RX_PID=$!
	else
		# shellcheck disable=SC2086
		unshare -p -f ${RX_MOUNT_PROC:+--mount-proc} restart --listen "$1" --timeout "${2:-20}" $_rxo </dev/null >rx.out 2>rx.log &
		_u=$!
		track "$_u"
		wait_for 10 child_of "$_u" >/dev/null ||
			fail "no listener under unshare: $(cat rx.log)"
		RX_PID=$(child_of "$_u")
	fi
	track "$RX_PID"
	DUMP_ON_FAIL="$DUMP_ON_FAIL rx.log"
	wait_for 10 file_has rx.log "listening on" ||
		fail "the receiver did not start: $(cat rx.log)"
}

# child_of PID: the first child of PID (fails if none).
child_of() {
	if [ -r "/proc/$1/task/$1/children" ]; then
		_c=$(cut -d' ' -f1 "/proc/$1/task/$1/children")
		[ -n "$_c" ] && { echo "$_c"; return 0; }
		return 1
	fi
	for _s in /proc/[0-9]*/stat; do
		_d=${_s%/stat}
		_d=${_d#/proc/}
		[ "$(proc_field "$_d" 4)" = "$1" ] && { echo "$_d"; return 0; }
	done
	return 1
}

# ns_host_pid NSPID: our PID of the process that has PID NSPID in a child
# PID namespace ("" if none).
ns_host_pid() {
	grep -l "^NSpid:[[:space:]]*[0-9]*[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null |
		while read -r _f; do
			_p=${_f#/proc/}
			_p=${_p%/status}
			[ "$_p" != "$1" ] && proc_alive "$_p" && echo "$_p"
		done | head -n 1
}

ns_has_pid() {
	[ -n "$(ns_host_pid "$1")" ]
}

# frozen_check NAME SECONDS: NAME's counter does not move for SECONDS.
frozen_check() {
	_c0=$(sk_counter "$1")
	sleep "$2"
	[ "$(sk_counter "$1")" = "$_c0" ] ||
		fail "$1: the source ran while it should be frozen (counter $_c0 -> $(sk_counter "$1"))"
}

# sk_finish_restored NAME HOSTPID MIN: final check of a statekeeper that is
# not our child (restored elsewhere): "all checks passed", then gone.
sk_finish_restored() {
	echo "$3" >"$1/stop"
	wait_for 30 file_has "$1.out" "all checks passed" ||
		fail "$1: no 'all checks passed' after migration ($(tail -n 2 "$1.err" 2>/dev/null | tr '\n' '|'))"
	expect_gone "$2" "$1 after its final check"
}

# load_vsock: vsock with the loopback transport (CID 1 is this guest).
load_vsock() {
	for _m in vsock vmw_vsock_virtio_transport_common vsock_loopback; do
		grep -q "^$_m " /proc/modules && continue
		insmod "/lib/modules/vsock/$_m.ko" 2>insmod.err ||
			fail "insmod $_m: $(cat insmod.err)"
	done
}

# source_intact PID START: after a failed migration, PID is still the
# original process (its start time START), running, not stopped; on
# DIR/go it passes its own memory check (dirtier: p.out, p.err).
source_intact() {
	[ "$(proc_field "$1" 22)" = "$2" ] || fail "PID $1 is no longer the original process"
	case "$(proc_state "$1")" in
	R|S) ;;
	*) fail "the source is in state $(proc_state "$1") after the failure" ;;
	esac
	touch go
	reap_passed "$1" p "the source's memory check"
}

# migrated_away PID: the original (a child of this shell) is gone, and a
# process with PID lives in the receiver's namespace: its host PID in host.
migrated_away() {
	wait "$1" 2>/dev/null
	expect_gone "$1" "the original after the migration"
	host=$(ns_host_pid "$1")
	[ -n "$host" ] || fail "no process with PID $1 in the receiver's namespace"
}

# live_checked ST PID DEST MEM [TAIL]: 'ckpt migrate -v --live' of PID to
# DEST exited ST, its summary in mig.out (TAIL: what follows
# precopy_bytes=N, e.g. " procs=2"), its rounds in mig.err: more than one
# round, round 1 reported, fewer bytes sent frozen than MEM, at least MEM
# pre-copied.
live_checked() {
	[ "$1" -eq 0 ] || fail "ckpt migrate --live exited $1: $(cat mig.err)"
	grep -qE "^migrated pid=$2 to=$3 new_pid=$2 bytes=[1-9][0-9]* downtime_ms=[0-9]+ total_ms=[0-9]+ rounds=[0-9]+ precopy_bytes=[0-9]+${5:-}\$" mig.out ||
		fail "unexpected summary: $(cat mig.out)"
	log "$(cat mig.out)"
	grep "live" mig.err | while read -r l; do log "$l"; done
	_r=$(kv mig.out rounds)
	_b=$(kv mig.out bytes)
	_p=$(kv mig.out precopy_bytes)
	[ "$_r" -ge 2 ] || fail "only $_r pre-copy round(s): $(cat mig.err)"
	grep -q "live round 1:" mig.err || fail "no report of round 1: $(cat mig.err)"
	[ "$_b" -lt "$4" ] || fail "$_b bytes sent while frozen, not less than the $4 bytes of memory"
	[ "$_p" -ge "$4" ] || fail "only $_p bytes pre-copied for $4 bytes of memory"
}

# migrated_passed: on DIR/go the migrated dirtier passes its memory check.
migrated_passed() {
	touch go
	wait_for 60 file_has p.out "all checks passed" ||
		fail "the migrated process did not pass its memory check: $(cat p.err)"
}
