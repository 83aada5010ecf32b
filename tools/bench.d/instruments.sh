#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SCPI cycler figures (tools/bench.d/instruments_bench.c): per-call cost of
# measure and set_current over a pty to the simulated supply, and parser
# throughput. Prints figures; never fails on speed.
set -e
cd "$(dirname "$0")/../.."
out=${BENCH_OUT:-build/bench-instruments}
mkdir -p "$out"
[ -f build/libbench.a ] || make -s build/libbench.a
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I. -o "$out/instruments_bench" \
	tools/bench.d/instruments_bench.c build/libbench.a \
	$(pkg-config --libs libsocketcan libserialport inih libmosquitto) \
	-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl -lpthread -lm
"$out/instruments_bench" "${INSTR_BENCH_CALLS:-2000}"
