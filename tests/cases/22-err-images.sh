#!/bin/sh
# 22-err-images: restart and "ckpt show" reject damaged images cleanly.
# From a valid image of a small process (spin with a pending signal,
# checkpointed with --kill and reaped): garbage, truncations (in the header, in metadata, in page data,
# right before END), single bit flips (header, metadata records, page
# data), and changes with the CRC fixed up so that only the readers'
# checks of contents can catch them (version, architecture, page size,
# unknown record type, bad VMA and PAGES fields, kernel addresses and
# selectors in the registers, bad xstate header, clocks out of order).  For each: restart exits
# 1 with one line naming the errno, no process with the image's PID is
# left, "ckpt show" exits 1.  A last restart of the intact image succeeds
# (so the rejections above are not for some other reason).  A file name
# with an ESC, a newline and a backslash is printed escaped by "ckpt show".
# Then 500 images with one seeded mutation each are refused or restored,
# never crashing restart, "ckpt show" or the kernel.
# timeout: 900
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="ckpt.err walk.out"

spin -p </dev/null >/dev/null 2>&1 &
pid=$!
track "$pid"
wait_for 10 proc_alive "$pid" || fail "spin did not start"
sleep 0.5
ckpt --kill -o good.img "$pid" 2>ckpt.err || fail "ckpt --kill failed: $(cat ckpt.err)"
wait "$pid"
imgedit check good.img >check.out 2>&1 ||
	fail "the test's own CRC check disagrees with the image: $(cat check.out)"
imgedit walk good.img >walk.out 2>&1 || fail "image records do not tile the file: $(tail -n 3 walk.out)"

# rec_off TYPE [N]: offset of the Nth record of TYPE
rec_off() {
	awk -v t="$1" -v n="${2:-1}" '$2 == t && ++i == n { print $1; exit }' walk.out
}
# rec_field TYPE KEY: KEY=value of the first record of TYPE in walk.out
rec_field() {
	awk -v t="$1" -v k="$2" '$2 == t { for (i = 4; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' walk.out
}
o_task=$(rec_off TASK)
o_vma=$(rec_off VMA)
o_file=$(rec_off FILE)
o_regs=$(rec_off REGS)
o_xstate=$(rec_off XSTATE)
o_pages=$(rec_off PAGES)
o_end=$(rec_off END)
o_rlim=$(rec_off RLIMITS)
o_sigp=$(rec_off SIGPENDING)
for v in o_task o_vma o_regs o_pages o_end; do
	eval "x=\$$v"
	[ -n "$x" ] || fail "no ${v#o_} record in the image"
done
vma_start=$(rec_field VMA start)
pages_addr=$(rec_field PAGES addr)
H=16		# sizeof(struct ckpt_rec_header)

n=0
# try WHAT ERRNO_REGEX: bad.img must be refused by restart and ckpt show
try() {
	n=$((n + 1))
	restart bad.img </dev/null >"r$n.out" 2>"r$n.err"
	st=$?
	if [ "$st" -ne 1 ]; then
		[ "$st" -eq 0 ] && kill -9 "$pid" 2>/dev/null
		fail "$1: restart exited $st, expected 1 ($(head -c 300 "r$n.err"))"
	fi
	problem=$(err_problem "$2" "r$n.err")
	[ -z "$problem" ] || fail "$1: restart: $problem"
	expect_gone "$pid" "$1"
	ckpt show bad.img >"s$n.out" 2>"s$n.err"
	st=$?
	[ "$st" -eq 1 ] || fail "$1: ckpt show exited $st, expected 1"
	[ -s "s$n.err" ] || fail "$1: ckpt show gave no error message"
	log "$1: $(grep -oE '\(E[A-Z0-9]+\)' "r$n.err" | head -n 1)"
}
fresh() {
	cp good.img bad.img
}
cut_at() {
	head -c "$1" good.img >bad.img
}
flip() {
	fresh
	imgedit flip bad.img "$1" "${2:-1}" || fail "imgedit flip $1"
}
# set_fixed OFFSET WIDTH VALUE: change a field, CRC recomputed
set_fixed() {
	fresh
	imgedit set bad.img "$1" "$2" "$3" || fail "imgedit set $*"
	imgedit check bad.img >/dev/null || fail "imgedit set $* left a bad CRC"
}
ANY='E[A-Z0-9]+'

