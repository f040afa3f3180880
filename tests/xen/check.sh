#!/usr/bin/env bash
# make check-xen: deps, module, test program, images, one boot of Xen with
# dom0 and two PV domUs running the transport tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/xen/deps.sh
kver=$(tests/harness/kver.sh)
make -C "/usr/src/linux-headers-$kver" M="$PWD/xen-transport" modules
mkdir -p build/xen
gcc -O2 -Wall -Wextra -Werror -static -pthread -o build/xen/xvtest tests/xen/xvtest.c
# ckpt in the domUs: migration from A to B over xen_vsock
make -C "/usr/src/linux-headers-$kver" M="$PWD" modules
make -C tools
gcc -O2 -Wall -Wextra -Werror -static -o build/xen/xmig tests/xen/xmig.c
tests/xen/mkimages.sh
exec tests/xen/run.sh
