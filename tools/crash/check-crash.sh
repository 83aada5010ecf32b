#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# make check-crash: SIGKILL a simulated run at seeded
# random moments, check the file after every kill as a QA engineer's
# h5py.File(p, "r", swmr=True) would see it, `bench resume` it, and at the
# end compare the finished run with an uninterrupted one. Then the writer
# alone in real time (h5kill) measures the data a kill costs.
#
# Knobs: CRASH_SEED (42), CRASH_SPEED (1000x), CRASH_MIN_KILLS (30),
# CRASH_OUT (build/crash; give concurrent runs their own).
set -u
cd "$(dirname "$0")/../.."
seed=${CRASH_SEED:-42}
speed=${CRASH_SPEED:-1000}
min_kills=${CRASH_MIN_KILLS:-30}
recipe=fixtures/recipes/capacity_c3.txt
pack=fixtures/packs/nmc96-healthy.ini
out=${CRASH_OUT:-build/crash}
run=$out/run.h5
hdf="-I/usr/include/hdf5/serial -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5"
libs="$(pkg-config --libs libsocketcan libserialport inih libmosquitto) -lpthread -lm"

fail() { echo "check-crash: FAIL: $*"; exit 1; }

rm -rf "$out" && mkdir -p "$out"
# Our own copy: a rebuild of bin/bench mid-loop must not change (or make
# "text file busy") the binary being killed.
cp bin/bench "$out/bench" || fail "no bin/bench: run make first"
bench=$out/bench
for t in h5check h5kill; do
	gcc -O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. \
		-o "$out/$t" "tools/crash/$t.c" build/libbench.a $hdf $libs ||
		fail "cannot build tools/crash/$t.c"
done

field() { # key line
	sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" <<<" $2"
}

echo "== reference: uninterrupted run at ${speed}x"
"$bench" run $recipe --sim $pack --speed "$speed" -o "$out/ref.h5" \
	>"$out/ref.log" 2>&1 || fail "reference run failed (see $out/ref.log)"
ref=$("$out/h5check" --final "$out/ref.h5") || fail "reference file: $ref"
ref_cap=$(field capacity_ah "$ref")
echo "reference: $ref"

echo "== kill loop: seed $seed, at least $min_kills kills"
RANDOM=$seed
kills=0 before_file=0 in_startup=0 step_changes=0 runs=0 resumes=0
not_swmr=0 prev_step=0
max_kills=$((min_kills * 5))
log=$out/loop.log
: >"$log"
# Lines the controller prints once a run or resume is under way (a
# resume first replays the simulation up to the file's last row).
started() { grep -c -e "contactors closed" -e "continuing the run" "$log"; }
while :; do
	if [ -e "$run" ]; then
		# --if-needed, as the systemd unit does: a kill that lands after
		# the run finished (while the file is packed) leaves a complete
		# file, which is left alone with exit 0
		cmd=("$bench" resume --if-needed "$run")
		resumes=$((resumes + 1))
	else
		rm -f "$run.creating"
		cmd=("$bench" run $recipe --sim $pack --speed "$speed" -o "$run")
		runs=$((runs + 1))
	fi
	n0=$(started)
	"${cmd[@]}" >>"$log" 2>&1 &
	pid=$!
	if [ $kills -ge $max_kills ]; then
		wait $pid
		rc=$?
		[ $rc -eq 0 ] || fail "final ${cmd[*]} exited $rc (see $log)"
		break
	fi
	# One kill in five lands in the first 50 ms (file creation, resume
	# start-up), the others 50 ms - 1.5 s after the run got going.
	if [ $((RANDOM % 5)) -eq 0 ]; then
		phase=startup
		delay=$(printf '0.%03d' $((RANDOM % 50)))
	else
		phase=running
		for _ in $(seq 3000); do
			[ "$(started)" -gt "$n0" ] && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.01
		done
		ms=$((50 + RANDOM % 1450))
		delay=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
	fi
	sleep "$delay"
	if ! kill -0 $pid 2>/dev/null; then
		wait $pid
		rc=$?
		[ $rc -eq 0 ] || fail "${cmd[*]} exited $rc (see $log)"
		[ $kills -ge $min_kills ] && break
		fail "run finished after only $kills kills: lower CRASH_SPEED"
	fi
	kill -9 $pid
	wait $pid 2>/dev/null
	kills=$((kills + 1))
	[ $phase = startup ] && in_startup=$((in_startup + 1))
	if [ ! -e "$run" ]; then
		before_file=$((before_file + 1))
		echo "kill $kills ($phase +${delay}s): no run file yet"
		continue
	fi
	line=$("$out/h5check" "$run" 2>>"$out/check.log")
	rc=$?
	[ $rc -eq 0 ] || fail "after kill $kills: $line"
	[ "$(field swmr_open "$line")" = 0 ] && not_swmr=$((not_swmr + 1))
	step=$(field step "$line")
	[ "$step" != "$prev_step" ] && step_changes=$((step_changes + 1))
	prev_step=$step
	echo "kill $kills ($phase +${delay}s): $(field rows "$line") rows," \
		"lengths $(field lengths "$line"), step $step," \
		"t $(field t_last "$line") s, swmr_open $(field swmr_open "$line")"
done

final=$("$out/h5check" --final "$run") || fail "final file: $final"
echo "final: $final"
h5dump -H "$run" >/dev/null || fail "h5dump cannot open the final file"
cap=$(field capacity_ah "$final")
awk -v a="$cap" -v b="$ref_cap" 'BEGIN {
	d = (a - b) / b * 100; if (d < 0) d = -d
	printf "capacity: %.4f Ah after kills, %.4f Ah uninterrupted, %.3f %% apart (limit 0.5 %%)\n", a, b, d
	exit d > 0.5 }' || fail "capacity differs by more than 0.5 %"
echo "kills: $kills ($in_startup in start-up, $before_file before the file" \
	"existed, $step_changes in a new step, $not_swmr outside SWMR mode);" \
	"runs started: $runs, resumes: $resumes"

echo "== data lost per kill: the writer alone, 30 kills at 10 Hz real time"
"$out/h5kill" "$out/kill.h5" "$seed" 30 10 >"$out/h5kill.txt" 2>"$out/h5kill.log"
rc=$?
tail -1 "$out/h5kill.txt"
[ $rc -eq 0 ] || fail "h5kill: a kill lost more than 1 s or left a bad file" \
	"(see $out/h5kill.txt, $out/h5kill.log)"
echo "check-crash: ok"
