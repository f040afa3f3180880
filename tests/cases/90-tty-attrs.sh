#!/bin/sh
# 90-tty-attrs: a session leader whose controlling terminal is a pty
# slave (the master held by another process): after restart the slave
# has its termios (flags, c_cc, speed) and window size back, and the
# process leads its session again with that terminal as its controlling
# terminal (ttyattrs checks it all); ckpt show names the settings.  The
# holder of the master (/dev/ptmx) is refused, EOPNOTSUPP, the message
# saying it is a pseudo-terminal master, and it runs on.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_module
DUMP_ON_FAIL="p.err ckpt.err restart.err show.out herr"

prog_start ttyattrs
holder=$(cat holder)
track "$holder"
ckpt -o himg "$holder" 2>herr
st=$?
[ "$st" -eq 1 ] || fail "ckpt of the pty master's holder exited $st, expected 1"
expect_err EOPNOTSUPP herr >/dev/null
grep -q "pseudo-terminal master" herr || fail "the refusal does not say pseudo-terminal master: $(cat herr)"
prog_checkpoint
grep -q "terminal fd 5 (controlling terminal):.* window 33x101" show.out ||
	fail "ckpt show does not name fd 5 as the controlling terminal, 33x101"
prog_restart
prog_finish
proc_alive "$holder" || fail "the pty master's holder died"
pass
