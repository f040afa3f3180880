# lib.sh: helpers for the guest test cases.  Sourced by each case:
#	. "$(dirname "$0")/lib.sh"
# not a case itself.  busybox ash compatible (no bash-isms).
#
# Cases run as root in a fresh directory ($TESTDIR, also the cwd), with
# /tests/progs and /bin in PATH.  Exit 0 pass, 77 skip, anything else fail.

: "${TESTDIR:=$(pwd)}"
CASE=$(basename "$0" .sh)

# Files whose tail is shown when the case fails (set by the case).
DUMP_ON_FAIL=""
# PIDs killed (SIGKILL) when the case exits, whatever the outcome.
_tracked=""

log() {
	echo "$CASE: $*"
}

fail() {
	echo "FAIL: $CASE: $*" >&2
	for _f in $DUMP_ON_FAIL; do
		if [ -s "$_f" ]; then
			echo "--- $_f (last lines) ---" >&2
			tail -n 15 "$_f" >&2
		fi
	done
	exit 1
}

skip() {
	echo "SKIP: $CASE: $*" >&2
	exit 77
}

# Patterns of kernel log lines that mean the kernel is unhappy, but a
# user process's own fault ("traps: prog[pid] general protection fault
# ip:...", as tests/harness/scan-kernel-log.sh lets pass too).
_KBAD='WARNING:|BUG:|Oops|general protection|Call Trace|kernel BUG|UBSAN|KASAN|refcount_t|list_(add|del) corruption'
_KOK='traps: .*general protection fault'
_kbad_lines() {
	dmesg 2>/dev/null | grep -E "$_KBAD" | grep -vE "$_KOK"
}
_kbase=$(_kbad_lines | grep -c '')

# check_kernel: fail if the kernel logged a warning since the case began.
check_kernel() {
	_k=$(_kbad_lines | grep -c '')
	if [ "$_k" -gt "$_kbase" ]; then
		dmesg | grep -E -B2 -A8 "$_KBAD" | tail -n 40 >&2
		fail "kernel warning during this case"
	fi
}

pass() {
	check_kernel
	log "PASS${1:+: $*}"
	exit 0
}

track() {
	_tracked="$_tracked $*"
}

_cleanup() {
	for _p in $_tracked; do
		kill -9 "$_p" 2>/dev/null
	done
}
trap _cleanup EXIT

require_module() {
	[ -c /dev/ckpt ] || skip "/dev/ckpt missing (module not loaded)"
}

