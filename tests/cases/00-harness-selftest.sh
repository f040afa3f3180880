#!/bin/sh
# The guest environment the harness promises every case (tests/harness/README.md).
# timeout: 30
set -eu

fail() { echo "FAIL: $*"; exit 1; }

[ "$(pwd)" = "$TESTDIR" ] || fail "cwd $(pwd) is not TESTDIR=$TESTDIR"
[ -z "$(ls -A "$TESTDIR")" ] || fail "TESTDIR is not empty"
case ":$PATH:" in *:/tests/progs:*) ;; *) fail "PATH=$PATH lacks /tests/progs" ;; esac
[ -c /dev/ckpt ] || fail "no /dev/ckpt: is the module loaded?"
[ -e /sys/fs/cgroup/cgroup.controllers ] || fail "cgroup2 not mounted"
[ "$(id -u "$TEST_USER")" = 1000 ] || fail "no user $TEST_USER with uid 1000"
as_user() { su -s /bin/sh -c "$1" "$TEST_USER"; }
[ "$(as_user 'id -u')" = "$TEST_UID" ] || fail "cannot run as $TEST_USER"
as_user "touch '$TESTDIR/x'" || fail "TESTDIR is not writable by $TEST_USER"
/lib64/ld-linux-x86-64.so.2 --version >/dev/null || fail "the glibc runtime does not run"
echo "harness environment ok"
