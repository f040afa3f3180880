#!/usr/bin/env bash
# Build the test guest's initramfs, build/guest/initramfs.cpio (uncompressed:
# under TCG the kernel unpacks it faster than it could gunzip it).
#
# Contents: busybox (applet links made here), tests/guest/init as /init, the
# module at /lib/modules/ckpt.ko, the tools in /bin, tests/progs/build/* in
# /tests/progs, tests/cases/*.sh in /tests/cases, tests/demo/ in /tests/demo,
# and the host's glibc runtime for every dynamically linked program copied.
#
# The two-node scenarios, tests/nodes/*.sh, go to /tests/nodes, with the
# virtio block modules (in /lib/modules/virtio/, in load order) for the disk
# that carries their files from one boot to the next.
#
# Overrides (for harness self-tests): CKPT_KO=path/to/a.ko, CKPT_CASES=dir,
# CKPT_DEMO=dir.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=build/guest
root=$out/root
ko=${CKPT_KO:-module/ckpt.ko}
cases=${CKPT_CASES:-tests/cases}
demo=${CKPT_DEMO:-tests/demo}

rm -rf "$root"
mkdir -p "$out" "$root"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,run,root,lib/modules,lib64} \
	"$root"/tests/{progs,cases,demo,nodes} "$root"/lib/modules/virtio

# busybox: one binary, a symlink per applet.
cp /bin/busybox "$root/bin/busybox"
for app in $(/bin/busybox --list-full); do
	if [[ $app == */* && ! -e $root/$app ]]; then
		ln -s /bin/busybox "$root/$app"
	fi
done

install -m 755 tests/guest/init "$root/init"

if [[ -f $ko ]]; then
	# Debug info only makes the image bigger: keep it in the build tree.
	strip --strip-debug -o "$root/lib/modules/ckpt.ko" "$ko"
else
	echo "mkinitramfs: warning: no $ko (the guest will fail module-load)" >&2
fi

for t in ckpt restart ckptctl ckpt-evacuate; do
	if [[ -x tools/$t ]]; then
		install -m 755 "tools/$t" "$root/bin/$t"
	fi
done

# vsock over loopback, for the migration cases (/lib/modules/vsock/).
kver=$(cat build/kernel/KVER 2>/dev/null || true)
vs=build/kernel/root/lib/modules/$kver/kernel/net/vmw_vsock
if [[ -n $kver && -d $vs ]]; then
	mkdir -p "$root/lib/modules/vsock"
	for m in vsock vmw_vsock_virtio_transport_common vsock_loopback; do
		cp "$vs/$m.ko" "$root/lib/modules/vsock/"
	done
fi
if [[ -d tests/progs/build ]]; then
	find tests/progs/build -maxdepth 1 -type f -perm -u+x -exec install -m 755 -t "$root/tests/progs" {} +
fi
if compgen -G "$cases/*.sh" >/dev/null; then
	install -m 755 "$cases"/*.sh "$root/tests/cases/"
fi
if compgen -G "tests/nodes/*.sh" >/dev/null; then
	install -m 755 tests/nodes/*.sh "$root/tests/nodes/"
	kmods=build/kernel/root/lib/modules/$(cat build/kernel/KVER)/kernel
	i=0
	for m in drivers/virtio/virtio_ring drivers/virtio/virtio \
		drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev \
		drivers/virtio/virtio_pci drivers/block/virtio_blk; do
		i=$((i + 1))
		install -m 644 "$kmods/$m.ko" "$root/lib/modules/virtio/$i-$(basename "$m").ko"
	done
fi
if [[ -d $demo ]]; then
	cp -r "$demo/." "$root/tests/demo/"
fi

# glibc runtime: what ldd lists for each program, plus what glibc loads
# without ldd seeing it (libgcc_s, for pthread_cancel and unwinding).
copy_lib() {
	[[ -e $root$1 ]] || { mkdir -p "$root$(dirname "$1")" && cp -L "$1" "$root$1"; }
}
libc=$(ldd /bin/true | awk '$1 == "libc.so.6" { print $3 }')
multiarch=$(dirname "$libc")
copy_lib "$libc"
copy_lib /lib64/ld-linux-x86-64.so.2
if [[ -e $multiarch/libgcc_s.so.1 ]]; then
	copy_lib "$multiarch/libgcc_s.so.1"
fi
while IFS= read -r -d '' f; do
	[[ $(head -c 4 "$f") == $'\x7fELF' ]] || continue
	while read -r lib; do
		copy_lib "$lib"
	done < <(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
done < <(find "$root/bin" "$root/tests/progs" -type f ! -name busybox -print0)

# Lets the kernel give /init a console before /dev is mounted (needs root).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner 0:0 --quiet) >"$out/initramfs.cpio"
echo "mkinitramfs: $out/initramfs.cpio ($(du -h "$out/initramfs.cpio" | cut -f1))"
