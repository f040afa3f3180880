#!/bin/sh
# Helpers of the socket cases (80-84), sourced after lib.sh.

# sock_start MODE [ARG...]: run "sockets MODE $TESTDIR ARG..." (output in
# p.out, p.err); sets PROG_PID once it is ready.
sock_start() {
	_m=$1
	shift
	sockets "$_m" "$TESTDIR" "$@" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "sockets $_m did not start: $(cat p.err)"
}

# sock_in MODE NAME PORT: run "sockets MODE $TESTDIR/NAME PORT" (output in
# NAME.out, NAME.err) and wait for NAME/ready; sets SOCK_PID.
sock_in() {
	mkdir -p "$TESTDIR/$2"
	sockets "$1" "$TESTDIR/$2" "$3" </dev/null >"$2.out" 2>"$2.err" &
	SOCK_PID=$!
	track "$SOCK_PID"
	wait_for 30 test -e "$2/ready" || fail "sockets $1 did not start: $(cat "$2.err")"
}

# sock_cycle IMG [--tree]: ckpt --kill PROG_PID into IMG, reap it, restart
# IMG in the background (RESTART_PID) and wait for the PID to come back.
# $SOCK_BETWEEN, if set, is run between the checkpoint and the restart.
sock_cycle() {
	_img=$1
	shift
	ckpt "$@" --kill -o "$_img" "$PROG_PID" 2>"$_img.ckpt.err" ||
		fail "ckpt $* --kill failed: $(cat "$_img.ckpt.err")"
	wait "$PROG_PID" 2>/dev/null
	ckpt show "$_img" >"$_img.show" 2>&1 ||
		fail "ckpt show rejects $_img: $(tail -n 3 "$_img.show")"
	[ -z "${SOCK_BETWEEN:-}" ] || $SOCK_BETWEEN
	[ -n "$RESTART_PID" ] && wait "$RESTART_PID" 2>/dev/null
	restart -v --wait "$_img" </dev/null >"$_img.restart.out" 2>"$_img.restart.err" &
	RESTART_PID=$!
	track "$PROG_PID" "$RESTART_PID"
	wait_for 30 grep -qE "restored (pid|tree) $PROG_PID" "$_img.restart.err" ||
		fail "pid $PROG_PID did not come back from $_img: $(cat "$_img.restart.err")"
}

# sock_finish: let it check itself: exit 0 and "all checks passed".
sock_finish() {
	touch go
	wait "$RESTART_PID"
	_st=$?
	[ "$_st" -eq 0 ] || fail "the restored program exited with $_st: $(cat p.err)"
	grep -q "all checks passed" p.out || fail "it did not report success: $(cat p.err)"
}

# show_has IMG PATTERN...: ckpt show's decoding of IMG has each (grep -E).
show_has() {
	_img=$1
	shift
	for _p in "$@"; do
		grep -qE -- "$_p" "$_img.show" || fail "ckpt show $_img has no '$_p'"
	done
}

# ---- images changed on purpose (cases 85, 101) ----------------------------

H=16		# sizeof(struct ckpt_rec_header)

# rec_off TYPE PATTERN: offset of the first record of TYPE in walk.out
# ('imgedit walk' of good.img) matching PATTERN
rec_off() {
	awk -v t="$1" -v p="$2" '$2 == t && $0 ~ p { print $1; exit }' walk.out
}

# bad WHAT OFFSET WIDTH VALUE: restart refuses good.img (of process $pid,
# killed) with that change (bad_img)
bad() {
	bad_img good.img "$@"
}
