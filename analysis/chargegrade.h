/* SPDX-License-Identifier: Apache-2.0 */
/* chargegrade.h - what a charge-only run (a GB/T 27930 session, or any run
 * without a discharge) can be graded on (docs/grading.md, "Charge-only
 * runs"): capacity from the charge between the pack's own limits, or the
 * charge scaled by the BMS's SOC change; resistance from the charge-current
 * steps. Measured only; grade.c judges. Pure: works on a rundata.
 */
#ifndef BENCH_ANALYSIS_CHARGEGRADE_H
#define BENCH_ANALYSIS_CHARGEGRADE_H

#include <stdbool.h>

#include "analysis/analyze.h"
#include "analysis/rundata.h"

enum chg_method {
	CHG_NONE = 0,	/* capacity not judged */
	CHG_DIRECT,	/* lower limit to full: the Ah charged */
	CHG_SOC_SCALED, /* Ah charged / BMS SOC change */
};

/* A charge starts at the lower limit at or below this BMS SOC (or a
 * rested cell this near empty by its OCV), and ends full at or above
 * CHG_FULL_SOC_PCT (or the BMS's BST "reached"). */
#define CHG_EMPTY_SOC_PCT 2.0
#define CHG_FULL_SOC_PCT 95.0
/* The SOC-scaled method needs this much SOC change to divide by. */
#define CHG_MIN_DSOC_PCT 20.0
/* BCP's start SOC is 0.1 %, BSD's end SOC 1 %: the change read to +-1 %. */
#define CHG_SOC_RES_PCT 1.0

struct chg_result {
	bool gbt; /* bench:GBT_SESSION events */
	double charge_ah, charge_wh;
	double soc_start_pct, soc_end_pct; /* BCP, BSD; NaN if not sent */
	unsigned bst_set;		   /* the BMS's BST stop bits, 0 none */
	bool from_empty, to_full;
	enum chg_method method;
	double capacity_ah;
	double unc_rel;	      /* relative uncertainty of capacity_ah */
	bool cells_known;     /* every cell reported (BMV), not extremes only */
	unsigned n_cell_caps; /* cells with an OCV capacity */
	char why_none[160];   /* method CHG_NONE: why */
};

/* Whether rd is a charge-only run. */
bool chargegrade_is_charge_only(const struct rundata *rd);
/* Fill pr (capacity, SOH, energy charged, per-cell capacity where rests
 * allow) and pr->chg. */
int chargegrade_run(const struct rundata *rd, struct pack_result *pr);
const char *chargegrade_method_name(enum chg_method m);

#endif
