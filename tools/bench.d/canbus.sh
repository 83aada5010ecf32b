#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# In-process CAN bus throughput (tools/bench.d/canbus_bench.c): what the
# simulator's BMS and the controller pay per frame. Prints figures only.
set -e
cd "$(dirname "$0")/../.."
out=${BENCH_OUT:-build/bench-canbus}
mkdir -p "$out"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. \
	-o "$out/canbus_bench" \
	tools/bench.d/canbus_bench.c can/canbus.c can/canbus_mem.c \
	can/canbus_socketcan.c common/clock.c common/log.c common/rc.c \
	-lsocketcan -lpthread
"$out/canbus_bench" "${CANBUS_BENCH_FRAMES:-2000000}"
