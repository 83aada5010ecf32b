/* SPDX-License-Identifier: Apache-2.0 */
/* report.h - one self-contained HTML report with inline SVG plots: grade
 * and reasons at the top, passport fields, pack V and I with the steps
 * shaded, the cell-voltage envelope with flagged cells, per-cell capacity
 * and resistance bars with threshold lines, dQ/dV, the configuration
 * (bench:CONFIG rows) and events tables (docs/grading.md, "Report"). */
#ifndef BENCH_ANALYSIS_REPORT_H
#define BENCH_ANALYSIS_REPORT_H

#include <stdio.h>

#include "analysis/grade.h"
#include "analysis/rundata.h"

/* rd must be built with RD_PLOTS. */
int report_write_html(FILE *o, const struct rundata *rd,
		      const struct pack_result *pr,
		      const struct grade_result *g, const struct rules *r);
/* The section on an imported file's discharges and resistance
 * (report_import.c); nothing for our own runs. */
void report_imported(FILE *o, const struct pack_result *pr);

#endif