# wait_for SECONDS CMD [ARG...]: run CMD every 0.1 s until it succeeds.
# Returns 1 if it never did within (at least) SECONDS.
wait_for() {
	_n=$(($1 * 10))
	shift
	while ! "$@"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

# kv FILE KEY: the value of the last KEY=value word in FILE ("" if none).
kv() {
	tr ' ' '\n' 2>/dev/null <"$1" | sed -n "s/^$2=//p" | tail -n 1
}

file_has() {
	grep -q -- "$2" "$1" 2>/dev/null
}

# proc_field PID N: field N of /proc/PID/stat (3 = state, 4 = ppid,
# 22 = start time), "" if the process does not exist.
proc_field() {
	_s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# drop "pid (comm) ", the comm may hold spaces or parentheses
	echo "${_s##*) }" | cut -d' ' -f$(($2 - 2))
}

proc_state() {
	proc_field "$1" 3
}

# proc_gone PID: no such process, or only a zombie left.
proc_gone() {
	_st=$(proc_state "$1")
	[ -z "$_st" ] || [ "$_st" = Z ] || [ "$_st" = X ]
}

proc_alive() {
	! proc_gone "$1"
}

# expect_gone PID WHAT: the process must disappear within 10 s.
expect_gone() {
	if ! wait_for 10 proc_gone "$1"; then
		fail "$2: process $1 still exists (state $(proc_state "$1"), comm $(cat /proc/$1/comm 2>/dev/null))"
	fi
}

# free_pid: a PID that no process has.
free_pid() {
	_max=$(cat /proc/sys/kernel/pid_max)
	_p=$((_max - 7))
	while [ -e "/proc/$_p" ]; do
		_p=$((_p - 1))
	done
	echo "$_p"
}

# err_problem ERRNO_REGEX OUTFILE: print what is wrong with OUTFILE (a
# command's stderr) as an error report, nothing if it is right: its first
# line names one of the errnos, e.g. "(ESRCH)" for 'ESRCH' or "(EBADMSG)"
# for 'ENODATA|EBADMSG'; at most one more line (a hint) may follow.
err_problem() {
	_lines=$(wc -l <"$2")
	if [ "$_lines" -lt 1 ] || [ "$_lines" -gt 2 ]; then
		echo "expected one line of error (and at most one hint) on stderr, got $_lines: $(head -c 400 "$2" | tr '\n' '|')"
	elif ! head -n 1 "$2" | grep -qE "\\(($1)\\)"; then
		echo "expected ($1) in the error, got: $(tr '\n' '|' <"$2")"
	fi
}

# expect_err ERRNO_REGEX OUTFILE: fail unless err_problem finds nothing.
# Prints the errno found.
expect_err() {
	_p=$(err_problem "$1" "$2")
	[ -z "$_p" ] || fail "$_p"
	head -n 1 "$2" | grep -oE '\(E[A-Z0-9]+\)' | head -n 1
}

# ---- statekeeper --------------------------------------------------------

# sk_start NAME: start statekeeper with its files in $TESTDIR/NAME and its
# output in NAME.out / NAME.err; sets SK_PID and waits for its first status.
sk_start() {
	mkdir -p "$TESTDIR/$1"
	statekeeper -d "$TESTDIR/$1" </dev/null >"$TESTDIR/$1.out" 2>"$TESTDIR/$1.err" &
	SK_PID=$!
	track "$SK_PID"
	DUMP_ON_FAIL="$DUMP_ON_FAIL $TESTDIR/$1.err $TESTDIR/$1.out"
	wait_for 60 test -s "$TESTDIR/$1/status" ||
		fail "statekeeper wrote no status in 60 s"
}

sk_counter() {
	kv "$1/status" counter
}

counter_ge() {
	_c=$(sk_counter "$1")
	[ -n "$_c" ] && [ "$_c" -ge "$2" ]
}

# sk_wait_counter NAME MIN: wait (60 s) until NAME's status counter >= MIN;
# fail at once if statekeeper reports a failed check.
sk_wait_counter() {
	_n=600
	while ! counter_ge "$1" "$2"; do
		if [ "$(kv "$1/status" ok)" = 0 ]; then
			fail "$1: statekeeper failed: $(sed -n 's/.*failed=//p' "$1/status")"
		fi
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] ||
			fail "$1: counter stuck at $(sk_counter "$1") (waiting for $2; status: $(cat "$1/status" 2>/dev/null))"
		sleep 0.1
	done
}

# sk_check_status NAME PID: the status says ok=1 and pid=PID.
sk_check_status() {
	[ "$(kv "$1/status" ok)" = 1 ] || fail "$1: status not ok: $(cat "$1/status")"
	[ "$(kv "$1/status" pid)" = "$2" ] ||
		fail "$1: status has pid $(kv "$1/status" pid), expected $2"
	# nothing signals statekeeper while it ticks: a sleep that returned
	# EINTR means a freeze or restore was not transparent
	[ "$(kv "$1/status" eintr)" = 0 ] ||
		fail "$1: $(kv "$1/status" eintr) of its sleeps ended with EINTR"
}

# sk_check_ymm NAME: with AVX on this CPU, statekeeper must check ymm.
sk_check_ymm() {
	if grep -qw avx /proc/cpuinfo; then
		[ "$(kv "$1/status" ymm)" = 1 ] ||
			fail "$1: CPU has AVX but statekeeper did not check ymm registers"
	else
		log "note: no AVX on this CPU, xmm registers checked instead of ymm"
	fi
}

# sk_check_log NAME: the log is "tick 1" .. "tick N", each exactly once.
sk_check_log() {
	_bad=$(awk '$0 != "tick " NR { print NR ": " $0; exit }' "$1/log")
	[ -z "$_bad" ] && return 0
	_l=${_bad%%:*}
	_from=$((_l - 2))
	[ "$_from" -ge 1 ] || _from=1
	fail "$1: log not continuous at line $_bad (lines $_from..: $(sed -n "$_from,$((_l + 1))p" "$1/log" | tr '\n' '|'))"
}

# sk_finish NAME PID MIN: ask for the final check (counter >= MIN) and
# wait for PID, a child of this shell; its exit status must be 0.
sk_finish() {
	echo "$3" >"$1/stop"
	wait "$2"
	_st=$?
	[ "$_st" -eq 0 ] || fail "$1: exit status $_st after the final check ($(tail -n 1 "$1.err" 2>/dev/null))"
	file_has "$1.out" "all checks passed" || fail "$1: no 'all checks passed' in $1.out"
}

