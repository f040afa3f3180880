#!/usr/bin/env bash
# make bench-xen: same build as check.sh, then one boot of Xen with dom0 and
# two PV domUs in bench mode (tests/xen/domu-tests.sh, xvtest bench).
# Table in build/xen/bench.txt. Fails only if a measurement cannot run.
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/xen/deps.sh
kver=$(tests/harness/kver.sh)
make -C "/usr/src/linux-headers-$kver" M="$PWD/xen-transport" modules
mkdir -p build/xen
gcc -O2 -Wall -Wextra -Werror -static -pthread -o build/xen/xvtest tests/xen/xvtest.c
tests/xen/mkimages.sh
# A loaded host (QEMU TCG) makes the run much longer than the tests.
XVT_MODE=bench XVT_TIMEOUT=${XVT_TIMEOUT:-900} exec tests/xen/run.sh
