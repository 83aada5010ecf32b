#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Hardware only behind its seam: each library header in exactly its backend.
# Layers only downwards: common <- can, serial <- runfile <- bench <- analysis,
# import <- app (the process). The controller library (bench/) never includes
# the analysis, the importers or the process; the run-file module never
# includes any of them; nothing below app/ includes import/.
SRC="common can serial runfile bench analysis import app"
fail=0
check() { # header allowed-files...
	hdr=$1; shift
	for f in $(grep -rlE "#include *<$hdr>" $SRC 2>/dev/null); do
		ok=0
		for a in "$@"; do [ "$f" = "$a" ] && ok=1; done
		if [ $ok -eq 0 ]; then
			echo "seam violation: $f includes <$hdr>"
			fail=1
		fi
	done
}
layer() { # folder forbidden-folder...
	dir=$1; shift
	for bad in "$@"; do
		for f in $(grep -rlE "#include *\"$bad/" "$dir" 2>/dev/null); do
			echo "layer violation: $f includes $bad/ ($dir/ must not)"
			fail=1
		done
	done
}
HDF5="runfile/h5log.c runfile/runfile.c runfile/runfile_grade.c runfile/h5schema.h runfile/h5schema.c runfile/h5attr.h runfile/h5attr.c runfile/h5log_priv.h runfile/h5log_resume.c runfile/h5log_recover.c"
check libsocketcan.h can/canbus_socketcan.c
check 'linux/can[^>]*' can/canbus_socketcan.c can/isotp_socketcan.c can/j1939_socketcan.c
check 'linux/can/isotp\.h' can/isotp_socketcan.c
check 'linux/can/j1939\.h' can/j1939_socketcan.c
check libserialport.h serial/xport_libsp.c
check mosquitto.h app/mq_mosq.c
check microhttpd.h app/labweb_mhd.c
check mdbtools.h import/jetdb.c
check zip.h import/ziparc.c
check hdf5.h $HDF5
check 'H5[A-Za-z]*\.h' $HDF5
layer common can serial runfile bench analysis import app
layer can serial runfile bench analysis import app
layer serial can runfile bench analysis import app
layer runfile bench import app
layer bench analysis import app
layer analysis import app
layer import app
[ $fail -eq 0 ] && echo "seams: ok"
exit $fail
