#!/usr/bin/env bash
# Print the Debian kernel version (uname -r form, e.g. 6.1.0-56-amd64) that the
# test guest boots and that the module is built against. In order: $KVER, the
# kernel already fetched into build/kernel/ (if its headers are installed), the
# version linux-image-amd64 depends on, the newest installed amd64 headers.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ -n ${KVER:-} ]]; then
	echo "$KVER"
	exit 0
fi

cached=$(cat build/kernel/KVER 2>/dev/null || true)
if [[ -n $cached && -d /usr/src/linux-headers-$cached ]]; then
	echo "$cached"
	exit 0
fi

v=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | sort -V | tail -n 1)
if [[ -z $v ]]; then
	v=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' 2>/dev/null |
		sed 's/^linux-headers-//' | sort -V | tail -n 1)
fi
if [[ -z $v ]]; then
	echo "kver.sh: cannot tell which kernel to use: run 'apt-get update' (as root) or set KVER=" >&2
	exit 1
fi
echo "$v"
