#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark `bench grade` on a 24-hour, 192-cell, 10 Hz run file (864,000
# rows x 192 cells; 660 MB of cell voltages if loaded naively). Target:
# < 3 s and < 200 MB RSS. Prints figures; never fails on speed.
set -e
out=build/bench-grade
mkdir -p $out
run=$out/run24h-192c-10hz.h5
if [ ! -s $run ] || [ tools/bench.d/grade_gen.c -nt $run ]; then
	cc -O2 -std=c11 -D_GNU_SOURCE -I. -I/usr/include/hdf5/serial \
		-o $out/grade_gen tools/bench.d/grade_gen.c build/libbench.a \
		$(pkg-config --libs libsocketcan libserialport inih libmosquitto) \
		-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl -lpthread -lm
	echo "generating $run (24 h x 10 Hz x 192 cells) ..."
	/usr/bin/time -f "  generated in %e s" $out/grade_gen $run
fi
echo "run file: $(du -h $run | cut -f1)"
/usr/bin/time -v bin/bench grade $run >$out/grade.txt 2>$out/time.txt || {
	cat $out/time.txt; exit 1; }
head -1 $out/grade.txt
wall=$(grep 'Elapsed (wall clock)' $out/time.txt | awk '{print $NF}')
rss=$(grep 'Maximum resident set size' $out/time.txt | awk '{print $NF}')
usr=$(grep 'User time' $out/time.txt | awk '{print $NF}')
sys=$(grep 'System time' $out/time.txt | awk '{print $NF}')
echo "bench grade: wall $wall, cpu ${usr}+${sys} s (user+sys), max RSS $((rss / 1024)) MB (targets: < 3 s, < 200 MB)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (wall time grows with it; cpu time does not)"
/usr/bin/time -v bin/bench report $run -o $out/report.html 2>$out/time-report.txt >/dev/null
wall=$(grep 'Elapsed (wall clock)' $out/time-report.txt | awk '{print $NF}')
rss=$(grep 'Maximum resident set size' $out/time-report.txt | awk '{print $NF}')
echo "bench report: wall $wall, max RSS $((rss / 1024)) MB"
