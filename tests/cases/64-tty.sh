#!/bin/sh
# 64-tty: a terminal (the console) held open is reopened by path on
# restart: same fd, still a tty, O_RDWR|O_NONBLOCK kept, writable, and no
# controlling terminal gained; ckpt show names it.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start ttyuser
prog_checkpoint
grep -q "/dev/console" show.out || fail "the image does not name /dev/console"
prog_restart
prog_finish
pass
