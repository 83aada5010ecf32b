#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# HDF5 writer: samples/s sustained for 96 and 192 cells, file size per
# hour at 10 Hz. Figures only; never fails on speed.
set -e
cd "$(dirname "$0")/../.."
out=build/bench-h5log
mkdir -p "$out"
gcc -O2 -std=c11 -D_GNU_SOURCE -I. -o "$out/h5log_bench" \
	tools/bench.d/h5log_bench.c build/libbench.a \
	-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 \
	$(pkg-config --libs libsocketcan libserialport inih libmosquitto) -lpthread -lm
"$out/h5log_bench" "$out"
rm -f "$out"/*.h5
