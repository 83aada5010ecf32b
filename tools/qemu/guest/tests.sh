# SPDX-License-Identifier: Apache-2.0
# tests.sh - the guest scenarios, sourced by init.sh (busybox sh).
#
# Each scenario runs in its own subshell with its output in
# /out/logs/NAME.log and leaves one line in /out/results:
#   PASS NAME SECONDS   or   FAIL NAME SECONDS (why)
# A scenario whose tools are missing FAILS: nothing is skipped silently.

# `bench_only=a,b` on the kernel command line (CHECK_KERNEL_ONLY on the
# host, a development aid) runs only those scenarios; the host then reports
# a partial run, never a pass.
only=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^bench_only=//p' | tr , ' ')

scenario() { # NAME FUNCTION
	name=$1
	if [ -n "$only" ] && ! echo " $only " | grep -q " $name "; then
		return 0
	fi
	t0=$(cut -d' ' -f1 /proc/uptime)
	echo "== $name"
	if ( set -e; "$2" ) >"/out/logs/$name.log" 2>&1; then
		verdict=PASS
	else
		verdict=FAIL
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "$verdict $name $secs" >>/out/results
	echo "$verdict $name ${secs}s"
	[ $verdict = PASS ] || tail -n 30 "/out/logs/$name.log"
}

need() { # FILE...: fail the scenario loudly when a piece is missing
	for f in "$@"; do
		if [ ! -e "$f" ]; then
			echo "missing $f: this scenario cannot run"
			return 1
		fi
	done
}

criterion() { # BINARY [env...]: a Criterion binary, one test at a time
	need "$1"
	"$1" --jobs 1 --verbose
}

setup_interfaces() {
	# every module init.sh loaded is there (insmod errors only reach the
	# console)
	for m in $(sed 's/\.ko$//; s/-/_/g' /modules.order); do
		grep -q "^$m " /proc/modules || { echo "module $m not loaded"; return 1; }
	done
	ip2 link add dev vcan0 type vcan
	ip2 link set vcan0 mtu 72
	ip2 link set vcan0 up
	ip2 link add dev vcan1 type vcan
	ip2 link set vcan1 mtu 16
	ip2 link set vcan1 up
	ip2 -details link show
	[ -e /sys/class/net/can0 ] && [ -e /sys/class/net/can1 ]
	[ -e /dev/ttyS1 ] && [ -e /dev/ttyS2 ]
}

t_socketcan() { criterion /tests/test_canbus_socketcan; }
# the state and error counters read back through libsocketcan are kept in
# /out/can-status.txt
# the same backend tests built with ASan+UBSan (any report fails them)
t_socketcan_asan() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		criterion /tests/asan/test_canbus_socketcan
}
t_canif_asan() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		criterion /tests/asan/test_canif
}

# our kernel ISO-TP endpoints (module can-isotp) talking to each other
t_isotp() { criterion /tests/test_isotp_socketcan; }
t_isotp_asan() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		criterion /tests/asan/test_isotp_socketcan
}

# our kernel J1939 endpoints (module can-j1939), charger 0x56 and BMS 0xF4
t_j1939() { criterion /tests/test_j1939_socketcan; }
t_j1939_asan() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		criterion /tests/asan/test_j1939_socketcan
}

t_canif() {
	rc=0
	criterion /tests/test_canif >/tmp/canif.out 2>&1 || rc=$?
	cat /tmp/canif.out
	grep '^can[01]: state=' /tmp/canif.out >/out/can-status.txt
	return $rc
}
t_xport_libsp() {
	BENCH_TTY_A=/dev/ttyS1 BENCH_TTY_B=/dev/ttyS2 \
		criterion /tests/test_xport_libsp
}

# can-utils sees what our backend puts on a real controller, and the
# reverse: cansend on can1 reaches candump on can0.
t_canutils_cross() {
	for i in can0 can1; do
		ip2 link set $i down
		ip2 link set $i type can bitrate 500000
		ip2 link set $i up
	done
	candump -L -n 3 can0 >/tmp/cross.log &
	pid=$!
	sleep 1
	cansend can1 123#DEADBEEF
	cansend can1 18FF50E5#0102
	cansend can1 7FF#R
	wait $pid
	cat /tmp/cross.log
	grep -q ' can0 123#DEADBEEF$' /tmp/cross.log
	grep -q ' can0 18FF50E5#0102$' /tmp/cross.log
	grep -q ' can0 7FF#R$' /tmp/cross.log
}

# our candump logs replay with can-utils. A log written by our
# own code (tools/can_genlog, built into the image by mkinitramfs.sh),
# which bench can decode reads, is played with canplayer onto vcan0; a
# candump -L reader there receives the same frames (ids and data, in
# order).
t_canplayer_replay() {
	log=/guest/genlog.log
	need /bin/canplayer /bin/candump /bin/bench "$log"
	n=$(grep -c '^(' "$log")
	[ "$n" -gt 0 ]
	bench can decode --dbc /fixtures/dbc/sim_bms.dbc "$log" >/tmp/dec.out
	[ "$(wc -l </tmp/dec.out)" -eq "$n" ]
	# a large receive buffer, and play only once candump's socket is in
	# the kernel's receive list (a fixed sleep lost the first frames on
	# a loaded machine)
	timeout 60 candump -r 4194304 -L -n "$n" vcan0 >/tmp/replayed.log &
	pid=$!
	for _ in $(seq 100); do
		grep -q vcan0 /proc/net/can/rcvlist_all 2>/dev/null && break
		sleep 0.1
	done
	canplayer -I "$log" vcan0=can0
	wait $pid
	sed 's/^([0-9.]*) [a-z0-9]* //' "$log" >/tmp/want
	sed 's/^([0-9.]*) [a-z0-9]* //' /tmp/replayed.log >/tmp/got
	echo "$n frames played, $(wc -l </tmp/got) received"
	grep -c ' vcan0 ' /tmp/replayed.log
	cmp /tmp/want /tmp/got
}

run_all() {
	mkdir -p /out/logs
	: >/out/results
	scenario interfaces setup_interfaces
	scenario socketcan_vcan t_socketcan
	scenario canif_sja1000 t_canif
	scenario socketcan_vcan_asan t_socketcan_asan
	scenario canif_sja1000_asan t_canif_asan
	scenario isotp_vcan t_isotp
	scenario isotp_vcan_asan t_isotp_asan
	scenario j1939_vcan t_j1939
	scenario j1939_vcan_asan t_j1939_asan
	scenario canutils_cross t_canutils_cross
	scenario canplayer_replay t_canplayer_replay
	scenario xport_libsp_uart t_xport_libsp
	. /guest/e2e.sh
	run_e2e
	cat /out/results
}
