#!/bin/sh
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
	can/canlog.c can/cansig.c can/dbc.c can/dbc_lex.c can/dbc_check.c \
	can/dbc_index.c common/log.c common/rc.c -lm
"$out/can_genlog" "$dbc" "$frames" > "$out/bms96.log"
[ -x "$bench" ] || make -s bin/bench

now() { date +%s.%N; }
best() { # command... ; prints the best wall time of 3 runs in seconds
	b=""
	for i in 1 2 3; do
		t0=$(now)
		"$@"
		t1=$(now)
		b=$(awk -v a="$t0" -v z="$t1" -v b="$b" 'BEGIN { t = z - a; if (b == "" || t < b) b = t; print b }')
	done
	echo "$b"
}
dec() { "$bench" can decode --dbc "$dbc" --json "$out/bms96.log" > "$out/bms96.jsonl" 2>/dev/null; }
l2a() { log2asc -I "$out/bms96.log" -O "$out/bms96.asc" can0; }
td=$(best dec)
tl=$(best l2a)
lines=$(wc -l < "$out/bms96.jsonl")
echo "can decode: $frames frames of $(basename "$dbc") ($(du -m "$out/bms96.log" | cut -f1) MB), $lines JSON lines"
awk -v n="$frames" -v td="$td" -v tl="$tl" 'BEGIN {
	printf "  bench can decode --json: %.3f s, %.0f frames/s\n", td, n / td
	printf "  log2asc (can-utils):     %.3f s, %.0f frames/s\n", tl, n / tl
	printf "  time ratio decode/log2asc: %.2f (target: <= 1.00, >= 2000000 frames/s)\n", td / tl
}'
