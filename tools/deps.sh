#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages the build and tests need, when missing.
# --bench: also those only the benchmarks use (tools/bench.d).
set -e
PKGS="build-essential pkg-config libsocketcan-dev libserialport-dev libhdf5-dev
hdf5-tools libcriterion-dev libinih-dev can-utils clang libclang-rt-14-dev
qemu-system-x86 busybox-static cpio kmod iproute2 valgrind chromium
python3 python3-h5py libmosquitto-dev mosquitto mosquitto-clients
libmicrohttpd-dev
libzip-dev"
PKGS="$PKGS mdbtools-dev"
# python3-xmltodict, mdbtools: NewareNDA and galvani's res2sqlite, the
# optional real-reader baseline of tools/bench.d/import.sh
BENCH_PKGS="time python3-pandas python3-xmltodict mdbtools"
[ "$1" = --bench ] && PKGS="$PKGS $BENCH_PKGS"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install:$missing (run as root or with sudo)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
