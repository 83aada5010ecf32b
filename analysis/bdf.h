/* SPDX-License-Identifier: Apache-2.0 */
/* bdf.h - export a run's pack time series as Battery Data Format CSV.
 *
 * Header row: BDF preferred labels ("Test Time / s", "Voltage / V",
 * "Current / A", ...), one row per logged sample, current positive on
 * charge (as in the run file). Streams by chunks.
 */
#ifndef BENCH_ANALYSIS_BDF_H
#define BENCH_ANALYSIS_BDF_H

#include <stddef.h>

struct bdf_col {
	const char *label;   /* BDF preferred label */
	const char *machine; /* BDF machine name = run file column */
	int is_double;	     /* f64 in the run file (else f32 or u32) */
};

extern const struct bdf_col bdf_cols[];
extern const size_t bdf_n_cols;

int bdf_export(const char *run_path, const char *csv_path);

#endif
