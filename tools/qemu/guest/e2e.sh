# SPDX-License-Identifier: Apache-2.0
# e2e.sh - controller and simulator as two processes on a real kernel bus,
# sourced by tests.sh. `bench sim` serves the pack (BMS and CAN cycler),
# `bench run` drives it. Run files, captures and the truth land in /out;
# the host checks them afterwards (tests/hw/test_e2e_files.c), the guest
# checks exit statuses and timing here.

PACK=/fixtures/packs/nmc96-healthy.ini
PROFILE=/fixtures/profiles/sim_bms.ini

can_down() { for i in "$@"; do ip2 link set "$i" down; done; }
can_up_500k() {
	for i in "$@"; do
		ip2 link set "$i" down
		ip2 link set "$i" type can bitrate 500000 restart-ms 100
		ip2 link set "$i" up
	done
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# capture_when_up IFACE NAME: candump -l of IFACE into /out/capture-NAME
# once IFACE is up (the controller may be the one bringing it up); $dump_pid
capture_when_up() {
	n=0
	until ip2 link show "$1" | grep -q '[<,]UP[,>]'; do
		n=$((n + 1))
		[ $n -lt 300 ] || { echo "$1 never came up"; return 1; }
		sleep 0.05
	done
	mkdir -p "/out/capture-$2"
	(cd "/out/capture-$2" && exec candump -l "$1") &
	dump_pid=$!
}

# sim_start IFACE ARGS...: bench sim in the background, $sim_pid
sim_start() {
	iface=$1
	shift
	bench sim "$PACK" --profile "$PROFILE" --can "$iface" \
		--cycler-can "$iface" --speed 1 "$@" &
	sim_pid=$!
	sleep 1
	kill -0 $sim_pid
}

# run_start BENCH RUN.h5 [RECIPE]: bench run in the background, $run_pid
run_start() {
	bench run "${3:-/guest/pulse.txt}" --profile "$PROFILE" \
		--pack-id QEMU-PACK-1 --bench "$1" -o "$2" &
	run_pid=$!
}

# run_wait: bench run's exit status in $rc
run_wait() {
	rc=0
	wait $run_pid || rc=$?
	echo "bench run exit status $rc"
}

stop_bg() { # PID...: stop helpers, ignore those already gone
	for p in "$@"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# Controller on can0 (bit rate set by the controller through libsocketcan
# from the bench file), simulated pack on can1, candump -l on can0.
t_e2e_run() {
	need /bin/bench /bin/candump "$PACK" "$PROFILE"
	can_down can0
	can_up_500k can1
	sim_start can1 --truth /out/truth.json
	run_start /guest/bench-can.ini /out/run.h5
	capture_when_up can0 run
	run_wait
	stop_bg $sim_pid $dump_pid
	ip2 -details -statistics link show can0
	[ $rc -eq 0 ]
}

# The pack goes silent mid-run: the controller must stop safely, with the
# run file marked aborted (host check: abort within the heartbeat timeout
# of the last BMS frame in the capture).
t_e2e_silent() {
	need /bin/bench /bin/candump
	can_up_500k can0 can1
	sim_start can1
	run_start /guest/bench-can.ini /out/run-silent.h5
	capture_when_up can0 silent
	sleep 15
	kill -9 $sim_pid
	t_kill=$(uptime_s)
	run_wait
	t_exit=$(uptime_s)
	stop_bg $dump_pid
	echo "controller exit $(awk -v a="$t_kill" -v b="$t_exit" \
		'BEGIN { print b - a }') s after the pack went silent"
	[ $rc -ne 0 ]
	# heartbeat timeout 1 s + safing at most 10 s + margin
	awk -v a="$t_kill" -v b="$t_exit" 'BEGIN { exit !(b - a < 15) }'
}

# err_frames ID#DATA...: inject error frames on vcan0, 1 s apart
err_frames() {
	for f in "$@"; do
		cansend vcan0 "$f"
		echo "$(uptime_s) injected $f"
		sleep 1
	done
}

# Error-warning and error-passive: warnings, the run goes on.
t_e2e_bus_warning() {
	need /bin/bench /bin/cansend
	sim_start vcan0
	run_start /guest/bench-vcan.ini /out/run-warning.h5
	sleep 12
	err_frames 20000004#0004000000000000 20000004#0010000000000000 \
		20000004#0040000000000000
	run_wait
	stop_bg $sim_pid
	[ $rc -eq 0 ]
}

# Bus-off without restart-ms: the run stops safely.
t_e2e_bus_off() {
	need /bin/bench /bin/cansend
	sim_start vcan0
	run_start /guest/bench-vcan.ini /out/run-busoff.h5
	sleep 12
	t0=$(uptime_s)
	err_frames 20000040#0000000000000000
	run_wait
	t1=$(uptime_s)
	stop_bg $sim_pid
	echo "controller exit $(awk -v a="$t0" -v b="$t1" \
		'BEGIN { print b - a }') s after the bus-off frame"
	[ $rc -ne 0 ]
	# the abort sequence waits at most 10 s for the current to read zero
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 12) }'
}

