#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Recipe/step/safety benchmarks: the cost of one safety check of a full
# 192-cell snapshot (the in-process part of the reaction time), one step
# engine tick, one parse of the overnight recipe. Figures only.
set -e
cd "$(dirname "$0")/../.."
make -s build/libbench.a
mkdir -p build/tools
cc -O2 -std=c11 -D_GNU_SOURCE -I. -o build/tools/safetybench \
	tools/safetybench.c build/libbench.a $(pkg-config --libs inih) -lm
build/tools/safetybench
