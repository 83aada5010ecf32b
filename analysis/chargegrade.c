/* SPDX-License-Identifier: Apache-2.0 */
/* chargegrade.c - capacity of a charge-only run (docs/grading.md,
 * "Charge-only runs"). */
#define LOG_PREFIX "chargegrade"
#include "chargegrade.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gbt.h"
#include "common/log.h"
#include "common/rc.h"

#define GBT_EVENT "bench:GBT_SESSION"
/* BST "SOC reached", "pack voltage reached", "cell voltage reached" */
#define BST_FULL                                                               \
	((1u << GBT_BST_SOC_REACHED) | (1u << GBT_BST_VOLTAGE_REACHED) |       \
	 (1u << GBT_BST_CELL_VOLTAGE_REACHED))

const char *chargegrade_method_name(enum chg_method m)
{
	switch (m) {
	case CHG_DIRECT:
		return "lower_limit_to_full";
	case CHG_SOC_SCALED:
		return "bms_soc_scaled";
	case CHG_NONE:
		break;
	}
	return "none";
}

static bool gbt_session(const struct rundata *rd)
{
	for (size_t k = 0; k < rd->n_events; k++)
		if (!strcmp(rd->events[k].code, GBT_EVENT))
			return true;
	return false;
}

bool chargegrade_is_charge_only(const struct rundata *rd)
{
	if (gbt_session(rd))
		return true;
	if (rd->cap_step >= 0 || !rd->n_steps)
		return false;
	for (size_t s = 0; s < rd->n_steps; s++)
		if (!strcmp(rd->steps[s].kind, "discharge"))
			return false;
	for (size_t s = 0; s < rd->n_steps; s++)
		if (!strcmp(rd->steps[s].kind, "charge"))
			return true;
	return false;
}

/* The session as gbtrun logged it (docs/gbt27930.md, "The controller as
 * the charger"): BCP's SOC before charging, BST's stop bits, BSD's end
 * SOC. The last of each counts. */
static void session_values(const struct rundata *rd, struct chg_result *cr)
{
	for (size_t k = 0; k < rd->n_events; k++) {
		const char *m = rd->events[k].message, *p;
		double x;
		unsigned b;

		if (strcmp(rd->events[k].code, GBT_EVENT))
			continue;
		if (strstr(m, "BCP ") && (p = strstr(m, "SOC ")) &&
		    sscanf(p, "SOC %lf", &x) == 1)
			cr->soc_start_pct = x;
		else if ((p = strstr(m, "(BST 0x")) &&
			 sscanf(p, "(BST 0x%x", &b) == 1)
			cr->bst_set = b;
		else if ((p = strstr(m, "(BSD: SOC ")) &&
			 sscanf(p, "(BSD: SOC %lf", &x) == 1)
			cr->soc_end_pct = x;
	}
}

/* Every cell reported in a rest (BMV), not only BCS's highest cell. */
static bool cells_known(const struct rundata *rd)
{
	for (size_t k = 0; k < rd->n_rests; k++) {
		size_t n = 0;

		for (size_t c = 0; c < rd->series; c++)
			n += !isnan(rd->rests[k].cell_V[c]);
		if (n == rd->series)
			return true;
	}
	return false;
}

/* The lowest cell's SOC by its OCV at the first rest, NaN without one. */
static double first_rest_soc(const struct rundata *rd, bool known)
{
	double lo = NAN;

	if (!rd->n_rests || !known)
		return NAN;
	for (size_t c = 0; c < rd->series; c++) {
		double s = ocvcurve_soc(&rd->ocv, rd->rests[0].cell_V[c]);

		if (isnan(lo) || s < lo)
			lo = s;
	}
	return lo;
}

/* Per cell: the OCV SOC at the first and the last rest, if the charge
 * lies between them. */
static void cell_capacities(const struct rundata *rd, struct pack_result *pr,
			    struct chg_result *cr)
{
	for (size_t c = 0; c < rd->series; c++) {
		pr->cells[c].capacity_ah = pr->cells[c].capacity_lb_ah = NAN;
		pr->cells[c].soc_top = pr->cells[c].soc_bot = NAN;
	}
	if (!cr->cells_known || rd->n_rests < 2)
		return;
	const struct rd_rest *a = &rd->rests[0],
			     *b = &rd->rests[rd->n_rests - 1];

	if (b->ah_net - a->ah_net < 0.5 * cr->charge_ah)
		return;
	for (size_t c = 0; c < rd->series; c++) {
		struct cell_result *cl = &pr->cells[c];

		cl->soc_bot = ocvcurve_soc(&rd->ocv, a->cell_V[c]);
		cl->soc_top = ocvcurve_soc(&rd->ocv, b->cell_V[c]);
		if (!ocvcurve_soc_reliable(&rd->ocv, cl->soc_bot) ||
		    !ocvcurve_soc_reliable(&rd->ocv, cl->soc_top))
			continue;
		cl->capacity_ah = metrics_cell_capacity_ah(
		    b->ah_net - a->ah_net, cl->soc_bot, cl->soc_top);
		cr->n_cell_caps += !isnan(cl->capacity_ah);
	}
	double *x = malloc(rd->series * sizeof(double));

