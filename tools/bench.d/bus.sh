#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bus load at 500 kbit/s and cell sweep time of every shipped profile: the
# simulated pack speaking it, the bench polling it (tools/busbench.c;
# docs/profiles.md, "Bus load and sweep time"). A profile the simulator
# cannot serve yet is listed as not simulated. Never fails on the figures.
set -e
make -s build/libbench.a
mkdir -p build/tools
cc -O2 -std=c11 -D_GNU_SOURCE -I. -o build/tools/busbench tools/busbench.c \
	build/libbench.a $(pkg-config --libs libsocketcan libserialport inih libmosquitto) \
	-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -lhdf5_hl -lpthread -lm
# a GB/T pack is on its 250 kbit/s charging bus, not this one
build/tools/busbench $(grep -L '^protocol *= *gbt27930' fixtures/profiles/*.ini)