# (a) not an image at all
imgedit garbage 65536 1 >bad.img
try "64 KiB of garbage" ENOEXEC
# through a pipe: refused as soon as its first bytes are seen, not spooled
imgedit garbage 1048576 2 | restart >pipe.out 2>pipe.err
st=$?
[ "$st" -eq 1 ] || fail "1 MiB of garbage through a pipe: restart exited $st, expected 1"
expect_err ENOEXEC pipe.err >/dev/null
grep -q "nothing was read into memory" pipe.err ||
	fail "garbage through a pipe: $(cat pipe.err)"
: >bad.img
try "empty file" 'ENODATA|ENOEXEC'

# (b) truncated
cut_at 100
try "cut inside the header" ENODATA
cut_at 192
try "cut right after the header" ENODATA
cut_at $((o_task + H + 8))
try "cut inside the TASK record" ENODATA
cut_at $((o_vma + H + 20))
try "cut inside a VMA record" ENODATA
cut_at $((o_pages + H + 16 + 2048))
try "cut in the middle of page data" ENODATA
cut_at "$o_end"
try "cut right before END" ENODATA
cut_at $((o_end + H + 4))
try "cut inside END" ENODATA

# (c) one bit flipped, CRC not fixed
flip 0
try "bit flip in the magic" ENOEXEC
flip 48
try "bit flip in the header (time)" EBADMSG
flip 100
try "bit flip in the header (release)" EBADMSG
flip $((o_task + H + 40))
try "bit flip in the TASK record" EBADMSG
flip $((o_vma + H + 2))
try "bit flip in a VMA record" EBADMSG
flip "$o_regs"
try "bit flip in a record type" EBADMSG
flip $((o_regs + H + 128))
try "bit flip in the REGS record" EBADMSG
flip $((o_vma + 8)) 64
try "bit flip in a record length" 'EBADMSG|ENODATA'
flip $((o_pages + H + 16 + 1000)) 128
try "bit flip in page data" EBADMSG
flip $((o_end + H))
try "bit flip in END" EBADMSG

# (d) contents changed, CRC fixed up
set_fixed 8 4 1
try "image version 1 (CRC-32 checksums, before trees)" EPROTO
set_fixed 8 4 99
try "image version 99" EPROTO
set_fixed 16 4 0x40000003
try "i386 architecture" EXDEV
set_fixed 20 4 65536
try "64 KiB pages" EXDEV
set_fixed 24 8 0x7fffffffffffffff
try "xfeatures this CPU lacks" 'EOPNOTSUPP|EBADMSG'
set_fixed 36 4 0
try "zero tasks" "$ANY"
set_fixed 36 4 2
try "two tasks but no TREE record" EBADMSG
set_fixed "$o_task" 4 99
try "unknown record type 99" EBADMSG
set_fixed $((o_task + 4)) 4 1
try "record flags not 0" EBADMSG
set_fixed $((o_task + H)) 4 0
try "TASK pid 0" "$ANY"
set_fixed $((o_vma + H)) 8 $((vma_start + 1))
try "VMA start not page-aligned" EBADMSG
set_fixed $((o_vma + H + 8)) 8 "$vma_start"
try "empty VMA (end = start)" EBADMSG
set_fixed $((o_vma + H)) 8 0xffff888000000000
try "VMA start at a kernel address" "$ANY"
set_fixed $((o_vma + H + 24)) 4 99
try "VMA kind 99" EBADMSG
set_fixed $((o_pages + H + 8)) 4 0
try "PAGES with 0 pages" EBADMSG
set_fixed $((o_pages + H + 8)) 4 257
try "PAGES with 257 pages" EBADMSG
set_fixed $((o_pages + H)) 8 $((pages_addr + 1))
try "PAGES address not page-aligned" EBADMSG
set_fixed $((o_pages + H)) 8 4096
try "PAGES address outside every VMA" EBADMSG
if [ -n "$o_file" ]; then
	set_fixed $((o_file + H + 10)) 2 99
	try "FILE kind 99" EBADMSG