# ---- self-checking programs ---------------------------------------------
# The small programs (dupfds, procattrs, selfpipe, sharedmap, itimer,
# mthreads, ghost, sparse) take a directory, write DIR/ready once set up,
# wait for DIR/go, then check their own state and print "all checks passed".

# reap_passed PID NAME WHAT: wait for PID (a child of this shell); it must
# exit 0 and say "all checks passed" in NAME.out (NAME.err shown if not).
reap_passed() {
	wait "$1"
	_st=$?
	[ "$_st" -eq 0 ] || fail "$3 exited with $_st: $(cat "$2.err")"
	grep -q "all checks passed" "$2.out" ||
		fail "$3 did not report success: $(cat "$2.err")"
}

# tree_ckpt_kill ERRFILE IMG ROOT WHAT PID...: 'ckpt --tree --kill' of the
# tree under ROOT into IMG (stderr in ERRFILE), reap ROOT, and check that
# every PID is gone.  WHAT ("" or " of the chain") names the tree in the
# messages.
tree_ckpt_kill() {
	_err=$1 _img=$2 _root=$3 _what=$4
	shift 4
	ckpt --tree --kill -o "$_img" "$_root" 2>"$_err" ||
		fail "ckpt --tree --kill$_what failed: $(cat "$_err")"
	wait "$_root"
	for _p in "$@"; do
		expect_gone "$_p" "after ckpt --tree --kill$_what"
	done
}

# tree_start PROG "NAMES" ["KEYS"]: start a tree program (prog_start),
# wait for each process's ready.NAME, then set pid_NAME and, for each KEY
# (ppid, pgid, sid, tids...), KEY_NAME from ready.NAME; root is the
# program's PID, members the processes' PIDs (all tracked).
tree_start() {
	prog_start "$1"
	root=$PROG_PID
	for _n in $2; do
		wait_for 30 test -e "ready.$_n" ||
			fail "process $_n did not start: $(cat p.err)"
	done
	members=""
	for _n in $2; do
		for _k in pid $3; do
			eval "${_k}_$_n=\$(kv ready.$_n $_k)"
		done
		eval "members=\"\$members \$pid_$_n\""
	done
	# shellcheck disable=SC2086
	track $members
}

# dirtier_start MIB HOT_KIB [churn] [thp]: start dirtier (memory that
# keeps changing; output in p.out, p.err) and wait until it is ready;
# sets pid.
dirtier_start() {
	dirtier "$TESTDIR" "$@" </dev/null >p.out 2>p.err &
	pid=$!
	track "$pid"
	wait_for 60 test -e ready || fail "dirtier did not start: $(cat p.err)"
}

# dirtier_tree_start MIB HOT_KIB [churn] [late]: dirtier_start with
# "fork" (a session leader and its child, cases 104-106); waits for the
# child too and sets cpid, checking that it is pid's child.
dirtier_tree_start() {
	dirtier_start "$@" fork
	wait_for 60 test -e child/ready || fail "the dirtier's child did not start: $(cat p.err)"
	cpid=$(kv child/ready pid)
	[ "$(proc_field "$cpid" 4)" = "$pid" ] || fail "process $cpid is not the child of $pid"
}

