#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CAN decode benchmark: `bench can decode --json` against can-utils log2asc
# on the same generated 1,000,000-frame candump log of a 96-cell BMS
# (fixtures/dbc/sim_bms.dbc). Prints frames/s and the time ratio; each tool
# runs 3 times and the best run counts. Never fails on speed.
set -e
cd "$(dirname "$0")/../.."
out=${BENCH_OUT:-build/bench-can}
bench=${BENCH_BIN:-bin/bench}
frames=${CAN_BENCH_FRAMES:-1000000}
dbc=fixtures/dbc/sim_bms.dbc
[ -f "$dbc" ] || dbc=fixtures/dbc/test/bms_mux.dbc
mkdir -p "$out"

${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I. -o "$out/can_genlog" tools/can_genlog.c \
	can/canlog.c can/canlog_asc.c can/canlog_gvret.c can/cansig.c can/dbc.c \
	can/dbc_lex.c \
	can/dbc_check.c \
	can/dbc_index.c common/log.c common/rc.c -lm
"$out/can_genlog" "$dbc" "$frames" > "$out/bms96.log"
[ -x "$bench" ] || make -s bin/bench

# best of 3 runs: wall seconds and CPU (user+sys) seconds, as "wall cpu";
# CPU time stays meaningful on a loaded machine, wall time is what a user waits
best() { # 'command line'
	b=""
	for i in 1 2 3; do
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f "%e %U %S" -o "$out/time.txt" sh -c "$1"
		else
			t0=$(date +%s.%N)
			sh -c "$1"
			t1=$(date +%s.%N)
			awk -v a="$t0" -v z="$t1" 'BEGIN { print z - a, z - a, 0 }' > "$out/time.txt"
		fi
		b=$(awk -v b="$b" '{ w = $1; c = $2 + $3 }
			END { split(b, o, " "); if (b != "" && o[1] < w) w = o[1];
			      if (b != "" && o[2] < c) c = o[2]; print w, c }' "$out/time.txt")
	done
	echo "$b"
}
td=$(best "'$bench' can decode --dbc '$dbc' --json '$out/bms96.log' > '$out/bms96.jsonl' 2>/dev/null")
tl=$(best "log2asc -I '$out/bms96.log' -O '$out/bms96.asc' can0")
lines=$(wc -l < "$out/bms96.jsonl")
echo "can decode: $frames frames of $(basename "$dbc") ($(du -m "$out/bms96.log" | cut -f1) MB), $lines JSON lines"
echo "$td $tl" | awk -v n="$frames" '{
	printf "  bench can decode --json: %.3f s wall, %.3f s CPU: %.0f frames/s wall, %.0f frames/s CPU\n", $1, $2, n / $1, n / $2
	printf "  log2asc (can-utils):     %.3f s wall, %.3f s CPU: %.0f frames/s wall, %.0f frames/s CPU\n", $3, $4, n / $3, n / $4
	printf "  time ratio decode/log2asc: %.2f wall, %.2f CPU (target: <= 1.00 and >= 2000000 frames/s)\n", $1 / $3, $2 / $4
}'
