/* SPDX-License-Identifier: Apache-2.0 */
/* ocv.h - open-circuit voltage of the simulated NMC and LFP cells versus
 * state of charge, on the curves of common/ocvtab.h (the analysis grades on
 * the same ones). Outside 0..100 % the curve does not clamp: it keeps
 * falling (below 0 %) or rising (above 100 %) at OCV_EDGE_SLOPE_V_PER_PCT,
 * so a CV hold at the upper limit ends a fraction of a percent past 100 %
 * and the 0-100 % capacity is the cell's capacity.
 */
#ifndef BENCH_SIM_OCV_H
#define BENCH_SIM_OCV_H

enum ocv_chem { OCV_NMC = 0, OCV_LFP = 1 };

#define OCV_EDGE_SLOPE_V_PER_PCT 0.15

/* soc as a fraction (1.0 = 100 %), any value */
double ocv_V(enum ocv_chem chem, double soc);

#endif
