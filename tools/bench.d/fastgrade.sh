#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bench hours per graded pack: the fast grade (fast.txt plus the shelf
# check 48 h later, docs/grading.md "Fast grading") against the overnight
# recipe of the pack's chemistry, on a few fixture packs at --speed max.
# The bench time is each run file's test time (tools/testtime.sh); the
# 48 h on the shelf holds no bench. About a minute of CPU per NMC pack.
set -e
out=build/bench-fastgrade
mkdir -p $out
export BENCH_RUNTIME_DIR=${BENCH_RUNTIME_DIR:-$out/rt}
mkdir -p "$BENCH_RUNTIME_DIR"
hours() { awk -v s="$1" 'BEGIN { printf "%.2f", s / 3600 }'; }
grade() { bin/bench grade "$@" 2>/dev/null | sed -n '1s/.*: //p'; }

printf '%-24s %-28s %-28s %s\n' pack "fast+shelf h (grade)" \
	"overnight h (grade)" "overnight / fast"
for p in ${FASTGRADE_PACKS:-lfp30-healthy lfp30-weakmodule nmc96-aged-weakmodule}; do
	ini=fixtures/packs/$p.ini
	night=fixtures/recipes/overnight.txt
	grep -Eq '^chemistry *= *lfp' "$ini" && night=fixtures/recipes/overnight_lfp.txt
	bin/bench run fixtures/recipes/fast.txt --sim "$ini" --speed max \
		--overwrite -o $out/fast-$p.h5 >$out/$p.log 2>&1
	bin/bench run fixtures/recipes/shelf-check.txt --sim "$ini" \
		--speed max --shelf-from $out/fast-$p.h5 --shelf 48h \
		--overwrite -o $out/shelf-$p.h5 >>$out/$p.log 2>&1
	# a safety abort still leaves a run file to grade and time
	bin/bench run "$night" --sim "$ini" --speed max --overwrite \
		-o $out/night-$p.h5 >>$out/$p.log 2>&1 || true
	fast_s=$(($(tools/testtime.sh $out/fast-$p.h5) + $(tools/testtime.sh $out/shelf-$p.h5)))
	night_s=$(tools/testtime.sh $out/night-$p.h5)
	printf '%-24s %-28s %-28s %s\n' "$p" \
		"$(hours $fast_s) ($(grade $out/fast-$p.h5 --shelf $out/shelf-$p.h5))" \
		"$(hours $night_s) ($(grade $out/night-$p.h5))" \
		"$(awk -v a="$night_s" -v b="$fast_s" 'BEGIN { printf "%.1fx", a / b }')"
done
