/* SPDX-License-Identifier: Apache-2.0 */
/* ocv.h - the chemistry OCV curves the analysis inverts (rested cell voltage
 * to state of charge): common/ocvtab.h, published cell curves
 * (docs/simulator.md) that the simulator's cells follow too. Between
 * points the curve is linear. Outside 0..100 % the inverse clamps (unlike
 * the simulator's, which keeps sloping): a rested cell past its top or
 * bottom point is reported full or empty.
 */
#ifndef BENCH_ANALYSIS_OCV_H
#define BENCH_ANALYSIS_OCV_H

#include <stdbool.h>

enum cell_chem { CHEM_NMC = 0, CHEM_LFP = 1 };

/* "nmc" / "lfp" (case-insensitive); anything else is NMC. */
enum cell_chem cell_chem_parse(const char *name);

/* OCV at soc (fraction 0..1, clamped). */
double ocvcurve_V(enum cell_chem chem, double soc);
/* State of charge (fraction 0..1) of a rested cell at voltage_V. */
double ocvcurve_soc(enum cell_chem chem, double voltage_V);
/* dOCV/dSOC in V per unit SOC at soc (the local segment's slope). */
double ocvcurve_slope_V(enum cell_chem chem, double soc);
/* Whether a rested voltage pins SOC down well enough to compute with:
 * LFP's 20-80 % plateau moves ~10 mV for 30 % SOC, so only its ends count
 * (slope >= 5 mV per % SOC). NMC is always usable. */
bool ocvcurve_soc_reliable(enum cell_chem chem, double soc);
/* Nominal cell voltage used for rated energy when the file has none. */
double ocvcurve_nominal_V(enum cell_chem chem);

#endif
