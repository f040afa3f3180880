#!/bin/sh
# 90-tty-attrs: a session leader whose controlling terminal is a pty
# slave (the master held by another process): after restart the slave
# has its termios (flags, c_cc, speed) and window size back, and the
# process leads its session again with that terminal as its controlling
# terminal (ttyattrs checks it all); ckpt show names the settings.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out"

prog_start ttyattrs
holder=$(cat holder)
track "$holder"
prog_checkpoint
grep -q "terminal fd 5 (controlling terminal):.* window 33x101" show.out ||
	fail "ckpt show does not name fd 5 as the controlling terminal, 33x101"
prog_restart
prog_finish
proc_alive "$holder" || fail "the pty master's holder died"
pass
