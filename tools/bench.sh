#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run every benchmark script in tools/bench.d; they print figures.
for b in tools/bench.d/*.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	sh "$b" || echo "benchmark $b failed"
done