fi
set_fixed $((o_regs + H + 16 * 8)) 8 0xffffffff81000000
try "REGS ip at a kernel address" "$ANY"
set_fixed $((o_regs + H + 17 * 8)) 8 0x10
try "REGS cs = kernel code segment" "$ANY"
set_fixed $((o_regs + H + 20 * 8)) 8 0x18
try "REGS ss = kernel data segment" "$ANY"
set_fixed $((o_regs + H + 21 * 8)) 8 0xffffffff81000000
try "REGS fs_base at a kernel address" "$ANY"
if [ -n "$o_rlim" ]; then
	set_fixed $((o_rlim + H + 7 * 16)) 8 2
	imgedit set bad.img $((o_rlim + H + 7 * 16 + 8)) 8 1 || fail "imgedit set"
	try "RLIMIT_NOFILE soft above hard" "$ANY"
fi
if [ -n "$o_sigp" ]; then
	set_fixed $((o_sigp + H)) 4 0
	try "pending signal 0" EBADMSG
	set_fixed $((o_sigp + H)) 4 65
	try "pending signal 65" EBADMSG
	set_fixed $((o_sigp + H + 8)) 4 9
	try "pending signal whose siginfo names another" "$ANY"
else
	log "note: no SIGPENDING record in the image (spin -p queued SIGUSR2)"
fi
if [ -n "$o_xstate" ]; then
	set_fixed $((o_xstate + H + 520)) 8 0x8000000000000003
	try "XSTATE in compacted format" "$ANY"
	set_fixed $((o_xstate + H + 512)) 8 0x4000000000000003
	try "XSTATE with a reserved feature bit" "$ANY"
fi
o_clk=$(rec_off CLOCKS)
[ -n "$o_clk" ] || fail "no CLOCKS record in the image"
set_fixed $((o_clk + H + 16)) 8 0
try "CLOCKS with BOOTTIME before MONOTONIC" EBADMSG
set_fixed $((o_clk + H + 8)) 8 -1
try "CLOCKS with a negative MONOTONIC_RAW" EBADMSG
set_fixed $((o_end + H)) 8 1
try "END with a wrong record count" EBADMSG

# control: the intact image restores
restart good.img </dev/null >good.out 2>good.err || fail "the intact image does not restore: $(cat good.err)"
track "$pid"
proc_alive "$pid" || fail "the intact image's process is not running"
kill -9 "$pid"
expect_gone "$pid" "killing the control"

# A name is hostile too: "ckpt show" prints an open file's path with its
# control characters (ESC, a newline) and backslashes escaped as \xNN,
# so an image cannot drive the terminal or fake a line of its own.
weird=$(printf 'esc\033[31mred\nline\\x')
: >"$weird" || fail "cannot make a file with control characters in its name"
sleep 1000 </dev/null >/dev/null 2>&1 3<"$weird" &
pid=$!
track "$pid"
wait_for 10 proc_alive "$pid" || fail "sleep did not start"
ckpt -o weird.img "$pid" 2>ckpt.err || fail "ckpt of the weird name failed: $(cat ckpt.err)"
kill -9 "$pid"
ckpt show weird.img >weird.out 2>&1 || fail "ckpt show weird.img: $(tail -n 3 weird.out)"
grep -q "$(printf '\033')" weird.out && fail "ckpt show printed a raw ESC"
grep -qF 'esc\x1b[31mred\x0aline\x5cx' weird.out ||
	fail "ckpt show did not print the name escaped: $(grep -a 'esc' weird.out | head -n 3)"
