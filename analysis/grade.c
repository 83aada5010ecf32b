/* SPDX-License-Identifier: Apache-2.0 */
/* grade.c - docs/grading.md (a) applied to a pack_result. */
#define LOG_PREFIX "grade"
#include "grade.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chargegrade.h"
#include "analysis/impgrade.h"
#include "common/log.h"
#include "common/rc.h"

#define MAX_REASONS 64

const char *grade_name(enum grade g)
{
	switch (g) {
	case GRADE_REUSE:
		return "REUSE";
	case GRADE_REMANUFACTURE:
		return "REMANUFACTURE";
	case GRADE_RECYCLE:
		return "RECYCLE";
	case GRADE_INCOMPLETE:
		return "INCOMPLETE";
	}
	return "?";
}

const char *cell_flag_name(enum cell_flag f)
{
	switch (f) {
	case CELL_WEAK:
		return "weak";
	case CELL_HIGH_R:
		return "high_resistance";
	case CELL_SELF_DISCHARGE:
		return "self_discharge";
	case CELL_OFFSET:
		return "offset";
	case CELL_UNSAFE:
		return "unsafe";
	}
	return "?";
}

static void reason(struct grade_result *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reason(struct grade_result *g, const char *fmt, ...)
{
	va_list ap;

	if (g->n_reasons >= MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(g->reasons[g->n_reasons++], sizeof(g->reasons[0]), fmt, ap);
	va_end(ap);
}

static void worse(struct grade_result *g, enum grade x)
{
	if (x > g->grade)
		g->grade = x;
}

void sd_stats_of(const double *mv_per_day, size_t n, struct sd_stats *st)
{
	st->mean = metrics_mean(mv_per_day, n);
	st->sd = metrics_stddev(mv_per_day, n);
	st->median = metrics_median(mv_per_day, n);
	st->n = 0;
	for (size_t i = 0; i < n; i++)
		st->n += !isnan(mv_per_day[i]);
}

/* The lot's mean + sigma x sd without cell value k (it is one of the lot):
 * a leaking cell lifts the mean and the sd it is judged against, so much in
 * a small pack that mean + 3 sd of 10 cells can never be exceeded by one of
 * them. */
static double sd_limit_without(const struct sd_stats *lot, double k,
			       double sigma)
{
	double n = (double)lot->n;
	double mean_o = (n * lot->mean - k) / (n - 1);
	double m2_o = n * lot->sd * lot->sd - (k - lot->mean) * (k - mean_o);

	return mean_o + sigma * sqrt(m2_o > 0 ? m2_o / (n - 1) : 0);
}

static bool run_unfinished(const struct pack_result *pr, struct grade_result *g)
{
	if (pr->abort_class == ABORT_SAFETY) {
		g->grade = GRADE_RECYCLE;
		reason(g, "run aborted for a safety cause: %s%s%s",
		       pr->abort_code[0] ? pr->abort_code : "safety",
		       pr->abort_message[0] ? ": " : "", pr->abort_message);
		if (pr->abort_cell) {
			g->cell_flags[pr->abort_cell - 1] |= CELL_UNSAFE;
		} else if (pr->abort_probe && pr->n_probes) {
			/* probes sit in order along the string, one zone each;
			 * the hot cell is one of its zone's */
			unsigned a =
			    (pr->abort_probe - 1) * pr->series / pr->n_probes;
			unsigned b =
			    pr->abort_probe * pr->series / pr->n_probes;

			for (unsigned c = a; c < b; c++)
				g->cell_flags[c] |= CELL_UNSAFE;
			reason(g,
			       "probe %u watches cells %u-%u: they are flagged "
			       "unsafe, check which one heated",
			       pr->abort_probe, a + 1, b);
		}
		return true;
	}
	if (pr->abort_class == ABORT_CONFIG) {
		g->grade = GRADE_INCOMPLETE;
		reason(g,
		       "run aborted by its recipe or profile (%s): %s; not a "
		       "pack fault, fix the recipe or profile and re-run to "
		       "grade",
		       pr->abort_code[0] ? pr->abort_code : pr->end_reason,
		       pr->abort_config);
		return true;
	}
	if (pr->abort_class == ABORT_BENCH ||
	    pr->abort_class == ABORT_OPERATOR) {
		g->grade = GRADE_INCOMPLETE;
		reason(g,
		       "run aborted by the %s (%s%s%s): not a pack fault, "
		       "re-run the test to grade",
		       pr->abort_class == ABORT_BENCH ? "bench" : "operator",
		       pr->abort_code[0] ? pr->abort_code : pr->end_reason,
		       pr->abort_message[0] ? ": " : "", pr->abort_message);
		return true;
	}
	if (strcmp(pr->status, "complete")) {
		g->grade = GRADE_INCOMPLETE;
		reason(
		    g,
		    "run is %s, not complete%s%s: resume or re-run it to grade",
		    pr->status[0] ? pr->status : "of unknown status",
		    pr->end_reason[0] ? ": " : "", pr->end_reason);
		return true;
	}
	if (pr->imp || pr->chg)
		return false; /* grade_imported, grade_charge_only judge */
	if (isnan(pr->capacity_ah)) {
		g->grade = GRADE_INCOMPLETE;
		reason(g,
		       "the run has no capacity discharge (no step tagged "
		       "'capacity', no full discharge): nothing to grade on");
		return true;
	}
	return false;
}

/* S4 for one cell: an outlier among the other cells and a real leak. The
 * leak current (mA) is what compares cells: mV/day also scales with the
 * OCV slope where each cell rests, which varies 25-fold between LFP cells
 * near full. In lot mode the cell must also stand out of the lot's mV/day.
 * Without a leak (no OCV slope) the mV/day and its resolution floor
 * judge. */
static bool self_discharging(const struct cell_result *cr,
			     const struct rules *r, const struct sd_stats *mv,
			     bool lot_mode, const struct grade_result *g)
{
	double k = cr->sd_mv_per_day, i = cr->leak_ma;
	const struct sd_stats *leak = &g->sd_leak;
	bool mv_outlier = mv->n > 2 &&
			  k > sd_limit_without(mv, k, r->sd_sigma) &&
			  k > r->sd_median_factor * fabs(mv->median);

	/* noise in one cell's fit is not a leak */
	if (isnan(k) || k < r->sd_min_t * cr->sd_se_mv_per_day)
		return false;
	if (lot_mode && !mv_outlier)
		return false;
	if (!isnan(i) && leak->n > 2)
		return i >= r->sd_leak_ma_max &&
		       i > sd_limit_without(leak, i, r->sd_sigma) &&
		       i > r->sd_median_factor * fabs(leak->median);
	return mv_outlier && k > g->sd_floor_mv_per_day;
}

static void flag_cells(const struct pack_result *pr, const struct rules *r,
		       const struct sd_stats *mv, bool lot_mode,
		       struct grade_result *g)
{
	double ocv_min =
	    pr->chem == CHEM_LFP ? r->ocv_min_lfp_v : r->ocv_min_nmc_v;
	double fit_days = pr->sd_fit_h / 24.0;

	g->sd_floor_mv_per_day =
	    fit_days > 0 ? r->sd_floor_steps * r->sd_quant_mv / fit_days : NAN;
	for (unsigned c = 0; c < pr->series; c++) {
		const struct cell_result *cr = &pr->cells[c];
		unsigned *f = &g->cell_flags[c];

		if (pr->rated_ah > 0 && !isnan(cr->capacity_ah) &&
		    (pr->cap_median_ah - cr->capacity_ah) / pr->rated_ah >
			r->weak_below_median)
			*f |= CELL_WEAK;
		if (!isnan(cr->r_0s1_mohm) &&
		    cr->r_0s1_mohm > r->high_r_over_median * pr->r_median_mohm)
			*f |= CELL_HIGH_R;
		if (!pr->sd_unjudged &&
		    self_discharging(cr, r, mv, lot_mode, g))
			*f |= CELL_SELF_DISCHARGE;
		if (!isnan(cr->min_rest_V) && cr->min_rest_V < ocv_min)
			*f |= CELL_UNSAFE;
		/* a cell of unknown capacity (LFP plateau) carries the
		 * capacity spread into its offset: judge beyond two sigma */
		if (!(*f & CELL_WEAK) && !isnan(cr->offset_soc) &&
		    fabs(cr->offset_soc) >
			r->offset_soc_min + 2 * cr->offset_se)
			*f |= CELL_OFFSET;
	}
}

/* The measured value a flag is about, for reasons and module summaries. */
static double flag_value(const struct cell_result *cr, unsigned f)
{
	switch (f) {
	case CELL_WEAK:
		return cr->capacity_ah;
	case CELL_HIGH_R:
		return cr->r_0s1_mohm;
	case CELL_SELF_DISCHARGE:
		return cr->sd_mv_per_day;
	case CELL_UNSAFE:
		return cr->min_rest_V;
	case CELL_OFFSET:
		return 100 * cr->offset_soc;
	}
	return NAN;
}

static void cell_reason(const struct pack_result *pr, const struct rules *r,
			const struct sd_stats *lot, struct grade_result *g,
			unsigned c, unsigned f)
{
	const struct cell_result *cr = &pr->cells[c];
	double ocv_min =
	    pr->chem == CHEM_LFP ? r->ocv_min_lfp_v : r->ocv_min_nmc_v;

	switch (f) {
	case CELL_WEAK:
		reason(
		    g,
		    "cell %u (module %u) is weak: capacity %.2f Ah, %.1f "
		    "points of SOH below the pack median %.2f Ah (limit %.0f "
		    "points)",
		    c + 1, cr->module, cr->capacity_ah,
		    100 * (pr->cap_median_ah - cr->capacity_ah) / pr->rated_ah,
		    pr->cap_median_ah, 100 * r->weak_below_median);
		break;
	case CELL_HIGH_R:
		reason(g,
		       "cell %u (module %u) has high resistance: %.3f mOhm, "
		       "%.2f x the pack median %.3f mOhm (limit %.2f x)",
		       c + 1, cr->module, cr->r_0s1_mohm,
		       cr->r_0s1_mohm / pr->r_median_mohm, pr->r_median_mohm,
		       r->high_r_over_median);
		break;
	case CELL_SELF_DISCHARGE:
		if (isnan(cr->leak_ma) || g->sd_leak.n <= 2)
			reason(
			    g,
			    "cell %u (module %u) self-discharges: %.2f "
			    "mV/day, above the mean + %.0f sigma of the other "
			    "cells (%.2f mV/day) and the floor (%.2f mV/day)",
			    c + 1, cr->module, cr->sd_mv_per_day, r->sd_sigma,
			    sd_limit_without(lot, cr->sd_mv_per_day,
					     r->sd_sigma),
			    g->sd_floor_mv_per_day);
		else
			reason(
			    g,
			    "cell %u (module %u) self-discharges: %.2f "
			    "mV/day, a leak of about %.1f mA, above the mean + "
			    "%.0f sigma of the other cells (%.2f mA) and the "
			    "limit (%.1f mA)",
			    c + 1, cr->module, cr->sd_mv_per_day, cr->leak_ma,
			    r->sd_sigma,
			    sd_limit_without(&g->sd_leak, cr->leak_ma,
					     r->sd_sigma),
			    r->sd_leak_ma_max);
		break;
	case CELL_UNSAFE:
		if (isnan(cr->min_rest_V) || cr->min_rest_V >= ocv_min)
			break; /* flagged by the abort: its reason is given */
		reason(g,
		       "cell %u (module %u) is unsafe: rested at %.3f V, below "
		       "%.2f V",
		       c + 1, cr->module, cr->min_rest_V, ocv_min);
		break;
	case CELL_OFFSET:
		reason(g,
		       "cell %u (module %u) is unbalanced, not weak: its SOC "
		       "sits %+.1f %% from the others (limit %.1f %%)%s",
		       c + 1, cr->module, 100 * cr->offset_soc,
		       100 * r->offset_soc_min,
		       c + 1 == pr->discharge_end_cell &&
			       c + 1 != pr->charge_end_cell
			   ? "; it ends the discharge but not the charge"
		       : c + 1 == pr->charge_end_cell &&
			       c + 1 != pr->discharge_end_cell
			   ? "; it ends the charge but not the discharge"
			   : "");
		break;
	}
}

/* Per-cell reasons; a module with many cells flagged alike gets one line. */
#define CELLS_PER_LINE_MAX 3

static void explain_flags(const struct pack_result *pr, const struct rules *r,
			  const struct sd_stats *lot, struct grade_result *g)
{
	static const unsigned order[] = {CELL_UNSAFE, CELL_WEAK, CELL_HIGH_R,
					 CELL_SELF_DISCHARGE, CELL_OFFSET};
	static const char *unit[] = {"V rested", "Ah", "mOhm", "mV/day",
				     "% SOC offset"};

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		unsigned f = order[k];

		for (unsigned m = 1; m <= pr->modules; m++) {
			unsigned n = 0, first = 0, last = 0;
			double lo = NAN, hi = NAN;

			for (unsigned c = 0; c < pr->series; c++) {
				if (pr->cells[c].module != m ||
				    !(g->cell_flags[c] & f))
					continue;
				double v = flag_value(&pr->cells[c], f);

				if (!n)
					first = c + 1;
				last = c + 1;
				n++;
				if (isnan(lo) || v < lo)
					lo = v;
				if (isnan(hi) || v > hi)
					hi = v;
			}
			if (!n)
				continue;
			if (n <= CELLS_PER_LINE_MAX) {
				for (unsigned c = 0; c < pr->series; c++)
					if (pr->cells[c].module == m &&
					    (g->cell_flags[c] & f))
						cell_reason(pr, r, lot, g, c,
							    f);
				continue;
			}
			reason(
			    g,
			    "module %u: %u cells (of cells %u-%u) flagged %s: "
			    "%.3g to %.3g %s (pack median %.3g Ah, %.3g mOhm)",
			    m, n, first, last, cell_flag_name(f), lo, hi,
			    unit[k], pr->cap_median_ah, pr->r_median_mohm);
		}
	}
}

#define MODULE_BAD (CELL_WEAK | CELL_HIGH_R | CELL_SELF_DISCHARGE | CELL_UNSAFE)

/* G4: weak modules, replaceable or not. Returns the SOH of the rest. */
static double weak_modules(const struct pack_result *pr, const struct rules *r,
			   struct grade_result *g)
{
	unsigned nm = pr->modules;
	bool *bad = calloc(nm + 1, sizeof(bool));
	double rest_min = NAN;

	if (!bad)
		return NAN;
	for (unsigned c = 0; c < pr->series; c++)
		if (g->cell_flags[c] & MODULE_BAD)
			bad[pr->cells[c].module] = true;
	for (unsigned m = 1; m <= nm; m++)
		if (bad[m])
			g->replace_modules[g->n_replace++] = m;
	for (unsigned c = 0; c < pr->series; c++) {
		double cap = isnan(pr->cells[c].capacity_ah)
				 ? pr->cells[c].capacity_lb_ah
				 : pr->cells[c].capacity_ah;

		if (!bad[pr->cells[c].module] && !isnan(cap) &&
		    (isnan(rest_min) || cap < rest_min))
			rest_min = cap;
	}
	free(bad);
	if (!g->n_replace)
		return pr->soh_capacity;
	double rest_soh = pr->rated_ah > 0 ? rest_min / pr->rated_ah : NAN;
	bool few = g->n_replace <= r->module_max_weak_fraction * nm + 1e-9 ||
		   (r->module_single_ok && g->n_replace == 1);

	if (few && !(rest_soh < r->module_rest_min_soh) && g->n_replace < nm) {
		worse(g, GRADE_REMANUFACTURE);
		reason(g,
		       "replace %zu of %u modules; the rest of the pack holds "
		       "%.1f %% SOH (minimum %.0f %%)",
		       g->n_replace, nm, 100 * rest_soh,
		       100 * r->module_rest_min_soh);
		return isnan(rest_soh) ? pr->soh_capacity : rest_soh;
	}
	worse(g, GRADE_RECYCLE);
	if (!few)
		reason(g,
		       "%zu of %u modules are weak: more than %.0f %% of the "
		       "modules%s",
		       g->n_replace, nm, 100 * r->module_max_weak_fraction,
		       r->module_single_ok ? " and more than one" : "");
	else
		reason(g,
		       "the modules left after replacement hold %.1f %% SOH, "
		       "below %.0f %%",
		       100 * rest_soh, 100 * r->module_rest_min_soh);
	g->n_replace = 0;
	return pr->soh_capacity;
}

static void soh_gates(const struct pack_result *pr, const struct rules *r,
		      struct grade_result *g)
{
	double soh = g->soh_graded;

	if (isnan(soh)) {
		worse(g, GRADE_REMANUFACTURE);
		reason(g,
		       "pack SOH unknown (no rated capacity): cannot be reused "
		       "as-is");
		return;
	}
	if (soh < r->soh_recycle_below) {
		worse(g, GRADE_RECYCLE);
		reason(g,
		       "pack SOH %.1f %% (%.2f Ah of %.2f Ah rated) is below "
		       "%.0f %%",
		       100 * soh, soh * pr->rated_ah, pr->rated_ah,
		       100 * r->soh_recycle_below);
	} else if (soh < r->soh_reuse_min) {
		worse(g, GRADE_REMANUFACTURE);
		reason(g,
		       "pack SOH %.1f %% is between %.0f %% and %.0f %%: "
		       "regroup or repurpose to storage",
		       100 * soh, 100 * r->soh_recycle_below,
		       100 * r->soh_reuse_min);
	}
}

static void resistance_gate(const struct pack_result *pr, const struct rules *r,
			    struct grade_result *g)
{
	double *x = malloc(pr->series * sizeof(double));
	size_t n = 0;
	bool r10 = r->r_measure == R_MEASURE_10S;
	double fresh = !isnan(pr->ref_r0_mohm) && pr->ref_r0_mohm > 0
			   ? pr->ref_r0_mohm
			   : r->ref_r0_mohm_ah / pr->rated_ah;

	if (!x)
		return;
	/* the cells that stay in the pack */
	for (unsigned c = 0; c < pr->series; c++) {
		bool replaced = false;

		for (size_t k = 0; k < g->n_replace; k++)
			replaced |=
			    g->replace_modules[k] == pr->cells[c].module;
		if (!replaced)
			x[n++] = r10 ? pr->cells[c].r_10s_mohm
				     : pr->cells[c].r_0s1_mohm;
	}
	double med = metrics_median(x, n);

	free(x);
	if (pr->r_slow_cells) {
		double pack_mohm = r10 ? pr->r10_mohm : pr->dcir_mohm;

		/* no cell judged: the pack's own reading, a cell's share of
		 * it (the pack pulse is sampled at the log rate) */
		if (isnan(med) && pr->series)
			med = pack_mohm / pr->series;
		reason(g,
		       "cell resistance not judged for %u of %u cells: their "
		       "readings changed too seldom across the pulse edges "
		       "(a polled BMS)%s",
		       pr->r_slow_cells, pr->series,
		       pr->r_slow_cells == pr->series
			   ? "; the pack's resistance over the series cells "
			     "stands in"
			   : "");
	}
	g->r_ref_mohm = r10 ? fresh * r->r10_factor : fresh;
	g->r_ratio = med / g->r_ref_mohm;
	if (isnan(g->r_ratio)) {
		worse(g, GRADE_REMANUFACTURE);
		reason(g,
		       "no pulse resistance measured (no step tagged 'pulse'): "
		       "cannot be reused as-is");
		return;
	}
	const char *what = r10 ? "10 s" : "ohmic (0.1 s)";

	if (g->r_ratio > r->r_recycle_above_ratio) {
		worse(g, GRADE_RECYCLE);
		reason(
		    g,
		    "median cell %s resistance %.3f mOhm is %.2f x the fresh "
		    "%.3f mOhm (limit %.2f x)",
		    what, med, g->r_ratio, g->r_ref_mohm,
		    r->r_recycle_above_ratio);
	} else if (g->r_ratio > r->r_reuse_max_ratio) {
		worse(g, GRADE_REMANUFACTURE);
		reason(
		    g,
		    "median cell %s resistance %.3f mOhm is %.2f x the fresh "
		    "%.3f mOhm (REUSE up to %.2f x)",
		    what, med, g->r_ratio, g->r_ref_mohm, r->r_reuse_max_ratio);
	}
}

static bool replaced(const struct grade_result *g, unsigned module)
{
	for (size_t k = 0; k < g->n_replace; k++)
		if (g->replace_modules[k] == module)
			return true;
	return false;
}

/* G3 over the cells that stay: replaced modules leave with their spread. */
static void dispersion_gate(const struct pack_result *pr, const struct rules *r,
			    struct grade_result *g)
{
	bool any_offset = false;
	double vlo = NAN, vhi = NAN, slo = NAN, shi = NAN;

	for (unsigned c = 0; c < pr->series; c++) {
		const struct cell_result *cr = &pr->cells[c];

		any_offset |= (g->cell_flags[c] & CELL_OFFSET) != 0;
		if (replaced(g, cr->module))
			continue;
		if (!isnan(cr->rest_V)) {
			vlo = isnan(vlo) || cr->rest_V < vlo ? cr->rest_V : vlo;
			vhi = isnan(vhi) || cr->rest_V > vhi ? cr->rest_V : vhi;
		}
		if (!isnan(cr->offset_soc)) {
			slo = isnan(slo) || cr->offset_soc < slo
				  ? cr->offset_soc
				  : slo;
			shi = isnan(shi) || cr->offset_soc > shi
				  ? cr->offset_soc
				  : shi;
		}
	}
	double v_spread_mV = 1000 * (vhi - vlo), soc_spread = shi - slo;

	if (pr->chem == CHEM_LFP) {
		if (soc_spread > r->soc_spread_max) {
			worse(g, GRADE_REMANUFACTURE);
			reason(
			    g,
			    "cell SOC windows spread %.1f %% (limit %.1f %%): "
			    "rebalance",
			    100 * soc_spread, 100 * r->soc_spread_max);
		}
	} else if (v_spread_mV > r->rest_spread_max_mv) {
		worse(g, GRADE_REMANUFACTURE);
		reason(g,
		       "rested cell voltages spread %.0f mV at %.0f %% SOC "
		       "(limit %.0f mV): rebalance",
		       v_spread_mV, 100 * pr->rest_soc, r->rest_spread_max_mv);
	}
	if (any_offset) {
		worse(g, GRADE_REMANUFACTURE);
		if (pr->rebalance_gain_ah > 0)
			reason(g,
			       "rebalancing would recover about %.1f Ah "
			       "(%.1f %% SOH)",
			       pr->rebalance_gain_ah,
			       100 * pr->rebalance_gain_ah / pr->rated_ah);
	}
	if (pr->cap_spread_rel > r->capacity_spread_max && !g->n_replace) {
		worse(g, GRADE_REMANUFACTURE);
		reason(g,
		       "cell capacities spread %.1f %% of the median "
		       "(limit %.1f %%)",
		       100 * pr->cap_spread_rel, 100 * r->capacity_spread_max);
	}
	if (pr->r_spread_ratio > r->r_spread_max && !g->n_replace) {
		worse(g, GRADE_REMANUFACTURE);
		reason(g,
		       "highest cell resistance is %.2f x the median "
		       "(limit %.2f x)",
		       pr->r_spread_ratio, r->r_spread_max);
	}
}

static void thermal_gate(const struct pack_result *pr, const struct rules *r,
			 struct grade_result *g)
{
	if (pr->temp_max_C > r->temp_max_c) {
		worse(g, GRADE_RECYCLE);
		reason(g, "probe %u reached %.1f C (limit %.0f C)",
		       pr->temp_max_probe, pr->temp_max_C, r->temp_max_c);
	}
	if (pr->temp_spread_C > r->temp_spread_max_c) {
		worse(g, GRADE_RECYCLE);
		reason(g, "temperature probes spread %.1f C (limit %.0f C)",
		       pr->temp_spread_C, r->temp_spread_max_c);
	}
}

/* An imported file (docs/importers.md, "Grading imported data"): the same
 * gates on what its data holds; what it cannot hold is said, not held
 * against it. INCOMPLETE only without a capacity to grade. */
static void grade_imported(const struct pack_result *pr, const struct rules *r,
			   struct grade_result *g)
{
	const struct imp_result *ir = pr->imp;
	char win[160];

	snprintf(win, sizeof(win),
		 "the %.3f-%.3f V window (%s%s), within %.0f mV of both ends",
		 ir->win_lo_V, ir->win_hi_V, ir->chemistry,
		 !ir->chem_inferred ? " given"
		 : ir->multi_cell   ? " assumed: the voltages are a module's "
				      "or a pack's"
				    : " inferred from the voltages in the "
				      "file; --chemistry sets it",
		 1000 * ir->tol_V);
	if (ir->graded < 0) {
		g->grade = GRADE_INCOMPLETE;
		reason(g,
		       "imported (%s): no full discharge: none of its %zu "
		       "discharges runs from the top to the bottom of %s%s",
		       pr->import_format, ir->n_dis, win,
		       ir->chem_inferred ? ""
					 : "; without --chemistry the window "
					   "is the file's own voltage range");
		return;
	}
	const struct imp_discharge *d = &ir->dis[ir->graded];

	reason(g,
	       "imported (%s): capacity %.4f Ah from the discharge of cycle "
	       "%ld (%.3f to %.3f V), the latest of %zu full discharges in "
	       "%s",
	       pr->import_format, d->capacity_ah, d->cycle, d->start_V,
	       d->end_V, ir->n_full, win);
	if (!(ir->rated_ah > 0)) {
		g->grade = GRADE_INCOMPLETE;
		reason(g, "no rated capacity to judge it against: give it with "
			  "'bench grade --rated-ah AH'");
		return;
	}
	g->soh_graded = pr->soh_capacity;
	reason(g, "rated %.4f Ah from %s", ir->rated_ah, ir->rated_from);
	if (!isnan(ir->fade_ah_per_cycle))
		reason(g,
		       "capacity fades %.3g Ah per cycle (%.2f %% of rated "
		       "per 100 cycles) over %zu full discharges",
		       -ir->fade_ah_per_cycle, ir->fade_pct_per_100,
		       ir->n_full);
	soh_gates(pr, r, g);
	if (ir->n_steps_found && ir->multi_cell)
		reason(g,
		       "resistance %.3f mOhm measured, not judged: the file's "
		       "voltage reaches %.2f V, more than one cell's, and the "
		       "fresh reference is a cell's",
		       pr->dcir_mohm, ir->v_max_V);
	else if (ir->n_steps_found)
		resistance_gate(pr, r, g);
	else
		reason(g, "resistance not judged: no current step in the data "
			  "(a step held 10 s after a steady current, with "
			  "rows at most 1 s apart at its edge)");
	if (ir->n_instr_r)
		reason(g,
		       "the instrument's own resistance: %.3f mOhm (its last "
		       "of %zu readings; reported, not graded)",
		       ir->instr_r_mohm, ir->n_instr_r);
	thermal_gate(pr, r, g);
	reason(g, "not judged from an imported file: cell spread (one voltage "
		  "channel), self-discharge (no tagged rest), safety events "
		  "(no limits, no BMS)");
	if (g->grade == GRADE_REUSE)
		reason(g,
		       "SOH %.1f %%%s: reuse as-is (self-discharge not "
		       "judged: re-test it before use)",
		       100 * g->soh_graded,
		       ir->n_steps_found && !ir->multi_cell
			   ? ", resistance within limits"
			   : ", resistance not judged");
}

/* A charge-only run (docs/grading.md, "Charge-only runs"): the same gates
 * on what a charge shows; what it cannot show is said, not held against
 * it. INCOMPLETE only without a capacity. */
static void grade_charge_only(const struct pack_result *pr,
			      const struct rules *r, const struct sd_stats *lot,
			      struct grade_result *g)
{
	const struct chg_result *cr = pr->chg;
	const char *src = cr->gbt ? "GB/T 27930 charge session" : "charge";

	if (cr->method == CHG_NONE) {
		g->grade = GRADE_INCOMPLETE;
		reason(g,
		       "charge-only run (%s): capacity not judged: %s; charge "
		       "from the pack's lower limit to full, or over %.0f %% "
		       "of the BMS's SOC",
		       src, cr->why_none, CHG_MIN_DSOC_PCT);
		return;
	}
	if (cr->method == CHG_DIRECT)
		reason(g,
		       "charge-only run (%s): capacity %.2f Ah +- %.1f %% = "
		       "the Ah charged from the pack's lower limit to full "
		       "(a charge's coulombic efficiency taken as 1; +- the "
		       "SOC left outside: %.1f to %.0f %%)",
		       src, cr->capacity_ah, 100 * cr->unc_rel,
		       cr->soc_start_pct, cr->soc_end_pct);
	else
		reason(g,
		       "charge-only run (%s): capacity %.2f Ah +- %.1f %% = "
		       "%.2f Ah charged / the BMS's SOC change %.1f to %.0f "
		       "%% (not from the lower limit to full)",
		       src, cr->capacity_ah, 100 * cr->unc_rel, cr->charge_ah,
		       cr->soc_start_pct, cr->soc_end_pct);
	if (cr->method == CHG_SOC_SCALED)
		reason(g,
		       "the uncertainty is the SOC's %.0f %% resolution only: "
		       "the BMS's own SOC error is unknown and taken as 0",
		       CHG_SOC_RES_PCT);
	if (!cr->cells_known)
		reason(g, "per-cell data not judged: the BMS sent no cell "
			  "voltages (no BMV): pack values and its extremes "
			  "only");
	else if (!cr->n_cell_caps)
		reason(g, "per-cell capacity not judged: no rest before and "
			  "after the charge off the OCV plateau to read each "
			  "cell's SOC");
	explain_flags(pr, r, lot, g);
	g->soh_graded = weak_modules(pr, r, g);
	soh_gates(pr, r, g);
	resistance_gate(pr, r, g);
	dispersion_gate(pr, r, g);
	thermal_gate(pr, r, g);
	reason(g, "not judged from a charge-only run: discharge capacity and "
		  "energy at rate, round-trip and coulombic efficiency, "
		  "resistance on discharge, self-discharge (no rest: judge it "
		  "with 'bench grade RUN.h5 --shelf SHELF.h5'), the cells' "
		  "behaviour near empty");
	if (g->grade == GRADE_REUSE)
		reason(g,
		       "SOH %.1f %% from a charge, resistance %.2f x fresh: "
		       "reuse as-is (discharge and self-discharge not "
		       "judged: re-test it before use)",
		       100 * g->soh_graded, g->r_ratio);
}

int grade_pack(const struct pack_result *pr, const struct rules *r,
	       const struct sd_stats *lot, struct grade_result *g)
{
	struct sd_stats own;

	memset(g, 0, sizeof(*g));
	g->reasons = calloc(MAX_REASONS, sizeof(*g->reasons));
	g->cell_flags = calloc(pr->series ? pr->series : 1, sizeof(unsigned));
	g->replace_modules = calloc(pr->modules + 1, sizeof(unsigned));
	if (!g->reasons || !g->cell_flags || !g->replace_modules) {
		grade_result_release(g);
		log_err("out of memory grading '%s'", pr->pack_id);
		return BENCH_ERR_MEM;
	}
	g->r_ratio = g->r_ref_mohm = g->soh_graded = NAN;
	g->sd_floor_mv_per_day = NAN;
	snprintf(g->rules_sha256, sizeof(g->rules_sha256), "%s", r->sha256);
	if (run_unfinished(pr, g))
		return BENCH_OK;
	if (pr->imp) {
		grade_imported(pr, r, g);
		return BENCH_OK;
	}
	double *k = malloc((pr->series ? pr->series : 1) * sizeof(double));

	if (!k) {
		grade_result_release(g);
		log_err("out of memory grading '%s'", pr->pack_id);
		return BENCH_ERR_MEM;
	}
	for (unsigned c = 0; c < pr->series; c++)
		k[c] = pr->cells[c].leak_ma;
	sd_stats_of(k, pr->series, &g->sd_leak);
	for (unsigned c = 0; c < pr->series; c++)
		k[c] = pr->cells[c].sd_mv_per_day;
	sd_stats_of(k, pr->series, &own);
	free(k);
	flag_cells(pr, r, lot ? lot : &own, lot != NULL, g);
	if (pr->chg) {
		grade_charge_only(pr, r, lot ? lot : &own, g);
		return BENCH_OK;
	}
	if (!lot)
		lot = &own;
	explain_flags(pr, r, lot, g);
	if (pr->sd_unjudged)
		reason(
		    g,
		    "self-discharge not judged: the rest sat at %.0f %% SOC on "
		    "the LFP plateau, where a day's leak moves the voltage "
		    "less "
		    "than the readings resolve; rest LFP packs full or near 10 "
		    "%% "
		    "SOC (fixtures/recipes/overnight_lfp.txt)",
		    100 * pr->sd_soc);
	else if (!(pr->sd_fit_h > 0))
		reason(g, "self-discharge not judged: the run has no "
			  "self-discharge rest; a fast run's is judged with "
			  "'bench grade FAST.h5 --shelf SHELF.h5' "
			  "(fixtures/recipes/shelf-check.txt a day or more "
			  "later)");
	else if (pr->sd_unjudged_cells)
		reason(
		    g,
		    "self-discharge not judged for %u of %u cells: they "
		    "rested on the LFP plateau (the pack's charge ended on "
		    "other cells), where a day's leak moves the voltage less "
		    "than the readings resolve",
		    pr->sd_unjudged_cells, pr->series);
	g->soh_graded = weak_modules(pr, r, g);
	soh_gates(pr, r, g);
	resistance_gate(pr, r, g);
	dispersion_gate(pr, r, g);
	thermal_gate(pr, r, g);
	if (g->grade == GRADE_REUSE)
		reason(g,
		       "pack SOH %.1f %%, resistance %.2f x fresh, cells "
		       "balanced and alike: reuse as-is%s",
		       100 * g->soh_graded, g->r_ratio,
		       pr->sd_unjudged_cells || !(pr->sd_fit_h > 0)
			   ? " (self-discharge not judged, see "
			     "above: re-test it before use)"
			   : "");
	return BENCH_OK;
}

void grade_result_release(struct grade_result *g)
{
	free(g->reasons);
	free(g->cell_flags);
	free(g->replace_modules);
	g->reasons = NULL;
	g->cell_flags = NULL;
	g->replace_modules = NULL;
}
