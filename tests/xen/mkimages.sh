#!/usr/bin/env bash
# Build the two initramfs images of the Xen harness (uncompressed cpio):
#   build/xen/domu.img  busybox, vsock modules, xen_vsock.ko, xvtest, domu-init
#   build/xen/dom0.img  busybox, the xl toolstack and its libraries, the dom0
#                       Xen modules, the domU kernel (vmlinux) and domu.img
# Needs tests/xen/deps.sh, the module (xen-transport/xen_vsock.ko) and the
# test program (build/xen/xvtest) built first.
set -euo pipefail
cd "$(dirname "$0")/../.."

kver=$(cat build/kernel/KVER)
kmod=build/kernel/root/lib/modules/$kver/kernel
out=build/xen
mkdir -p "$out"

# copy_bin ROOT FILE...: copy programs with every library ldd lists.
copy_bin() {
	local root=$1 f lib
	shift
	for f in "$@"; do
		mkdir -p "$root/$(dirname "$f")"
		cp -L "$f" "$root/$f"
		for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
			[[ -e $root/$lib ]] && continue
			mkdir -p "$root/$(dirname "$lib")"
			cp -L "$lib" "$root/$lib"
		done
	done
}

base_root() {
	local root=$1
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,var/log,var/run,var/lib,lib/modules,root}
	cp /usr/bin/busybox "$root/bin/busybox"
	for a in $(/usr/bin/busybox --list); do
		[[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"
	done
	ln -sf ../bin/busybox "$root/sbin/init"
}

mkcpio() {
	(cd "$1" && find . -print0 | cpio --null -o -H newc --quiet) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# --- domU ---
ur=$out/domu-root
base_root "$ur"
cp "$kmod/net/vmw_vsock/vsock.ko" "$kmod/net/vmw_vsock/vmw_vsock_virtio_transport_common.ko" \
	"$ur/lib/modules/"
cp xen-transport/xen_vsock.ko "$ur/lib/modules/"
# bench network (make bench-xen): netfront, loaded in bench mode only
cp "$kmod/drivers/net/xen-netfront.ko" "$ur/lib/modules/"
# hostile-gntdev: B's root maps A's ring through /dev/xen/gntdev
cp "$kmod/drivers/xen/xen-gntdev.ko" "$ur/lib/modules/"
cp "$out/xvtest" "$ur/bin/xvtest"
# ckpt: the module, the tools (with their libraries) and the workload
if [[ -f module/ckpt.ko ]]; then
	strip --strip-debug -o "$ur/lib/modules/ckpt.ko" module/ckpt.ko
fi
for t in ckpt restart; do
	[[ -x tools/$t ]] && copy_bin "$ur" "tools/$t" && mv "$ur/tools/$t" "$ur/bin/$t"
done
rmdir "$ur/tools" 2>/dev/null || true
[[ -x $out/xmig ]] && cp "$out/xmig" "$ur/bin/xmig"
cp tests/xen/domu-init "$ur/init"
cp tests/xen/domu-tests.sh "$ur/bin/domu-tests.sh"
chmod +x "$ur/init" "$ur/bin/domu-tests.sh"
mkcpio "$ur" "$out/domu.img"

# --- dom0 ---
dr=$out/dom0-root
base_root "$dr"
xb=/usr/lib/xen-4.17/bin
copy_bin "$dr" $xb/xl $xb/xenstored $xb/xenconsoled $xb/xen-init-dom0 \
	/usr/bin/xenstore-read /usr/bin/xenstore-write /usr/bin/xenstore-chmod \
	/usr/bin/xenstore-ls /usr/bin/xenstore-rm /usr/bin/xenstore-list
# glibc loads libgcc_s at run time for pthread_cancel; ldd does not list it.
gcc_s=$(gcc -print-file-name=libgcc_s.so.1)
mkdir -p "$dr/lib/x86_64-linux-gnu"
cp -L "$gcc_s" "$dr/lib/x86_64-linux-gnu/"
for f in /lib64/ld-linux-x86-64.so.2; do mkdir -p "$dr/lib64"; cp -L "$f" "$dr/lib64/"; done
mkdir -p "$dr/usr/sbin" "$dr/etc/xen" "$dr/var/lib/xen" "$dr/var/log/xen/console" \
	"$dr/var/run/xen" "$dr/var/run/xenstored" "$dr/var/lib/xenstored"
ln -sf ../lib/xen-4.17/bin/xl "$dr/usr/sbin/xl"
: >"$dr/etc/xen/xl.conf"
[[ -d /etc/xen/scripts ]] && cp -a /etc/xen/scripts "$dr/etc/xen/"
for m in drivers/xen/xen-evtchn.ko drivers/xen/xen-gntdev.ko drivers/xen/xen-gntalloc.ko \
	drivers/xen/xen-privcmd.ko drivers/xen/xenfs/xenfs.ko; do
	cp "$kmod/$m" "$dr/lib/modules/"
done
# bench network (make bench-xen): netback and the bridge, loaded in bench
# mode only, and our vif hotplug script (xl's vif-bridge needs bash)
for m in net/llc/llc.ko net/802/stp.ko net/bridge/bridge.ko \
	drivers/net/xen-netback/xen-netback.ko; do
	cp "$kmod/$m" "$dr/lib/modules/"
done
mkdir -p "$dr/etc/xen/scripts"
cp tests/xen/vif-xvt "$dr/etc/xen/scripts/vif-xvt"
chmod +x "$dr/etc/xen/scripts/vif-xvt"
mkdir -p "$dr/boot"
cp build/kernel/vmlinux "$dr/boot/vmlinux"
cp "$out/domu.img" "$dr/boot/domu.img"
cp tests/xen/dom0-init "$dr/init"
cp xen-transport/tools/xen-vsock-setup "$dr/bin/xen-vsock-setup"
chmod +x "$dr/init" "$dr/bin/xen-vsock-setup"
mkcpio "$dr" "$out/dom0.img"
rm -rf "$ur" "$dr"
echo "mkimages: $(du -h "$out/dom0.img" | cut -f1) dom0.img, $(du -h "$out/domu.img" | cut -f1) domu.img"
