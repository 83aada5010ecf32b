/* SPDX-License-Identifier: Apache-2.0 */
/* runfile.h - reader for bench-run/1 files (docs/hdf5-schema.md).
 *
 * Opens in SWMR-read mode, so it works on a file a run is still writing and
 * on one whose writer was killed (consistency flags still set). Reads by
 * chunks: memory stays bounded on day-long logs. Truncated or corrupted
 * files give BENCH_ERR_PROTO/IO with a logged message, never a crash.
 * A finished file is read whole at open; a chunk failing its checksum, a
 * value outside physical bounds or a test time going back is an error
 * naming the dataset and row, in every read.
 */
#ifndef BENCH_ANALYSIS_RUNFILE_H
#define BENCH_ANALYSIS_RUNFILE_H

#include <stddef.h>

#include "runfile/runschema.h"

struct runfile;

int runfile_open(const char *path, struct runfile **out);
void runfile_close(struct runfile *rf);

const struct run_meta *runfile_meta(const struct runfile *rf);
/* Re-read lengths and status (SWMR refresh); returns rows now available. */
size_t runfile_refresh(struct runfile *rf);
size_t runfile_rows(const struct runfile *rf);

/* Timeseries columns by BDF machine name ("current_ampere", ...), converted
 * to double. Rows [start, start+n). */
int runfile_read_col(struct runfile *rf, const char *name, size_t start,
		     size_t n, double *out);
/* /cells/voltage_volt or /cells/temperature_celsius rows, row-major
 * (n x width), width = series or n_probes; with no probes, nothing. */
int runfile_read_cells(struct runfile *rf, const char *name, size_t start,
		       size_t n, float *out);

/* Whole /steps and /events tables (small), malloc'd arrays. */
int runfile_steps(struct runfile *rf, struct run_step **out, size_t *n);
int runfile_events(struct runfile *rf, struct run_event **out, size_t *n);

#endif
