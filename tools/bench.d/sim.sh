#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Pack simulator speed: 8 h of a 96-cell pack at C/3 in virtual time with
# the BMS at its real frame rates (target >= 10,000x real time, < 3 s).
set -e
make -s build/libbench.a
mkdir -p build/tools
cc -O2 -std=c11 -D_GNU_SOURCE -I. -o build/tools/simbench tools/simbench.c \
	build/libbench.a $(pkg-config --libs libsocketcan libserialport inih libmosquitto) \
	-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl -lpthread -lm
build/tools/simbench fixtures/packs/nmc96-healthy.ini 2>/dev/null
build/tools/simbench fixtures/packs/lfp106-healthy.ini 2>/dev/null
