/* SPDX-License-Identifier: Apache-2.0 */
/* ocvtab.h - the open-circuit voltage of NMC and LFP cells versus state of
 * charge, as points of a piecewise-linear curve. One table for the
 * simulator's cells (bench/sim/ocv.c, the plant) and the analysis's
 * estimator (analysis/ocv.c), so a simulated pack is graded on the curve it
 * was built with.
 *
 * Published cell curves (docs/simulator.md). NMC: the LG INR18650MJ1
 * curve (foxBMS table), 0 % pinned to the 2.5 V cut-off. LFP: the A123
 * curve with its flat plateau, its knees shaped by the APR18650M1B C/32
 * curve, 0 % pinned to the 2.5 V cut-off.
 */
#ifndef BENCH_COMMON_OCVTAB_H
#define BENCH_COMMON_OCVTAB_H

#include <stddef.h>

struct ocvtab_pt {
	double soc_pct, ocv_V;
};

/* Points by rising soc_pct, from 0 % to 100 %. */
struct ocvtab {
	const struct ocvtab_pt *pt;
	size_t n;
};

extern const struct ocvtab ocvtab_nmc;
extern const struct ocvtab ocvtab_lfp;

#endif
