#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# init.sh - PID 1 of the test guest: mount, load modules, set up the CAN
# and serial interfaces, run the scenarios (tests.sh) with their output in
# the shared folder /out, then power off. The host reads /out/results.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mkdir -p /dev/shm /dev/pts
mount -t tmpfs shm /dev/shm
mount -t devpts pts /dev/pts

boot_s=$(cut -d' ' -f1 /proc/uptime)
for m in $(cat /modules.order); do
	insmod "/lib/modules/$m" || echo "guest: insmod $m failed"
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L out /out; then
	echo "guest: cannot mount the shared folder: no results possible"
	poweroff -f
fi
echo "boot_s $boot_s" >/out/guest-times
ip2 link set lo up

. /guest/tests.sh
run_all >/out/guest.log 2>&1
echo "total_s $(cut -d' ' -f1 /proc/uptime)" >>/out/guest-times
echo done >/out/done
sync
poweroff -f