# Bus-off with restart-ms: the controller waits, says so, and carries on
# when the controller reports "restarted".
t_e2e_bus_off_restart() {
	need /bin/bench /bin/cansend
	sim_start vcan0
	run_start /guest/bench-vcan-restart.ini /out/run-busoff-restart.h5 \
		>/tmp/busoff-restart.out 2>&1
	sleep 12
	err_frames 20000040#0000000000000000 20000100#0000000000000000
	run_wait
	stop_bg $sim_pid
	cat /tmp/busoff-restart.out
	[ $rc -eq 0 ]
	grep -iE 'bus[ _-]off' /tmp/busoff-restart.out | grep -i 'wait'
}

# Two ISO-TP implementations on one real bus: the controller on can0 polls
# the simulated Leaf pack through the kernel's CAN_ISOTP sockets; the
# simulated LBC on can1 answers with the user-space engine on a raw socket
# and logs every answer (/out/leaf-answers.txt). The kernel's receive lists
# show whose ISO-TP is whose; /tests/test_e2e_leaf checks the run file's
# cells against the answers.
LEAF_PACK=/fixtures/packs/leaf-aze0-aged.ini
LEAF_PROFILE=/fixtures/profiles/nissan-leaf-aze0.ini
t_e2e_leaf_isotp() {
	need /bin/bench /tests/test_e2e_leaf "$LEAF_PACK" "$LEAF_PROFILE" \
		/proc/net/can/rcvlist_sff
	can_up_500k can0 can1
	bench sim "$LEAF_PACK" --can can1 --cycler-can can1 --speed 1 \
		--answer-log /out/leaf-answers.txt &
	sim_pid=$!
	sleep 1
	kill -0 $sim_pid
	bench run /guest/leaf.txt --profile "$LEAF_PROFILE" \
		--pack-id QEMU-LEAF-1 --bench /guest/bench-can.ini \
		-o /out/run-leaf.h5 >/tmp/leaf-run.out 2>&1 &
	run_pid=$!
	: >/tmp/rcvlists
	while kill -0 $run_pid 2>/dev/null; do
		cat /proc/net/can/rcvlist_* >>/tmp/rcvlists
		sleep 2
	done
	run_wait
	stop_bg $sim_pid
	cat /tmp/leaf-run.out
	grep -E ' (can0|can1) ' /tmp/rcvlists | sort -u -k1,2 -k7
	echo "$(grep -c ' cells' /out/leaf-answers.txt) cell answers"
	[ $rc -eq 0 ]
	# the controller names its backend...
	grep -q 'ECU lbc: ISO-TP 0x79B -> 0x7BB on can0, kernel CAN_ISOTP' \
		/tmp/leaf-run.out
	# ...and the kernel agrees: an isotp receiver on can0 for 0x7BB that
	# matched the answers; none on can1, where the simulator's raw socket is
	awk '$1 == "can0" && $2 == "7bb" && $7 == "isotp" && $6 > 0' \
		/tmp/rcvlists | grep -q .
	if awk '$1 == "can1" && $7 ~ /^isotp/' /tmp/rcvlists | grep -q .; then
		echo "an ISO-TP socket on the simulator's can1"
		return 1
	fi
	awk '$1 == "can1" && $7 == "raw"' /tmp/rcvlists | grep -q .
	BENCH_QEMU_OUT=/out criterion /tests/test_e2e_leaf
}

