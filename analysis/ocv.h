/* SPDX-License-Identifier: Apache-2.0 */
/* ocv.h - the OCV curve the analysis inverts (rested cell voltage to state
 * of charge). A curve is a struct ocvtab (common/ocvtab.h): the run file's
 * own (attribute ocv_curve, from the profile's ocv_curve key; or a
 * `--ocv-curve` option on an imported file) or the chemistry's built-in
 * one, the published cell curve the simulator's cells follow too
 * (docs/simulator.md). Between points the curve is linear. Outside
 * 0..100 % the inverse clamps (unlike the simulator's, which keeps
 * sloping): a rested cell past its top or bottom point is reported full or
 * empty.
 */
#ifndef BENCH_ANALYSIS_OCV_H
#define BENCH_ANALYSIS_OCV_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ocvtab.h"

enum cell_chem { CHEM_NMC = 0, CHEM_LFP = 1 };

/* "nmc" / "lfp" (case-insensitive); anything else is NMC. */
enum cell_chem cell_chem_parse(const char *name);

/* The chemistry's built-in curve (ocvtab_nmc or ocvtab_lfp). */
const struct ocvtab *ocvcurve_builtin(enum cell_chem chem);

/* A cell's curve from text (common/ocvtab.h's pairs), every point between
 * 1.5 and 5 V; an error names where (the text's source) and what. */
int ocvcurve_parse(const char *text, const char *where, struct ocvtab *out);
/* The curve of a run: text (the ocv_curve attribute, or a curve file's
 * contents) when it is not empty, else the chemistry's. A text that does
 * not read is an error naming what (where names the source in the
 * message). */
int ocvcurve_load(const char *text, enum cell_chem chem, const char *where,
		  struct ocvtab *out);

/* OCV at soc (fraction 0..1, clamped). */
double ocvcurve_V(const struct ocvtab *c, double soc);
/* State of charge (fraction 0..1) of a rested cell at voltage_V. */
double ocvcurve_soc(const struct ocvtab *c, double voltage_V);
/* dOCV/dSOC in V per unit SOC at soc (the local segment's slope). */
double ocvcurve_slope_V(const struct ocvtab *c, double soc);
/* Whether a rested voltage pins SOC down well enough to compute with: the
 * curve's slope there is at least 4 mV per % SOC. An LFP plateau (its
 * 10-95 % moves ~150 mV, ~0.5-3.6 mV per %) fails; the built-in NMC curve
 * (4.2 mV per % at its flattest) passes everywhere. */
bool ocvcurve_soc_reliable(const struct ocvtab *c, double soc);
/* Nominal cell voltage used for rated energy when the file has none. */
double ocvcurve_nominal_V(enum cell_chem chem);

#endif
