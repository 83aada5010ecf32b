#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fetch-kernel.sh CACHE_DIR - Debian's current bookworm kernel, once.
#
# Downloads linux-image-<abi>-amd64 with apt-get download (Debian archive
# only), unpacks it with dpkg -x and runs depmod, into CACHE_DIR/<package>/.
# Prints that directory. KERNEL_PKG overrides the package name.
set -eu
cache=$1
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

pkg=${KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')}
if [ -z "$pkg" ]; then
	echo "fetch-kernel: cannot find the linux-image-amd64 dependency" \
		"(apt-cache depends linux-image-amd64; run apt-get update?)" >&2
	exit 1
fi
dir=$cache/$pkg
if [ -f "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
rm -rf "$dir" "$cache/dl"
mkdir -p "$cache/dl"
(cd "$cache/dl" && apt-get download "$pkg" >&2)
dpkg -x "$cache"/dl/"$pkg"_*.deb "$dir"
ver=$(ls "$dir/lib/modules")
depmod -b "$dir" "$ver"
rm -rf "$cache/dl"
touch "$dir/.done"
echo "$dir"