# prog_start PROG [MODE]: run PROG on $TESTDIR (or "PROG MODE" on a fresh
# $TESTDIR/MODE) until it writes its ready file there; sets PROG_PID.
prog_start() {
	if [ $# -gt 1 ]; then
		mkdir -p "$2"
		"$1" "$2" "$TESTDIR/$2" </dev/null >p.out 2>p.err &
	else
		"$1" "$TESTDIR" </dev/null >p.out 2>p.err &
	fi
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e "${2:-.}/ready" || fail "$1 ${2:+$2 }did not start: $(cat p.err)"
}

# bad_img IMG WHAT OFFSET WIDTH VALUE: restart refuses IMG (of process
# $pid, killed) with WIDTH bytes at OFFSET set to VALUE (checksums fixed
# up): exit 1, one EBADMSG line, no process made
bad_img() {
	_bn=$((${_bn:-0} + 1))
	[ -n "$3" ] || fail "$2: record not found in the image"
	cp "$1" bad.img
	imgedit set bad.img "$3" "$4" "$5" || fail "imgedit set $3 $4 $5"
	restart bad.img </dev/null >"b$_bn.out" 2>"b$_bn.err"
	_st=$?
	if [ "$_st" -ne 1 ]; then
		[ "$_st" -eq 0 ] && kill -9 "$pid" 2>/dev/null
		fail "$2: restart exited $_st, expected 1 ($(head -c 300 "b$_bn.err"))"
	fi
	_problem=$(err_problem EBADMSG "b$_bn.err")
	[ -z "$_problem" ] || fail "$2: $_problem"
	expect_gone "$pid" "$2"
	log "$2: $(head -n 1 "b$_bn.err")"
}

# prog_start_mode PROG MODE: start "PROG MODE $TESTDIR" in the current
# directory (p.out, p.err), as prog_start does; sets PROG_PID.
prog_start_mode() {
	"$1" "$2" "$TESTDIR" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "$1 $2 did not start: $(cat p.err)"
}

# ckpt_refused ERRNO PATTERN: 'ckpt' of $PROG_PID must exit 1 with
# (ERRNO) and PATTERN in its error (refuse.err), leave no image, and
# leave the process running.
ckpt_refused() {
	ckpt -o refused.img "$PROG_PID" 2>refuse.err
	_st=$?
	[ "$_st" -eq 1 ] || fail "ckpt exited $_st, expected 1 (refused): $(cat refuse.err)"
	expect_err "$1" refuse.err >/dev/null
	grep -q "$2" refuse.err ||
		fail "the refusal does not say '$2': $(cat refuse.err)"
	[ ! -e refused.img ] && proc_alive "$PROG_PID" ||
		fail "the refused checkpoint left an image, or the process died"
}

# prog_start_in_tree PROG: start "PROG $TESTDIR" as the child of a shell
# that waits for it and exits with its status (a tree of two, for ckpt
# --tree); PROG_PID is the shell's.
prog_start_in_tree() {
	sh -c '"$1" "$0" & wait $!' "$TESTDIR" "$1" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "$1 under sh did not start: $(cat p.err)"
}

# subdir NAME: make NAME in the current directory, enter it and make it
# $TESTDIR (a case's second program keeps its files apart).
subdir() {
	mkdir "$1" && cd "$1" || fail "mkdir $1"
	TESTDIR=$(pwd)
}

# prog_start_user PROG [MODE]: in a fresh world-writable $TESTDIR/MODE
# (now the current directory and $TESTDIR), start "PROG DIR MODE" (MODE
# "user" unless given), which becomes uid 1000 itself; its output files
# stay writable by it after a restore.
prog_start_user() {
	_mode=${2:-user}
	subdir "$_mode"
	chmod 777 .
	: >p.out
	: >p.err
	chmod 666 p.out p.err
	"$1" "$TESTDIR" "$_mode" </dev/null >p.out 2>p.err &
	PROG_PID=$!
	track "$PROG_PID"
	wait_for 30 test -e ready || fail "$1 $_mode did not start: $(cat p.err)"
}

# refused ERRNO WHAT NAME CMD...: CMD (a restart) must exit 1 with (ERRNO)
# and WHAT in its error (its warnings aside; NAME.err has all of it), and
# leave no $PROG_PID behind.
refused() {
	_errno=$1 _what=$2 _name=$3
	shift 3
	"$@" </dev/null >"$_name.out" 2>"$_name.err"
	_st=$?
	[ "$_st" -eq 1 ] ||
		fail "$* exited $_st, expected 1 (refused): $(cat "$_name.err")"
	grep -v "^[a-z-]*: warning: " "$_name.err" >"$_name.msg"
	expect_err "$_errno" "$_name.msg" >/dev/null
	grep -q "$_what" "$_name.msg" ||
		fail "the refusal does not name $_what: $(cat "$_name.msg")"
	proc_gone "$PROG_PID" ||
		fail "pid $PROG_PID exists after the refused restart"
}

# image_of DIR PROG MODE: start "PROG MODE $TESTDIR/DIR" (output in
# DIR.out, p.err), wait for DIR/ready, checkpoint it with --kill into
# DIR.img and reap it; sets pid.
image_of() {
	mkdir -p "$1"
	"$2" "$3" "$TESTDIR/$1" </dev/null >"$1.out" 2>p.err &
	pid=$!
	track "$pid"
	wait_for 30 test -e "$1/ready" || fail "$2 $3 did not start: $(cat p.err)"
	ckpt --kill -o "$1.img" "$pid" 2>ckpt.err ||
		fail "ckpt --kill $2 $3 failed: $(cat ckpt.err)"
	wait "$pid"
}

# prog_checkpoint [OPTION...]: ckpt [OPTION...] --kill it into img, reap
# it, decode img to show.out.
prog_checkpoint() {
	ckpt "$@" --kill -o img "$PROG_PID" 2>ckpt.err ||
		fail "ckpt --kill failed: $(cat ckpt.err)"
	wait "$PROG_PID"
	ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
}

# image_under BYTES WHAT: img must be smaller than BYTES, else fail with
# "image of N bytes: WHAT".
image_under() {
	_size=$(wc -c <img)
	[ "$_size" -lt "$1" ] || fail "image of $_size bytes: $2"
}

# prog_restart [CMD...]: restore it with "restart -v --wait img" (or CMD, fed
# nothing on stdin unless CMD reads img itself) in the background; waits
# for its PID to come back and sets RESTART_PID.  Without CMD, also waits
# until restart says the restore is over: the PID exists from clone3 on,
# while the module is still restoring (limits, threads, files...).
prog_restart() {
	if [ $# -eq 0 ]; then
		restart -v --wait img </dev/null >restart.out 2>restart.err &
	else
		"$@" >restart.out 2>restart.err &
	fi
	RESTART_PID=$!
	track "$PROG_PID" "$RESTART_PID"
	wait_for 30 proc_alive "$PROG_PID" ||
		fail "pid $PROG_PID did not come back: $(cat restart.err)"
	[ $# -gt 0 ] ||
		wait_for 30 grep -qE "restored (pid|tree) $PROG_PID" restart.err ||
		fail "restart never said pid $PROG_PID was restored: $(cat restart.err)"
}

# prog_finish: let it check itself; it must exit 0 and say so.
prog_finish() {
	touch go
	wait "$RESTART_PID"
	_st=$?
	[ "$_st" -eq 0 ] || fail "the restored program exited with $_st: $(cat p.err)"
	grep -q "all checks passed" p.out || fail "it did not report success"
}

# ---- fdkinds (cases 50-55) ----------------------------------------------

# fdkinds_twice MODE PATTERN...: run "fdkinds MODE", checkpoint it (killed),
# check that ckpt show's decoding of the image holds every PATTERN, restore
# it, checkpoint and restore it again (the restored objects are saved
# too), then let it check its own state: exit 0 and "all checks passed".
fdkinds_twice() {
	_mode=$1
	shift
	DUMP_ON_FAIL="p.err ckpt.err restart.err ckpt2.err restart2.err show.out"
	fdkinds "$_mode" "$TESTDIR" </dev/null >p.out 2>p.err &
	_pid=$!
	track "$_pid"
	wait_for 30 test -e ready || fail "fdkinds $_mode did not start"
	ckpt --kill -o img "$_pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
	wait "$_pid"
	ckpt show img >show.out 2>&1 || fail "ckpt show rejects the image"
	for _p in "$@"; do
		grep -q -- "$_p" show.out || fail "ckpt show has no '$_p'"
	done
	restart -v --wait img </dev/null >restart.out 2>restart.err &
	_rpid=$!
	track "$_pid" "$_rpid"
	wait_for 30 grep -q "restored pid $_pid" restart.err ||
		fail "pid $_pid did not come back"
	ckpt --kill -o img2 "$_pid" 2>ckpt2.err ||
		fail "second ckpt --kill failed: $(cat ckpt2.err)"
	wait "$_rpid"
	restart --wait img2 </dev/null >restart2.out 2>restart2.err &
	_rpid=$!
	track "$_rpid"
	wait_for 30 proc_alive "$_pid" ||
		fail "pid $_pid did not come back from the second image"
	touch go
	wait "$_rpid"
	_st=$?
	[ "$_st" -eq 0 ] || fail "restored fdkinds $_mode exited with $_st: $(cat p.err)"
	grep -q "all checks passed" p.out || fail "fdkinds $_mode did not report success"
}

# ---- SHARES records (cases 03, 69) -----------------------------------------

# shares_offsets IMG: the offsets of IMG's two SHARES records in
# shares.off, one per line (imgedit's walk in walk.out); fails unless
# there are exactly two.
shares_offsets() {
	imgedit walk "$1" >walk.out 2>&1 || fail "imgedit walk failed"
	awk '$2 == "SHARES" { print $1 }' walk.out >shares.off
	[ "$(wc -l <shares.off)" -eq 2 ] || fail "not 2 SHARES records: $(cat walk.out)"
}

# bad_shares WHAT OFFSET VALUE...: good.img with each 4 bytes at OFFSET
# set to VALUE (checksum made right again) must be refused (EBADMSG) with
# none of $SHARES_PIDS left running.
bad_shares() {
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
	for _p in $SHARES_PIDS; do
		wait_for 5 proc_gone "$_p" || fail "process $_p runs after a refused restore ($_what)"
	done
}
