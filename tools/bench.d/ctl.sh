#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Controller benchmarks: frames/s through the control loop with the HDF5
# log attached, safety reaction time (p50/p99), and CPU and memory of a
# real-time simulated run. Figures only; never fails on speed.
set -e
cd "$(dirname "$0")/../.."
make -s bin/bench build/libbench.a
B=build/tools
mkdir -p $B out
cc -O2 -std=c11 -D_GNU_SOURCE -I. -I/usr/include/hdf5/serial \
	-o $B/ctlbench tools/ctlbench.c build/libbench.a \
	$(pkg-config --libs libsocketcan libserialport inih libmosquitto) \
	-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl -lpthread -lm
$B/ctlbench out/ctlbench.h5 3

# A real-time run at the BMS's normal rate (96 cells, every frame every
# 100 ms), 60 s of wall time: CPU share of one core and peak RSS.
printf 'log every 1 s\nDischarge at C/3 for 1 minute\n' > out/ctlbench-60s.txt
BENCH_RUNTIME_DIR=$(mktemp -d) /usr/bin/time -f '%U %S %e %M' -o out/ctlbench.time \
	bin/bench run out/ctlbench-60s.txt --sim fixtures/packs/nmc96-healthy.ini \
	--speed 1 -o out/ctlbench-rt.h5 >/dev/null 2>&1
awk '{ printf "real-time run (--speed 1, 96 cells, %.0f s): CPU %.2f %% of a core (user %.2f s, sys %.2f s), peak RSS %.1f MB\n", $3, 100 * ($1 + $2) / $3, $1, $2, $4 / 1024 }' out/ctlbench.time
rm -f out/ctlbench-rt.h5 out/ctlbench-60s.txt out/ctlbench.time
