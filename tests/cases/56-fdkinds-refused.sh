#!/bin/sh
# 56-fdkinds-refused: what cannot be restored faithfully is refused, and
# hostile images are rejected.
# (a) ckpt refuses (exit 1, one line naming EOPNOTSUPP) a timerfd armed
#     with TFD_TIMER_CANCEL_ON_SET, an epoll watching an epoll, a
#     MAP_PRIVATE mapping of a memfd and an inotify watch whose directory
#     has no reachable path (its tmpfs covered by another mount), and
#     (EBUSY) an inotify instance with more unread events than an image
#     keeps (1500, 72000 bytes); the process lives on.
# (b) images of eventfd/epoll, timerfd, memfd and inotify processes, with
#     one field of an FDSTATE, SHMEM, SHMDATA, FILE or INWATCH record
#     changed (CRC fixed up): restart exits 1 naming EBADMSG (ENOENT for a
#     watched path that is not there) and leaves no process behind; the
#     intact image then restores and passes its checks.
# timeout: 360
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err walk.out"
H=16		# sizeof(struct ckpt_rec_header)

for what in cancel nested private-memfd; do
	mkdir "r-$what"
	fdkinds "refuse-$what" "$TESTDIR/r-$what" </dev/null >/dev/null 2>p.err &
	pid=$!
	track "$pid"
	wait_for 30 test -e "r-$what/ready" || fail "fdkinds refuse-$what did not start"
	ckpt --kill -o "r-$what.img" "$pid" 2>"r-$what.err"
	st=$?
	[ "$st" -eq 1 ] || fail "ckpt of refuse-$what exited $st, expected 1"
	expect_err EOPNOTSUPP "r-$what.err" >/dev/null
	proc_alive "$pid" || fail "refuse-$what: the refused process did not survive"
	log "refused $what: $(head -n 1 "r-$what.err")"
	kill -9 "$pid"
done

# refuse_inotify WHAT ERRNO: as above, for fdkinds refuse-WHAT (inotify)
refuse_inotify() {
	fdkinds "refuse-$1" "$TESTDIR/r-$1" </dev/null >/dev/null 2>p.err &
	pid=$!
	track "$pid"
	wait_for 30 test -e "r-$1/ready" || fail "fdkinds refuse-$1 did not start"
	[ "$1" = hidden ] && { mount -t tmpfs over "r-$1/hidden" || fail "mount over r-$1/hidden"; }
	ckpt --kill -o "r-$1.img" "$pid" 2>"r-$1.err"
	st=$?
	[ "$st" -eq 1 ] || fail "ckpt of refuse-$1 exited $st, expected 1"
	expect_err "$2" "r-$1.err" >/dev/null
	grep -q "fd 3 (inotify)" "r-$1.err" || fail "refuse-$1: the message does not name fd 3 (inotify): $(cat "r-$1.err")"
	proc_alive "$pid" || fail "refuse-$1: the refused process did not survive"
	log "refused $1: $(head -n 1 "r-$1.err")"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
}
mkdir r-unread r-hidden r-hidden/hidden
mount -t tmpfs under r-hidden/hidden || fail "mount r-hidden/hidden"
refuse_inotify unread EBUSY
refuse_inotify hidden EOPNOTSUPP
umount r-hidden/hidden && umount r-hidden/hidden || fail "umount r-hidden/hidden"

# image MODE: a checkpoint of fdkinds MODE in dir MODE/, killed; walk.out
image() {
	image_of "$1" fdkinds "$1"
	imgedit walk "$1.img" >walk.out 2>&1 || fail "imgedit walk $1"
}
# rec_off TYPE [N]: offset of the Nth record of TYPE
rec_off() {
	awk -v t="$1" -v n="${2:-1}" '$2 == t && ++i == n { print $1; exit }' walk.out
}

image timerfd
o=$(rec_off FDSTATE)
bad_img timerfd.img "timerfd clock 5 (CLOCK_REALTIME_COARSE)" $((o + H + 16)) 4 5
bad_img timerfd.img "timerfd negative time left" $((o + H + 32)) 8 0xffffffffffffffff
bad_img timerfd.img "FDSTATE of an fd that is no timerfd" $((o + H)) 4 0

