/* SPDX-License-Identifier: Apache-2.0 */
/* impgrade.h - what another cycler's file can be graded on
 * (docs/importers.md, "Grading imported data"): its steps carry no tags,
 * so the full discharges are found by the voltage window, resistance by
 * the current steps in the rows, and the fade by the full cycles.
 * Measured only; grade.c judges. Pure: works on a rundata.
 */
#ifndef BENCH_ANALYSIS_IMPGRADE_H
#define BENCH_ANALYSIS_IMPGRADE_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/analyze.h"
#include "analysis/rundata.h"

/* One discharge: the steps from a charge to the next, pulses and rests
 * within it included. */
struct imp_discharge {
	long cycle;	    /* the file's cycle number, -1 unknown */
	double capacity_ah; /* our integration, inside the steps */
	double energy_wh;
	double charge_ah; /* charged since the previous discharge */
	double start_V;	  /* highest voltage since that discharge */
	double end_V;	  /* lowest voltage of this one */
	double start_s;
	bool full; /* top to bottom of the window */
};

struct imp_result {
	char chemistry[8];
	bool chem_inferred;
	double win_lo_V, win_hi_V; /* the window full discharges span */
	double tol_V;		   /* how near its ends they must reach */
	/* the voltage rises above any one cell's: a module or a pack, whose
	 * cells in series the file does not say */
	bool multi_cell;
	double v_max_V; /* the file's highest voltage */
	double rated_ah;
	const char *rated_from; /* "--rated-ah", "the file", NULL: none */
	struct imp_discharge *dis;
	size_t n_dis, n_full;
	long graded; /* index into dis of the latest full discharge, -1 */
	/* least-squares slope of full-discharge capacity over cycle number,
	 * NaN below IMP_FADE_MIN_CYCLES */
	double fade_ah_per_cycle, fade_pct_per_100;
	size_t n_steps_found;	       /* current steps with a resistance */
	double r_0s1_mohm, r_10s_mohm; /* their medians, NaN if none */
	double instr_r_mohm; /* the instrument's last reading, NaN if none */
	size_t n_instr_r;
};

#define IMP_FADE_MIN_CYCLES 3

/* Fill pr (capacity, SOH, resistance, chemistry) and pr->imp from an
 * imported run; called by analyze_run for a file with bench:IMPORT
 * events. */
int impgrade_run(const struct rundata *rd, struct pack_result *pr);
void impgrade_free(struct imp_result *ir);

#endif
