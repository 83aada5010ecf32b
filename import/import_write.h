/* SPDX-License-Identifier: Apache-2.0 */
/* import_write.h - an imported file into a bench-run/1 run file.
 *
 * Streams the parser's rows into the runfile/ writer: one /timeseries row
 * per row (a single-channel file is a 1-cell pack: its voltage is also
 * cell 1's where it is a cell's, its temperature probe 1), one /steps row
 * per step of the file (integrated by us inside the step over test time),
 * and bench:IMPORT events with the provenance (docs/hdf5-schema.md). The
 * run file is built under a temporary name beside out_path and renamed to
 * it at the end, never over an existing file: on any failure nothing is
 * left at out_path.
 */
#ifndef BENCH_IMPORT_IMPORT_WRITE_H
#define BENCH_IMPORT_IMPORT_WRITE_H

#include <stddef.h>

#include "import/import.h"

struct import_opts {
	const struct import_format *fmt; /* NULL: detect from content */
	double rated_Ah;		 /* 0: unknown */
	size_t ring_samples; /* the run-file writer's ring; 0: its default */
};

/* What the import found; the instrument's own counters checked against
 * our integration step by step. */
struct import_result {
	const struct import_format *fmt;
	size_t rows, steps;
	unsigned long skipped_rows; /* left out by the parser on purpose */
	size_t counter_checks;	    /* step totals compared (>= 1 mAh) */
	double counter_max_dev;	    /* largest relative difference */
	size_t counter_warnings;    /* steps beyond IMPORT_COUNTER_TOL */
	/* Of those, steps of another kind (pulse, profile): rows a few per
	 * pulse do not follow the current between them, the count does. */
	size_t counter_unresolved;
};

#define IMPORT_COUNTER_TOL 0.005

int import_file(const char *src, const char *out_path,
		const struct import_opts *o, struct import_result *res);

/* Stream src's rows through the same step logic without writing a file
 * (tests, fuzzing): res as import_file. */
int import_dry(const char *src, const struct import_opts *o,
	       struct import_result *res);

#endif
