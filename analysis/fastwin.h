/* SPDX-License-Identifier: Apache-2.0 */
/* fastwin.h - the fast grade's capacity estimator on another cycler's
 * file (docs/grading.md, "The fast estimator on real cells"): every
 * discharge the file brackets with rests, read as the fast recipe's
 * capacity leg (rested OCV before, Ah passed, rested OCV after) through
 * analyze_run itself, so the figures are the fast grade's, not a copy of
 * its arithmetic. Measured only; nothing is judged.
 */
#ifndef BENCH_ANALYSIS_FASTWIN_H
#define BENCH_ANALYSIS_FASTWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/ocv.h"

/* One window: a rest, the steps up to the next rest (at least one
 * discharge among them), that rest. */
struct fastwin_leg {
	uint32_t step0, step1;	 /* step_count of the two rests */
	double rest0_s, rest1_s; /* how long each rested */
	double rest0_V, rest1_V; /* rested cell voltage the estimator read */
	double soc0, soc1;	 /* those on the chemistry's curve */
	double ah_net;		 /* Ah between the rests, charge positive */
	double discharge_ah;	 /* the window's largest discharge step: the
				  * instrument's count where it kept one */
	double capacity_ah;	 /* the fast grade's cell capacity, NaN where
				  * its ends do not read (a plateau, a clamp) */
	double capacity_lb_ah;	 /* its lower bound then, else NaN */
};

struct fastwin {
	enum cell_chem chem;
	bool own_curve; /* read on a given or the file's curve, not chem's */
	struct fastwin_leg *leg;
	size_t n;
};

/* The legs of a one-cell run file (an imported one) read on curve (the
 * cell's own, `--ocv-curve`), else on the file's ocv_curve, else on
 * chemistry's curve ("nmc" or "lfp"; NULL: the file's chemistry), each
 * bounding rest cut to its first rest_max_s (the fast recipe rests 300 s;
 * 0: as the file rested). */
int fastwin_load(const char *path, const char *chemistry,
		 const struct ocvtab *curve, double rest_max_s,
		 struct fastwin *out);
void fastwin_free(struct fastwin *fw);

#endif
