#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run every Criterion test binary; fail if any fails. Prints a summary.
fail=0
for t in "$@"; do
	echo "== $t"
	if ! "$t" --jobs 2; then
		echo "FAILED: $t"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "all test binaries passed"
exit $fail
