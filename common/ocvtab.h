/* SPDX-License-Identifier: Apache-2.0 */
/* ocvtab.h - the open-circuit voltage of a cell versus state of charge, as
 * points of a piecewise-linear curve. The built-in NMC and LFP curves serve
 * the simulator's cells (bench/sim/ocv.c, the plant) and the analysis's
 * estimator (analysis/ocv.c), so a simulated pack is graded on the curve it
 * was built with; a profile's ocv_curve (docs/profiles.md) gives a real
 * cell's own curve in the same form.
 *
 * Published cell curves (docs/simulator.md). NMC: the LG INR18650MJ1
 * curve (foxBMS table), 0 % pinned to the 2.5 V cut-off. LFP: the A123
 * curve with its flat plateau, its knees shaped by the APR18650M1B C/32
 * curve, 0 % pinned to the 2.5 V cut-off.
 */
#ifndef BENCH_COMMON_OCVTAB_H
#define BENCH_COMMON_OCVTAB_H

#include <stddef.h>

/* A curve has 3..OCVTAB_MAX_PTS points: fewer is a line, not a cell's
 * curve; more than one a few % apart is a copy-paste of raw samples. */
#define OCVTAB_MIN_PTS 3
#define OCVTAB_MAX_PTS 64

struct ocvtab_pt {
	double soc_pct, ocv_V;
};

/* Points by rising soc_pct, from 0 % to 100 %, voltage non-decreasing. */
struct ocvtab {
	size_t n;
	struct ocvtab_pt pt[OCVTAB_MAX_PTS];
};

extern const struct ocvtab ocvtab_nmc;
extern const struct ocvtab ocvtab_lfp;

/* Read "SOC:V SOC:V ..." (SOC in %, volts; blanks, commas or line ends
 * between pairs,
 * e.g. "0:2.50 10:3.45 50:3.65 100:4.20") into out, strictly: OCVTAB_MIN_PTS
 * to OCVTAB_MAX_PTS points, 0 % first and 100 % last, SOC strictly rising,
 * voltage non-decreasing and inside [lo_V, hi_V]. On error, err (without
 * file or line: the caller adds where the text came from) says what and
 * BENCH_ERR_PARSE is returned; nothing is logged. */
int ocvtab_parse(const char *text, double lo_V, double hi_V, struct ocvtab *out,
		 char *err, size_t err_len);

/* The curve as text ocvtab_parse reads back ("%.6g:%.6g" pairs, one blank
 * apart: 1 uV, 0.0001 %); OCVTAB_TEXT_LEN always holds it. BENCH_ERR_ARG
 * when len is too small. */
#define OCVTAB_TEXT_LEN (OCVTAB_MAX_PTS * 16 + 1)
int ocvtab_format(const struct ocvtab *t, char *buf, size_t len);

#endif
