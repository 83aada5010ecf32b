#!/bin/sh
# Hardware only behind its seam: each library header in exactly its backend.
fail=0
check() { # header allowed-files...
	hdr=$1; shift
	for f in $(grep -rlE "#include *<$hdr>" common can bench analysis 2>/dev/null); do
		ok=0
		for a in "$@"; do [ "$f" = "$a" ] && ok=1; done
		if [ $ok -eq 0 ]; then
			echo "seam violation: $f includes <$hdr>"
			fail=1
		fi
	done
}
check libsocketcan.h can/canbus_socketcan.c
check 'linux/can[^>]*' can/canbus_socketcan.c
check libserialport.h bench/xport_libsp.c
check hdf5.h bench/h5log.c analysis/runfile.c analysis/runfile_grade.c common/h5schema.h common/h5schema.c
check 'H5[A-Za-z]*\.h' bench/h5log.c analysis/runfile.c analysis/runfile_grade.c common/h5schema.h common/h5schema.c
[ $fail -eq 0 ] && echo "seams: ok"
exit $fail
