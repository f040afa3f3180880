#!/bin/sh
# 53-epoll-inotify: an epoll keeps its interest list (fds, events, data) over pipes and eventfds, and reports ready events after restart; inotify instances keep their watches (descriptors, masks, inodes, the next descriptor) and report events under them.
# Checkpointed and restored twice; fdkinds then checks the state itself
# (see tests/progs/fdkinds.c).  The inotify run watches under a tmpfs
# mounted at "mnt point" (mountinfo escapes the space) and on the root
# filesystem.
# timeout: 180
. "$(dirname "$0")/lib.sh"
require_module

fdkinds_twice epoll "FDSTATE" " epoll"

subdir inotify
mkdir "mnt point" && mount -t tmpfs ckpt-test "mnt point" ||
	fail "cannot mount a tmpfs on 'mnt point'"
fdkinds_twice inotify "fd 3 inotify, next watch descriptor 6" \
	"fd 3: watch 4 mask 0x4000fff on $TESTDIR/mnt point/sub " \
	"fd 4: watch 1 mask 0x100 on /tests/progs " \
	"fd 3: 4 events not read" "watch 1 mask 0x40 cookie [0-9]* \"p1\""
umount "mnt point" || fail "umount 'mnt point'"
pass
