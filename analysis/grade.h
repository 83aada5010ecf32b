/* SPDX-License-Identifier: Apache-2.0 */
/* grade.h - apply the rules to measured results: REUSE / REMANUFACTURE /
 * RECYCLE (or INCOMPLETE for a run that did not finish for a non-safety
 * cause), with reasons in plain words, per-cell flags and the modules to
 * replace. Pure: no I/O.
 */
#ifndef BENCH_ANALYSIS_GRADE_H
#define BENCH_ANALYSIS_GRADE_H

#include <stddef.h>
#include <stdio.h>

#include "analysis/analyze.h"
#include "analysis/rules.h"

enum grade {
	GRADE_REUSE = 0,
	GRADE_REMANUFACTURE,
	GRADE_RECYCLE,
	GRADE_INCOMPLETE
};

enum cell_flag {
	CELL_WEAK = 1u << 0,
	CELL_HIGH_R = 1u << 1,
	CELL_SELF_DISCHARGE = 1u << 2,
	CELL_OFFSET = 1u << 3,
	CELL_UNSAFE = 1u << 4,
};

/* Self-discharge statistics of the lot a cell is judged against (S4): the
 * pack's own cells, or every cell of every pack in lot mode. */
struct sd_stats {
	double mean, sd, median;
	size_t n;
};

struct grade_result {
	enum grade grade;
	char (*reasons)[256];
	size_t n_reasons;
	unsigned *cell_flags;	   /* series */
	unsigned *replace_modules; /* 1-based */
	size_t n_replace;
	double r_ratio;	   /* G2 ratio used */
	double r_ref_mohm; /* fresh reference it was divided by */
	double soh_graded; /* SOH the gates used */
	double sd_floor_mv_per_day;
	struct sd_stats sd_leak; /* the pack's own cells' leak currents */
	char rules_sha256[SHA256_HEX_LEN];
};

const char *grade_name(enum grade g);
/* Flag names in grading order ("weak", ...), for bit b. */
const char *cell_flag_name(enum cell_flag f);

void sd_stats_of(const double *mv_per_day, size_t n, struct sd_stats *st);
/* lot may be NULL: the pack's own cells are the lot. */
int grade_pack(const struct pack_result *pr, const struct rules *r,
	       const struct sd_stats *lot, struct grade_result *g);
void grade_result_release(struct grade_result *g);

#endif
