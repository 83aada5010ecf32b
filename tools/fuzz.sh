#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build every tests/fuzz/fuzz_*.c as a libFuzzer target (clang) and run each
# for FUZZ_SECONDS against its corpus in fixtures/fuzz/<name>/. A crash fails.
set -e
secs=${FUZZ_SECONDS:-60}
san="-fsanitize=fuzzer-no-link,address,undefined"
make -s BUILD=build-fuzz CC=clang SAN="$san" OPT="-O1 -g" build-fuzz/libbench.a
pk="$(pkg-config --cflags --libs libsocketcan libserialport inih libmosquitto libmdb libzip) -I/usr/include/hdf5/serial -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl -lpthread -lm"
fail=0
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	bin=build-fuzz/$name
	clang -O1 -g -std=c11 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
		-o "$bin" "$src" build-fuzz/libbench.a $pk
	corpus=fixtures/fuzz/${name#fuzz_}
	mkdir -p "$corpus" build-fuzz/new-$name
	echo "== $name: ${secs}s, corpus $corpus"
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/ build-fuzz/new-$name "$corpus" \
		2>build-fuzz/$name.log; then
		tail -30 build-fuzz/$name.log
		echo "FUZZ CRASH: $name (artifact in build-fuzz/)"
		fail=1
	else
		grep -E '^(#[0-9]+.*DONE|Done)' build-fuzz/$name.log | tail -1
	fi
done
exit $fail