image epoll
o=$(rec_off FDSTATE)		# the epoll (lowest fd)
o2=$(rec_off FDSTATE 2)		# an eventfd
bad_img epoll.img "epoll item on an fd not in the image" $((o + H + 80)) 4 1000
bad_img epoll.img "epoll item with unknown event bits" $((o + H + 84)) 4 0x08000001
bad_img epoll.img "epoll state on an eventfd" $((o + H + 4)) 4 7
bad_img epoll.img "eventfd counter 2^64-1" $((o2 + H + 24)) 8 0xffffffffffffffff
bad_img epoll.img "eventfd reserved field" $((o2 + H + 64)) 8 1
epid=$pid

image memfd
o=$(rec_off SHMEM)
od=$(rec_off SHMDATA)
of=$(awk '$2 == "FENTRY" && / kind=11/ { print $1; exit }' walk.out)	# an entry
bad_img memfd.img "memfd name without its NUL" $((o + H + 32 + $(awk -v o="$o" '$1 == o { print $3 - 33 }' walk.out))) 1 0x41
bad_img memfd.img "memfd unknown seal" $((o + H + 20)) 4 0x100
bad_img memfd.img "shared memory piece beyond its size" $((od + H + 8)) 8 0x10000000000
bad_img memfd.img "memfd fd naming no object" $((of + 24)) 8 0x7fffffff

mkdir -p "inotify/mnt point"
image inotify
o=$(rec_off INWATCH)		# fd 3's watch 1: TESTDIR/inotify/w/d
os=$(rec_off FDSTATE)		# fd 3's FDSTATE
ol=$(awk -v o="$o" '$1 == o { print $3 }' walk.out)
bad_img inotify.img "watch descriptor 0" $((o + H + 4)) 4 0
bad_img inotify.img "watch mask with an unknown bit" $((o + H + 8)) 4 0x08000100
bad_img inotify.img "watch of fd 0, no inotify" $((o + H)) 4 0
bad_img inotify.img "watch path without its NUL" $((o + H + ol - 1)) 1 0x41
bad_img inotify.img "inotify next descriptor 0" $((os + H + 24)) 8 0
oe=$(rec_off INEVENTS)		# fd 3's 4 unread events, the first "p1"
bad_img inotify.img "unread events: count 5 for 4" $((oe + H + 4)) 4 5
bad_img inotify.img "unread event of watch 0" $((oe + H + 16)) 4 0
bad_img inotify.img "unread event with an unknown mask bit" $((oe + H + 20)) 4 0x08000100
bad_img inotify.img "overflow event first, with a watch" $((oe + H + 20)) 4 0x4000
bad_img inotify.img "unread event's name padded with junk" $((oe + H + 47)) 1 0x41
# a watched path that is not there: ENOENT before anything changes
cp inotify.img gone.img
imgedit set gone.img $((o + H + ol - 2)) 1 0x71 || fail "imgedit set (path)"
restart gone.img </dev/null >gone.out 2>gone.err
st=$?
[ "$st" -eq 1 ] || fail "a watch of a missing path: restart exited $st, expected 1"
problem=$(err_problem ENOENT gone.err)
[ -z "$problem" ] || fail "a watch of a missing path: $problem"
grep -q "fd 3 is an inotify instance.*/inotify/w/q" gone.err ||
	fail "a watch of a missing path: the message does not name fd 3 and the path: $(cat gone.err)"
expect_gone "$pid" "a watch of a missing path"
log "watch of a missing path: $(head -n 1 gone.err)"

# the intact image restores and passes its checks
restart --wait epoll.img </dev/null >restart.out 2>restart.err &
rpid=$!
track "$rpid"
wait_for 30 proc_alive "$epid" || fail "intact epoll image: pid $epid did not come back ($(cat restart.err))"
touch epoll/go
wait "$rpid"
st=$?
[ "$st" -eq 0 ] || fail "intact epoll image: exited with $st: $(cat p.err)"
grep -q "all checks passed" epoll.out || fail "intact epoll image: no success report"
pass
