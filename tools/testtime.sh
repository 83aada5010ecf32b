#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tools/testtime.sh RUN.h5: the run file's bench time, its last
# /timeseries/test_time_second (whole seconds). Used by `make demo FAST=1`
# and tools/bench.d/fastgrade.sh.
set -e
f=$1
n=$(h5ls "$f/timeseries/test_time_second" | sed -n 's/.*{\([0-9]*\)\/.*/\1/p')
[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "$f: no test time" >&2; exit 1; }
h5dump -d /timeseries/test_time_second -s $((n - 1)) -c 1 -w 0 "$f" |
	sed -n '/DATA {/,/}/{s/^ *\(([0-9]*): \)\{0,1\}\([0-9.e+-]*\) *$/\2/p}' |
	head -1 | awk '{printf "%d\n", $1}'