# A GB/T 27930 charge session on a real bus: the controller as the
# charger on can0 through the kernel's CAN_J1939 socket (bound at 0x56;
# the kernel runs RTS/CTS for the BMS's BRM, BCP, BCS, BMV, BMT); the
# simulated BMS at 0xF4 on can1 with the user-space J1939 engine on a raw
# socket, logging every group it sends (/out/gbt-answers.txt). The
# kernel's receive lists show whose J1939 is whose; /tests/test_e2e_gbt
# checks the run file's session and cells against the answers.
GBT_PACK=/fixtures/packs/gbt-lfp-aged.ini
GBT_PROFILE=/fixtures/profiles/gbt27930.ini
t_e2e_gbt_j1939() {
	need /bin/bench /tests/test_e2e_gbt /guest/gbt.txt "$GBT_PACK" \
		"$GBT_PROFILE" /proc/net/can/rcvlist_fil
	can_up_500k can0 can1
	bench sim "$GBT_PACK" --can can1 --cycler-can can1 --speed 1 \
		--answer-log /out/gbt-answers.txt &
	sim_pid=$!
	sleep 1
	kill -0 $sim_pid
	bench run /guest/gbt.txt --profile "$GBT_PROFILE" \
		--pack-id QEMU-GBT-1 --bench /guest/bench-can.ini \
		-o /out/run-gbt.h5 >/tmp/gbt-run.out 2>&1 &
	run_pid=$!
	: >/tmp/rcvlists
	while kill -0 $run_pid 2>/dev/null; do
		cat /proc/net/can/rcvlist_* >>/tmp/rcvlists
		sleep 2
	done
	run_wait
	stop_bg $sim_pid
	cat /tmp/gbt-run.out
	grep -E ' (can0|can1) ' /tmp/rcvlists | sort -u -k1,2 -k7
	for g in BRM BCP BCS BMV BMT BSD; do
		echo "$(grep -c " $g " /out/gbt-answers.txt) $g sent"
	done
	[ $rc -eq 0 ]
	# the controller names its backend...
	grep -q 'GB/T charger: J1939 0x56 on can0, kernel CAN_J1939 socket' \
		/tmp/gbt-run.out
	# ...and the kernel agrees: its j1939 receiver on can0 took frames;
	# none on can1, where the simulator's raw socket is
	awk '$1 == "can0" && $7 == "j1939" && $6 > 0' /tmp/rcvlists | grep -q .
	if awk '$1 == "can1" && $7 == "j1939"' /tmp/rcvlists | grep -q .; then
		echo "a J1939 socket on the simulator's can1"
		return 1
	fi
	awk '$1 == "can1" && $7 == "raw"' /tmp/rcvlists | grep -q .
	BENCH_QEMU_OUT=/out criterion /tests/test_e2e_gbt
}

run_e2e() {
	scenario e2e_run_can t_e2e_run
	scenario e2e_silent_pack t_e2e_silent
	scenario e2e_bus_warning t_e2e_bus_warning
	scenario e2e_bus_off t_e2e_bus_off
	scenario e2e_bus_off_restart t_e2e_bus_off_restart
	scenario e2e_leaf_isotp t_e2e_leaf_isotp
	scenario e2e_gbt_j1939 t_e2e_gbt_j1939
}
