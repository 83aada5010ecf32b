#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# compile-commands.sh "CC FLAGS" FILE.c... - compile_commands.json on stdout,
# the same flags the Makefile builds with, for clangd and clang-tidy.
flags=$1; shift
dir=$(pwd)
sep=""
echo "["
for f in "$@"; do
	printf '%s  {"directory": "%s", "file": "%s",\n   "command": "%s -c %s"}' \
		"$sep" "$dir" "$f" "$(echo "$flags" | sed 's/\\/\\\\/g; s/"/\\"/g')" "$f"
	sep=",
"
done
echo
echo "]"