	if (!x)
		return;
	for (size_t c = 0; c < rd->series; c++)
		x[c] = pr->cells[c].capacity_ah;
	pr->cap_median_ah = metrics_median(x, rd->series);
	free(x);
}

/* Without BMV a cell's column holds only BCS's highest cell now and then:
 * nothing per cell is measured, nor any spread between cells. */
static void forget_cells(struct pack_result *pr)
{
	for (size_t c = 0; c < pr->series; c++) {
		struct cell_result *cl = &pr->cells[c];

		cl->offset_soc = cl->rest_V = cl->min_rest_V = NAN;
		cl->r_0s1_mohm = cl->r_2s_mohm = cl->r_10s_mohm = NAN;
		cl->offset_se = 0;
	}
	pr->rest_spread_mV = pr->soc_spread = pr->cap_spread_rel = NAN;
	pr->r_spread_ratio = pr->rebalance_gain_ah = NAN;
	pr->charge_end_cell = pr->discharge_end_cell = 0;
}

static void pick_method(struct chg_result *cr)
{
	double dsoc = cr->soc_end_pct - cr->soc_start_pct;

	if (!(cr->charge_ah > 0)) {
		snprintf(cr->why_none, sizeof(cr->why_none),
			 "nothing was charged");
	} else if (cr->from_empty && cr->to_full) {
		/* what the BMS's limits leave outside the charge; without
		 * its SOC, the most the empty and full points leave out */
		double out = (isnan(cr->soc_start_pct) ? CHG_EMPTY_SOC_PCT
						       : cr->soc_start_pct) +
			     (isnan(cr->soc_end_pct) ? 100 - CHG_FULL_SOC_PCT
						     : 100 - cr->soc_end_pct);

		cr->method = CHG_DIRECT;
		cr->capacity_ah = cr->charge_ah;
		cr->unc_rel = fmax(out, CHG_SOC_RES_PCT) / 100;
	} else if (!isnan(dsoc) && dsoc >= CHG_MIN_DSOC_PCT) {
		cr->method = CHG_SOC_SCALED;
		cr->capacity_ah = cr->charge_ah / (dsoc / 100);
		cr->unc_rel = CHG_SOC_RES_PCT / dsoc;
	} else if (isnan(dsoc)) {
		snprintf(cr->why_none, sizeof(cr->why_none),
			 "the charge %s and the BMS reported no SOC at both "
			 "ends to scale it by",
			 !cr->from_empty ? "did not start at the pack's lower "
					   "limit"
					 : "did not end full");
	} else {
		snprintf(cr->why_none, sizeof(cr->why_none),
			 "the BMS's SOC moved %.1f %% (%.1f to %.1f %%), "
			 "below the %.0f %% the SOC-scaled method needs",
			 dsoc, cr->soc_start_pct, cr->soc_end_pct,
			 CHG_MIN_DSOC_PCT);
	}
}

int chargegrade_run(const struct rundata *rd, struct pack_result *pr)
{
	struct chg_result *cr = calloc(1, sizeof(*cr));
	struct ahwh w;

	if (!cr) {
		log_err("out of memory grading '%s'", pr->pack_id);
		return BENCH_ERR_MEM;
	}
	cr->gbt = gbt_session(rd);
	cr->soc_start_pct = cr->soc_end_pct = NAN;
	cr->capacity_ah = cr->unc_rel = NAN;
	session_values(rd, cr);
	metrics_integrate(rd->t_s, rd->i_A, rd->v_V, rd->rows, &w);
	cr->charge_ah = w.charge_Ah;
	cr->charge_wh = w.charge_Wh;
	cr->cells_known = cells_known(rd);
	double soc0 = first_rest_soc(rd, cr->cells_known);

	cr->from_empty = cr->soc_start_pct <= CHG_EMPTY_SOC_PCT ||
			 soc0 <= CHG_EMPTY_SOC_PCT / 100;
	cr->to_full =
	    (cr->bst_set & BST_FULL) || cr->soc_end_pct >= CHG_FULL_SOC_PCT;
	pick_method(cr);
	cell_capacities(rd, pr, cr);
	if (!cr->cells_known)
		forget_cells(pr);
	pr->charge_ah = cr->charge_ah;
	pr->charge_wh = cr->charge_wh;
	pr->capacity_ah = cr->capacity_ah;
	if (pr->rated_ah > 0)
		pr->soh_capacity = pr->capacity_ah / pr->rated_ah;
	pr->chg = cr;
	return BENCH_OK;
}
