#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the unit test binaries under valgrind memcheck (following Criterion's
# worker processes). Any memcheck error (invalid access, use of
# uninitialised memory: what ASan does not see) fails the run. Leaks are left
# to LeakSanitizer in `make asan`: here, tests that fork would report the
# parent's heap as lost in every child.
# test_can_decode is left out: its exact shortest-number printer uses x87
# long double arithmetic, which valgrind emulates at double precision only
# (valgrind manual, "Limitations"), so it prints wrong digits there alone.
fail=0
for t in "$@"; do
	case "$t" in *.d | *test_can_decode) continue ;; esac
	echo "== valgrind $t"
	if ! valgrind -q --error-exitcode=99 --trace-children=yes \
		--leak-check=no \
		"$t" --jobs 2 >build/valgrind.log 2>&1; then
		tail -40 build/valgrind.log
		echo "VALGRIND FAILED: $t"
		fail=1
	elif grep -qE "Crashing: [1-9]|Failing: [1-9]" build/valgrind.log; then
		tail -40 build/valgrind.log
		echo "VALGRIND FAILED: $t"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "valgrind: all clean"
exit $fail
