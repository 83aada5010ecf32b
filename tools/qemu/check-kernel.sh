#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check-kernel.sh - our SocketCAN, libsocketcan and libserialport code on a
# real Linux kernel: Debian's kernel in a QEMU guest with two emulated
# Kvaser PCI (SJA1000) controllers on one QEMU CAN bus (can0, can1), vcan,
# two 16550 UARTs wired to each other (ttyS1 <-> ttyS2) and a 9p folder
# (build/qemu/out) for results. Run by `make check-kernel` after bin/bench.
# Exit 0 only if every guest scenario passed and the host-side checks on
# what the guest left in the shared folder pass too.
set -eu
cd "$(dirname "$0")/../.."
t_start=$(date +%s)

die() { echo "check-kernel: $*" >&2; exit 1; }

for tool in qemu-system-x86_64 cpio gzip modinfo depmod apt-get dpkg \
	candump cansend cangen canplayer ip ldd; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "'$tool' is missing: run tools/deps.sh (qemu-system-x86," \
			"busybox-static, cpio, kmod, can-utils, iproute2)"
done
# the guest has no libc of its own for busybox: it must be the static one
ldd /bin/busybox 2>&1 | grep -q 'not a dynamic executable' ||
	die "/bin/busybox is missing or not static: install busybox-static"

BUILD=${BUILD:-build}
work=$BUILD/qemu
out=$work/out
mkdir -p "$work"

kdir=$(tools/qemu/fetch-kernel.sh .cache/kernel) ||
	die "cannot fetch the Debian kernel package"
kernel=$(ls "$kdir"/boot/vmlinuz-*)

# the guest test binaries, built with the same rule as every other test
hw_tests=$(ls tests/hw/test_*.c | sed "s|^tests/|$BUILD/tests/|; s|\.c\$||")
make -s bin/bench $hw_tests || die "build failed"
# and the bus backend's guest tests again under ASan+UBSan, linked with only
# the unit under test (the backend never runs on this host otherwise)
mkdir -p "$work/asan"
for t in test_canbus_socketcan test_canif test_isotp_socketcan \
	test_j1939_socketcan; do
	${CC:-gcc} -O1 -g -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
		-Werror -D_GNU_SOURCE -I. -Itests/support \
		-fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined -o "$work/asan/$t" \
		"tests/hw/$t.c" tests/support/support.c can/canbus.c \
		can/canbus_mem.c can/canbus_socketcan.c can/isotp.c \
		can/isotp_engine.c can/isotp_user.c can/isotp_socketcan.c \
		can/j1939.c can/j1939_engine.c can/j1939_user.c \
		can/j1939_socketcan.c \
		common/clock.c \
		common/log.c common/rc.c -lsocketcan -lcriterion -lpthread ||
		die "cannot build the ASan variant of $t"
done

tools/qemu/mkinitramfs.sh "$kdir" "$work/initramfs.cpio.gz" ||
	die "cannot build the initramfs"

rm -rf "$out"
mkdir -p "$out"
only_arg=
if [ -n "${CHECK_KERNEL_ONLY:-}" ]; then
	only_arg="bench_only=$(echo "$CHECK_KERNEL_ONLY" | tr ' ' ,)"
	echo "check-kernel: PARTIAL RUN, only: $CHECK_KERNEL_ONLY"
fi
# two UDP ports per run for the null-modem UART pair
port=$((20000 + $$ % 20000 * 2))
t_boot=$(date +%s)
set +e
# the end-to-end scenarios run in real time (about 6 of the guest's
# minutes); a machine loaded to 15 on two cores stretches the rest by half
timeout "${QEMU_TIMEOUT:-720}" qemu-system-x86_64 \
	-accel tcg -m 512M -smp 1 -nodefaults -no-user-config \
	-display none -no-reboot \
	-kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 8250.nr_uarts=4 $only_arg" \
	-serial mon:stdio \
	-chardev udp,id=s1,host=127.0.0.1,port=$((port + 1)),localaddr=127.0.0.1,localport=$port \
	-serial chardev:s1 \
	-chardev udp,id=s2,host=127.0.0.1,port=$port,localaddr=127.0.0.1,localport=$((port + 1)) \
	-serial chardev:s2 \
	-object can-bus,id=canbus0 \
	-device kvaser_pci,canbus=canbus0 \
	-device kvaser_pci,canbus=canbus0 \
	-virtfs local,path="$out",mount_tag=out,security_model=none,id=out \
	</dev/null >"$work/console.log" 2>&1
qemu_rc=$?
set -e
t_end=$(date +%s)

[ $qemu_rc -eq 0 ] || {
	tail -n 40 "$work/console.log"
	die "qemu exited with status $qemu_rc (124 = timed out)"
}
[ -f "$out/done" ] || {
	tail -n 40 "$work/console.log"
	die "the guest did not finish its scenarios (see $work/console.log)"
}

fail=0
# the host reads and grades what the guest left (run files, captures)
if [ -n "$only_arg" ]; then
	echo "(host checks not run in a partial run)"
elif BENCH_QEMU_OUT=$out BENCH_BIN=bin/bench \
	"$BUILD/tests/hw/test_e2e_files" --jobs 1 --verbose \
	>"$out/logs/host_checks.log" 2>&1; then
	echo "PASS host_checks" >>"$out/results"
else
	echo "FAIL host_checks" >>"$out/results"
fi
[ -n "$only_arg" ] || grep -E '^\[(PASS|FAIL)\]|checked|DCIR|later' \
	"$out/logs/host_checks.log" || true
echo "---- guest scenarios ($out/logs/NAME.log)"
cat "$out/results"
for name in $(awk '$1 == "FAIL" { print $2 }' "$out/results"); do
	echo "---- $name failed; end of $out/logs/$name.log:"
	tail -n 25 "$out/logs/$name.log"
	fail=1
done
grep -q '^PASS' "$out/results" || fail=1
echo "---- times: guest boot $(awk '/^boot_s/ { print $2 }' "$out/guest-times") s" \
	"(kernel to init), guest total $(awk '/^total_s/ { print $2 }' "$out/guest-times") s," \
	"qemu $((t_end - t_boot)) s, check-kernel $((t_end - t_start)) s"
if [ $fail -ne 0 ]; then
	echo "check-kernel: FAILED"
	exit 1
fi
if [ -n "$only_arg" ]; then
	echo "check-kernel: PARTIAL RUN ($CHECK_KERNEL_ONLY) passed; not a pass"
	exit 2
fi
echo "check-kernel: all guest scenarios passed"
