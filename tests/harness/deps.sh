#!/usr/bin/env bash
# Install the packages the build and the guest tests need, and fetch the Debian
# kernel the guest boots into build/kernel/ (kept there: later runs reuse it).
# As root: one 'apt-get update', then 'apt-get install --no-install-recommends'
# of what is missing. Otherwise: print the apt-get line to run and fail.
set -euo pipefail
cd "$(dirname "$0")/../.."

kdir=build/kernel
updated=0
is_root=0
[[ $(id -u) == 0 ]] && is_root=1

apt_update() {
	((updated)) && return 0
	echo "deps: apt-get update"
	apt-get update -qq
	updated=1
}

# A fresh machine may have no package lists: apt-cache then knows nothing.
if ((is_root)) && ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
	apt_update
fi
kver=$(tests/harness/kver.sh)

pkgs=(qemu-system-x86 busybox-static cpio xz-utils kmod "linux-headers-$kver"
	libnl-genl-3-dev libnl-3-dev libzstd-dev pkg-config gcc make libc6-dev binutils)
missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[[ $status == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	install=(apt-get install -y --no-install-recommends "${missing[@]}")
	if ((!is_root)); then
		echo "deps: missing packages; as root run:" >&2
		echo "  apt-get update && ${install[*]}" >&2
		exit 1
	fi
	apt_update
	echo "deps: ${install[*]}"
	DEBIAN_FRONTEND=noninteractive "${install[@]}"
fi

if [[ -f $kdir/vmlinuz && $(cat "$kdir/KVER" 2>/dev/null) == "$kver" ]]; then
	echo "deps: kernel $kver already in $kdir/"
	exit 0
fi

echo "deps: fetching linux-image-$kver into $kdir/"
rm -rf "$kdir"
mkdir -p "$kdir/dl"
download() {
	# As root, apt would try to download as user _apt, who cannot write here.
	(cd "$kdir/dl" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "linux-image-$kver")
}
if ! download; then
	((is_root)) || { echo "deps: cannot download linux-image-$kver" >&2; exit 1; }
	apt_update
	download
fi
dpkg-deb -x "$kdir"/dl/linux-image-*.deb "$kdir/root"
rm -rf "$kdir/dl"
cp "$kdir/root/boot/vmlinuz-$kver" "$kdir/vmlinuz"

# An uncompressed vmlinux boots about twice as fast (PVH direct boot). The
# bzImage carries it as an XZ stream: find it and decompress it, as the
# kernel's scripts/extract-vmlinux does. Failing that, the bzImage is used.
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kdir/vmlinuz" | head -n 1 | cut -d: -f1 || true)
if [[ -n $off ]] &&
	xz -dc --single-stream <(tail -c "+$((off + 1))" "$kdir/vmlinuz") >"$kdir/vmlinux" 2>/dev/null &&
	[[ $(head -c 4 "$kdir/vmlinux") == $'\x7fELF' ]]; then
	echo "deps: extracted $kdir/vmlinux for PVH boot"
else
	echo "deps: no vmlinux in the bzImage; the guest boots the bzImage"
	rm -f "$kdir/vmlinux"
fi
echo "$kver" >"$kdir/KVER"
