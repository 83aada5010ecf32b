/* SPDX-License-Identifier: Apache-2.0 */
/* rundata.h - the compact in-memory view of a run the metrics need.
 *
 * Built by streaming a run (analysis/runfile.h, or any struct rd_source):
 * the pack-level columns are kept whole (a 24 h, 10 Hz run is ~20 MB), but
 * cell voltages are only read where a metric needs them: the end of each
 * rest (rested OCV), pulse windows, the capacity discharge at a bounded
 * stride (dQ/dV), sampled blocks of the self-discharge rest (the fit), and
 * with RD_PLOTS a few hundred rows for the report. Memory stays bounded by
 * the run length, not by rows x cells.
 */
#ifndef BENCH_ANALYSIS_RUNDATA_H
#define BENCH_ANALYSIS_RUNDATA_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/metrics.h"
#include "analysis/ocv.h"
#include "runfile/runschema.h"

/* Where the rows come from: the run file reader, or a test's arrays. */
struct rd_source {
	void *ctx;
	int (*read_col)(void *ctx, const char *name, size_t start, size_t n,
			double *out);
	int (*read_cells)(void *ctx, const char *name, size_t start, size_t n,
			  float *out);
	const struct run_meta *meta;
	size_t rows;
	const struct run_step *steps;
	size_t n_steps;
	const struct run_event *events;
	size_t n_events;
};

#define RD_PLOTS 1u /* keep decimated per-cell series for the report */
#define RD_PLOT_POINTS 600

struct rd_opts {
	unsigned flags;
	double sd_skip_s;  /* self-discharge: relaxation skipped at the start */
	double rest_min_s; /* shorter rests give no rested-OCV point */
};

/* A rested point: the end of a rest step. */
struct rd_rest {
	size_t step; /* index into steps */
	double t_s;
	double ah_net; /* cumulative net Ah (charge positive) at t_s */
	double temp_C; /* mean probe temperature at t_s, NaN if none */
	float *cell_V; /* series: mean over the last seconds of the rest */
};

struct rd_pulse {
	size_t step;
	double t_edge_s;
	double di_A;   /* current step at the edge (negative = discharge) */
	double soc;    /* pack SOC at the pulse (fraction), NaN if unknown */
	double temp_C; /* mean probe temperature at the edge, NaN if none */
	struct pulse_r pack;
	struct pulse_r *cell; /* series; NaN where the cell was slow */
	size_t n_slow_cells;  /* cells whose readings were not fresh */
};

struct rd_plot {
	size_t n;
	double *t_s;
	float *cell_V; /* n x series */
};

struct rundata {
	struct run_meta meta; /* deep copy */
	enum cell_chem chem;
	/* the run's OCV curve: the file's ocv_curve, else the chemistry's */
	struct ocvtab ocv;
	unsigned series, n_probes;
	struct run_step *steps;
	size_t n_steps;
	struct run_event *events;
	size_t n_events;

	size_t rows;
	double unix_start_s; /* unix time of test time 0, NaN if no rows */
	double *t_s;
	float *v_V, *i_A;
	double *ah_net; /* cumulative net Ah from the current column */
	uint32_t *step_count;
	size_t *step_row0, *step_row1; /* per step: rows [row0, row1) */
	long *step_cycle; /* per step: cycle_count at its first row, -1 if
			   * the source has none */
	/* `bench grade --rated-ah/--chemistry` for an imported file: 0 and
	 * "" when not given (analysis/impgrade.c) */
	double rated_ah_given;
	char chem_given[8];

	struct rd_rest *rests;
	size_t n_rests;
	struct rd_pulse *pulses;
	size_t n_pulses;

	long cap_step;	  /* the capacity discharge, -1 if none */
	long chg_step;	  /* last charge/hold step before it, -1 if none */
	struct ahwh cap;  /* capacity discharge */
	struct ahwh chg;  /* the charge leading to it (after the previous
			   * discharge) */
	float *cap_end_V; /* series: last sample of the capacity discharge */
	float *chg_end_V; /* series: last sample of that charge */
	struct ica *ica;  /* series: dQ/dV over the capacity discharge */

	long sd_step;		  /* the self-discharge rest, -1 if none */
	double sd_fit_s;	  /* length of the fitted span */
	double *sd_mv_per_day;	  /* series, NaN if no fit */
	double *sd_se_mv_per_day; /* series: standard error of that slope */
	float *sd_start_V; /* series: rested voltage at the start of the fit */

	double temp_start_C, temp_max_C, temp_spread_max_C;
	unsigned temp_max_probe; /* 0-based */
	double temp_max_t_s;

	struct rd_plot plot;
};

void rd_opts_default(struct rd_opts *o);
int rundata_build(const struct rd_source *src, const struct rd_opts *o,
		  struct rundata **out);
/* Open a run file (SWMR read) and build from it. */
int rundata_load(const char *path, const struct rd_opts *o,
		 struct rundata **out);
void rundata_free(struct rundata *rd);

/* Index of the step whose tag is tag (last match), or -1. */
long rundata_step_tagged(const struct rundata *rd, const char *tag);

#endif
