#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mkinitramfs.sh KERNEL_DIR OUT.cpio.gz - the guest's whole root file system.
#
# busybox-static (applets as links), iproute2's ip as /bin/ip2 (busybox's
# shell would run its own applet for a bare `ip`, which has no CAN; iproute2
# picks its mode from argv[0], so not `ipr`), can-utils, bin/bench, the
# guest test binaries (build/tests/hw/*), the fixtures, the guest scripts,
# every dynamic library these need (ldd, with the loader), and the CAN and
# 9p kernel modules with their dependencies, in load order (/modules.order).
# Run from the repository root.
set -eu
kdir=$1
out=$2
root=$(dirname "$out")/root
ver=$(ls "$kdir/lib/modules")

rm -rf "$root"
mkdir -p "$root"/bin "$root"/sbin "$root"/lib/modules "$root"/proc \
	"$root"/sys "$root"/dev "$root"/tmp "$root"/out "$root"/tests \
	"$root"/guest "$root"/etc

cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

# binary SRC DEST: copy an executable and the libraries it loads
binary() {
	mkdir -p "$root$(dirname "$2")"
	cp -L "$1" "$root$2"
	ldd "$1" 2>/dev/null | awk '/=>/ { print $3 } /^\t\// { print $1 }' |
		while read -r lib; do
			[ -n "$lib" ] && [ ! -e "$root$lib" ] || continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
}

rm -f "$root/bin/ip"
binary "$(command -v ip)" /bin/ip2
for t in candump cansend cangen canplayer; do
	binary "$(command -v $t)" "/bin/$t"
done
binary bin/bench /bin/bench
# the guest tests (test_e2e_files runs on the host, after the guest)
for t in "${BUILD:-build}"/tests/hw/test_*; do
	case $t in *test_e2e_files) continue ;; esac
	[ -x "$t" ] && binary "$t" "/tests/$(basename "$t")"
done
for t in "$(dirname "$out")"/asan/test_*; do
	[ -x "$t" ] && binary "$t" "/tests/asan/$(basename "$t")"
done
cp tools/qemu/guest/* "$root/guest/"
# a candump log written by our own code (tools/can_genlog, what the decode
# benchmark uses) for the guest's canplayer replay check
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I. -o "$(dirname "$out")/can_genlog" \
	tools/can_genlog.c can/canlog.c can/canlog_asc.c can/canlog_gvret.c \
	can/cansig.c can/dbc.c \
	can/dbc_lex.c \
	can/dbc_check.c can/dbc_index.c common/log.c common/rc.c -lm
"$(dirname "$out")/can_genlog" fixtures/dbc/sim_bms.dbc 500 can0 \
	>"$root/guest/genlog.log"
cp -r fixtures "$root/fixtures"
mv "$root/guest/init.sh" "$root/init"
chmod +x "$root/init" "$root"/guest/*.sh
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"

# modules, dependencies first (modinfo -F depends), each once
: >"$root/modules.order"
load() {
	grep -qx "$1" "$root/modules.order.names" 2>/dev/null && return 0
	for d in $(modinfo -b "$kdir" -k "$ver" -F depends "$1" | tr , ' '); do
		load "$d"
	done
	path=$(modinfo -b "$kdir" -k "$ver" -n "$1")
	cp "$path" "$root/lib/modules/"
	echo "$1" >>"$root/modules.order.names"
	basename "$path" >>"$root/modules.order"
}
for m in can can-raw can-dev vcan sja1000 kvaser_pci can-j1939 can-isotp \
	virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
	virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
	load "$m"
done
rm -f "$root/modules.order.names"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
