/* SPDX-License-Identifier: Apache-2.0 */
/* gradejson.h - the `bench grade --json` object plus "status"
 * and the battery-passport fields, one object per line; and the terminal
 * summary and lot CSV rows.
 */
#ifndef BENCH_ANALYSIS_GRADEJSON_H
#define BENCH_ANALYSIS_GRADEJSON_H

#include <stdio.h>

#include "analysis/grade.h"

/* One JSON object on one line (no trailing newline). Numbers print with
 * enough digits to round-trip; unknown values are null. */
int grade_json_write(FILE *out, const struct pack_result *pr,
		     const struct grade_result *g);
/* The same into a malloc'd string (for /grade in the run file). */
char *grade_json_string(const struct pack_result *pr,
			const struct grade_result *g);
/* Human summary for the terminal. */
void grade_summary_write(FILE *out, const char *path,
			 const struct pack_result *pr,
			 const struct grade_result *g);
/* Lot CSV: header, then one row per pack. */
void grade_csv_header(FILE *out);
void grade_csv_row(FILE *out, const char *path, const struct pack_result *pr,
		   const struct grade_result *g);

#endif
