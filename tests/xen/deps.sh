#!/usr/bin/env bash
# Packages and downloads the Xen harness needs, on top of tests/harness/deps.sh
# (which installs QEMU, busybox, the headers and fetches the Debian kernel into
# build/kernel/). Adds the Xen toolstack for dom0 and the hypervisor itself,
# unpacked into build/xen/hv/ (not installed: no grub hooks on this machine).
set -euo pipefail
cd "$(dirname "$0")/../.."

tests/harness/deps.sh

pkgs=(xen-utils-4.17 xenstore-utils libxen-dev)
missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[[ $status == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	if [[ $(id -u) != 0 ]]; then
		echo "xen-deps: as root run: apt-get install --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	echo "xen-deps: apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${missing[@]}"; }
fi

hv=build/xen/hv
if [[ ! -f $hv/xen.elf ]]; then
	echo "xen-deps: fetching xen-hypervisor-4.17-amd64 into $hv/"
	rm -rf "$hv"
	mkdir -p "$hv/dl"
	(cd "$hv/dl" && apt-get download -q -o APT::Sandbox::User="$(id -un)" xen-hypervisor-4.17-amd64)
	dpkg-deb -x "$hv"/dl/xen-hypervisor-*.deb "$hv/root"
	rm -rf "$hv/dl"
	xen=$(ls "$hv"/root/boot/xen-4.17*-amd64.gz | head -n 1)
	zcat "$xen" >"$hv/xen.elf.tmp"
	mv "$hv/xen.elf.tmp" "$hv/xen.elf"
fi
echo "xen-deps: ok"