# Mutations, many of them (imgedit mutate: one change anywhere in the
# metadata, chosen by a seed, its record's CRC fixed): of spin's image,
# fdkinds' epoll and memfd images, sockets' pairs image and a tree of
# four processes.  Each must be refused (exit 1, its first line naming
# an errno, not ETIMEDOUT; every new process gone within 10 s, as a
# failed tree's members die on their own) or restored (every new process
# killed then); neither restart nor "ckpt show" may crash or hang, and
# the kernel log stays clean (the harness checks it).  The seeds are the
# same in every run (an image's bytes differ from boot to boot, so a
# failure may not repeat exactly: the log names image, seed and change);
# FUZZ_SEED0 and FUZZ_N change them for a longer hunt, e.g.
# CHECK_ARGS="test.FUZZ_N=300 test.FUZZ_SEED0=5000" (about 0.2 s a
# mutation: keep FUZZ_N * 5 * 0.2 s under this case's timeout).
case ${FUZZ_N:-100}${FUZZ_SEED0:-1} in
*[!0-9]*) fail "FUZZ_N and FUZZ_SEED0 are numbers: '$FUZZ_N' '$FUZZ_SEED0'" ;;
esac
image_of f-epoll fdkinds epoll
image_of f-memfd fdkinds memfd
image_of f-pairs sockets pairs
# a tree of four processes with a pipe and open files shared (33-tree's)
top=$TESTDIR
subdir f-tree
tree_start tree "R A B C"
tree_ckpt_kill ckpt.err "$top/f-tree.img" "$root" "" $members
cd "$top" && TESTDIR=$top || fail "cd $top"

# snap_pids, then new_pids: NEW, the user processes (not kernel threads,
# not zombies) that were not there at snap_pids, but busybox timeout's
# watcher (it polls for a second after its command exits); new_pids
# forks nothing, so it does not find itself.
snap_pids() {
	_before=" $(for _d in /proc/[0-9]*; do [ -e "$_d/exe" ] && echo "${_d#/proc/}"; done | tr '\n' ' ') "
}
new_pids() {
	NEW=
	for _d in /proc/[0-9]*; do
		case $_before in *" ${_d#/proc/} "*) continue ;; esac
		_c=
		read -r _c 2>/dev/null <"$_d/comm"
		[ -e "$_d/exe" ] && [ "$_c" != timeout ] && NEW="$NEW ${_d#/proc/}"
	done
}
# all_gone: every process of NEW gone (or a zombie)
all_gone() {
	for _p in $NEW; do
		proc_gone "$_p" || return 1
	done
}
seed=${FUZZ_SEED0:-1} fz=0 fz_ok=0 fz_no=0
for img in good.img f-epoll.img f-memfd.img f-pairs.img f-tree.img; do
	log "mutating $img from seed $((seed + 1))"
	i=0
	while [ $i -lt "${FUZZ_N:-100}" ]; do
		i=$((i + 1)) seed=$((seed + 1)) fz=$((fz + 1))
		cp "$img" fz.img
		what=$(imgedit mutate fz.img "$seed") || fail "imgedit mutate $img $seed"
		at="$img seed $seed ($what)"
		snap_pids
		timeout 30 restart -v fz.img </dev/null >fz.out 2>fz.err
		st=$?
		new_pids
		grep -q "killed by SIG\|(ETIMEDOUT)" fz.err &&
			fail "$at: $(tr '\n' '|' <fz.err | head -c 400)"
		case $st in
		0)
			# (none when it died at once, of mutated registers)
			# shellcheck disable=SC2086
			kill -9 $NEW 2>/dev/null
			wait_for 10 all_gone || fail "$at: restored processes$NEW outlive kill -9"
			fz_ok=$((fz_ok + 1))
			;;
		1)
			grep -v "^[a-z-]*: warning: " fz.err | head -n 1 | grep -qE '\(E[A-Z0-9]+\)' ||
				fail "$at: refused without an errno first: $(tr '\n' '|' <fz.err)"
			wait_for 10 all_gone ||
				fail "$at: refused, but new processes$NEW are left ($(for p in $NEW; do cat /proc/$p/comm; done 2>/dev/null | tr '\n' ' '))"
			fz_no=$((fz_no + 1))
			;;
		*)
			fail "$at: restart exited $st: $(tr '\n' '|' <fz.err | head -c 400)"
			;;
		esac
		timeout 30 ckpt show fz.img >/dev/null 2>fz.show
		st=$?
		[ "$st" -le 1 ] || fail "$at: ckpt show exited $st: $(head -c 300 fz.show)"
	done
done
log "$fz mutated images: $fz_no refused, $fz_ok restored (and killed)"
pass "$n damaged images rejected; names printed escaped; $fz mutated images refused or restored"
