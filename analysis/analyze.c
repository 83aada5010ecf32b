/* SPDX-License-Identifier: Apache-2.0 */
/* analyze.c - turn a rundata into measured pack and cell results. */
#define LOG_PREFIX "analyze"
#include "analyze.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chargegrade.h"
#include "analysis/impgrade.h"
#include "common/log.h"
#include "common/rc.h"

unsigned analyze_module_of(unsigned cell, unsigned series, unsigned modules)
{
	if (!modules || !series)
		return 1;
	return (unsigned)(((unsigned long)(cell - 1) * modules) / series) + 1;
}

/* "key = value" anywhere in an INI text (the profile), NaN if absent. */
static double ini_text_number(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, kl))
			continue;
		p += kl;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		return strtod(p + 1, NULL);
	}
	return NAN;
}

/* The number after a word ("cell 17", "probe #3") in a message, 0 if none. */
static unsigned number_after(const char *msg, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = msg; (p = strstr(p, word)); p += wl) {
		const char *q = p + wl;

		while (*q == ' ' || *q == '#')
			q++;
		if (isdigit((unsigned char)*q))
			return (unsigned)strtoul(q, NULL, 10);
	}
	return 0;
}

static void classify_end(const struct rundata *rd, struct pack_result *pr)
{
	const struct run_event *ab = NULL;

	for (size_t k = 0; k < rd->n_events; k++) {
		const struct run_event *e = &rd->events[k];

		if (!strcmp(e->severity, "fault") ||
		    !strcmp(e->severity, "abort"))
			pr->n_negative_events++;
		if (!strcmp(e->severity, "abort"))
			ab = e;
	}
	const char *code = ab ? ab->code : pr->end_reason;

	if (!strcmp(pr->status, "aborted") || ab) {
		if (!strncmp(code, "safety", 6))
			pr->abort_class = ABORT_SAFETY;
		else if (!strncmp(code, "operator", 8))
			pr->abort_class = ABORT_OPERATOR;
		else
			pr->abort_class = ABORT_BENCH;
	}
	if (ab) {
		snprintf(pr->abort_code, sizeof(pr->abort_code), "%s",
			 ab->code);
		snprintf(pr->abort_message, sizeof(pr->abort_message), "%s",
			 ab->message);
		pr->abort_cell = number_after(ab->message, "cell");
		pr->abort_probe = number_after(ab->message, "probe");
	} else if (pr->abort_class) {
		snprintf(pr->abort_message, sizeof(pr->abort_message), "%s",
			 pr->end_reason);
		pr->abort_cell = number_after(pr->end_reason, "cell");
		pr->abort_probe = number_after(pr->end_reason, "probe");
	}
	if (pr->abort_cell > pr->series)
		pr->abort_cell = 0;
	if (pr->abort_probe > pr->n_probes)
		pr->abort_probe = 0;
}

static double median_soc(const struct rundata *rd, const float *v, double *tmp)
{
	for (size_t c = 0; c < rd->series; c++)
		tmp[c] = ocvcurve_soc(&rd->ocv, v[c]);
	return metrics_median(tmp, rd->series);
}

/* Rests bracketing the capacity discharge (top: before, bot: after), or
 * the widest pair of rests by Ah when there is no capacity step. */
static void pick_rest_pair(const struct rundata *rd, long *top, long *bot,
			   double *tmp)
{
	*top = *bot = -1;
	if (rd->cap_step >= 0) {
		double t0 = rd->steps[rd->cap_step].start_s;
		double t1 = rd->steps[rd->cap_step].end_s;

		for (size_t k = 0; k < rd->n_rests; k++) {
			if (rd->rests[k].t_s <= t0 + 1e-6)
				*top = (long)k;
			if (rd->rests[k].t_s >= t1 && *bot < 0)
				*bot = (long)k;
		}
		if (*top >= 0 && *bot >= 0)
			return;
	}
	double best = 0;

	for (size_t a = 0; a < rd->n_rests; a++)
		for (size_t b = a + 1; b < rd->n_rests; b++) {
			double d =
			    fabs(rd->rests[b].ah_net - rd->rests[a].ah_net);
			double sa = median_soc(rd, rd->rests[a].cell_V, tmp);
			double sb = median_soc(rd, rd->rests[b].cell_V, tmp);

			if (d > best && ocvcurve_soc_reliable(&rd->ocv, sa) &&
			    ocvcurve_soc_reliable(&rd->ocv, sb)) {
				best = d;
				*top = (long)(sa > sb ? a : b);
				*bot = (long)(sa > sb ? b : a);
			}
		}
}

/* Offset: each cell's SOC carried back to the charge state the pack
 * arrived in, SOC at a rested point minus the Ah passed since the start
 * over the cell's capacity. Cells of different capacity drift apart as
 * charge passes (a small cell is fuller at the top and emptier at the
 * bottom) but keep their starting SOC; an unbalanced cell does not. The
 * rest used is the one nearest the starting charge state where that
 * cell's SOC is readable (not on an LFP plateau). */
static void cell_offsets(const struct rundata *rd, struct pack_result *pr,
			 double *tmp)
{
	for (size_t c = 0; c < rd->series; c++)
		tmp[c] = pr->cells[c].capacity_ah;
	double med_cap = metrics_median(tmp, rd->series);
	/* robust relative sigma of the capacities: a cell whose capacity is
	 * unknown may sit anywhere in that spread */
	double sig = 0.5 *
		     (metrics_percentile(tmp, rd->series, 84.1) -
		      metrics_percentile(tmp, rd->series, 15.9)) /
		     med_cap;

	if (isnan(med_cap))
		med_cap = pr->rated_ah;
	if (isnan(sig))
		sig = 0.05;
	for (size_t c = 0; c < rd->series; c++) {
		bool known = !isnan(pr->cells[c].capacity_ah);
		double cap = known ? pr->cells[c].capacity_ah : med_cap;
		double best = INFINITY;

		tmp[c] = NAN;
		pr->cells[c].offset_se = 0;
		for (size_t k = 0; k < rd->n_rests; k++) {
			double soc =
			    ocvcurve_soc(&rd->ocv, rd->rests[k].cell_V[c]);

			if (!ocvcurve_soc_reliable(&rd->ocv, soc) ||
			    fabs(rd->rests[k].ah_net) >= best)
				continue;
			best = fabs(rd->rests[k].ah_net);
			tmp[c] = soc - rd->rests[k].ah_net / cap;
			if (!known)
				pr->cells[c].offset_se = best / med_cap * sig;
		}
	}
	double med = metrics_median(tmp, rd->series);

	for (size_t c = 0; c < rd->series; c++)
		pr->cells[c].offset_soc = tmp[c] - med;
	pr->soc_spread = metrics_max(tmp, rd->series, NULL) -
			 metrics_min(tmp, rd->series, NULL);
}

static void cell_capacities(const struct rundata *rd, struct pack_result *pr,
			    double *tmp)
{
	long top, bot;

	pick_rest_pair(rd, &top, &bot, tmp);
	for (size_t c = 0; c < rd->series; c++) {
		struct cell_result *cr = &pr->cells[c];

		if (top >= 0)
			cr->soc_top =
			    ocvcurve_soc(&rd->ocv, rd->rests[top].cell_V[c]);
		if (bot >= 0)
			cr->soc_bot =
			    ocvcurve_soc(&rd->ocv, rd->rests[bot].cell_V[c]);
		if (top >= 0 && bot >= 0 &&
		    rd->rests[bot].t_s > rd->rests[top].t_s &&
		    !ocvcurve_soc_reliable(&rd->ocv, cr->soc_top)) {
			/* the top reads nothing on a plateau, but SOC_top <= 1:
			 * C >= Ah / (1 - SOC_bot), with SOC_bot taken 3 points
			 * low so a rough bottom reading errs safe */
			double sb = cr->soc_bot - 0.03;

			cr->capacity_lb_ah =
			    (rd->rests[top].ah_net - rd->rests[bot].ah_net) /
			    (1 - (sb > 0 ? sb : 0));
		}
		if (top < 0 || bot < 0 ||
		    !ocvcurve_soc_reliable(&rd->ocv, cr->soc_top) ||
		    !ocvcurve_soc_reliable(&rd->ocv, cr->soc_bot))
			continue;
		double ah = rd->rests[bot].ah_net - rd->rests[top].ah_net;
		double before = cr->soc_top, after = cr->soc_bot;

		if (rd->rests[bot].t_s < rd->rests[top].t_s) {
			ah = -ah;
			before = cr->soc_bot;
			after = cr->soc_top;
		}
		cr->capacity_ah = metrics_cell_capacity_ah(ah, before, after);
	}
	cell_offsets(rd, pr, tmp);
}

/* A capacity discharge faster than this (fixtures/recipes/fast.txt, at
 * 1C) is a fast run: docs/grading.md, "Fast grading". */
/* A closed cycle gives back at most what went in: above this (1 % for
 * the current sensor's error) the charge did not start empty. */
#define EFF_CLOSED_MAX 1.01

#define FAST_RATE_C 0.5
/* The rate the usable energy is quoted at: the overnight test's C/3. */
#define REF_RATE_C (1.0 / 3.0)

/* The smallest charge, over the cells whose SOC the rest reads, between
 * where that cell rested and its full (top) or empty (bottom) end. */
static double end_gap_ah(const struct pack_result *pr, bool top, double cap)
{
	double gap = NAN;

	for (size_t c = 0; c < pr->series; c++) {
		const struct cell_result *cr = &pr->cells[c];
		double soc = top ? cr->soc_top : cr->soc_bot;
		double cc = isnan(cr->capacity_ah) ? cap : cr->capacity_ah;
		double g = cc * (top ? 1 - soc : soc);

		if (!ocvcurve_soc_reliable(&pr->ocv, soc) || isnan(g))
			continue;
		if (isnan(gap) || g < gap)
			gap = g;
	}
	return isnan(gap) || gap < 0 ? 0 : gap;
}

/* A 1C charge and discharge stop on the first cell's terminal voltage,
 * one IR drop short of its full and empty ends: the usable capacity is
 * the Ah passed plus the charge the rested OCV says was still there at
 * each end (the first-full cell's room at the top, the first-empty
 * cell's rest at the bottom); the energy adds those at the rest voltages
 * and gives back the resistive loss of 1C over C/3 (Q x dI x R10s). */
static void fast_capacity(const struct rundata *rd, struct pack_result *pr,
			  double *tmp)
{
	const struct run_step *st = &rd->steps[rd->cap_step];
	double h = (st->end_s - st->start_s) / 3600.0, cap, top, bot;
	double v_top = 0, v_bot = 0, r_ohm, i_A, i_ref_A;
	long kt, kb;

	if (h <= 0 || pr->rated_ah <= 0 ||
	    pr->capacity_ah / h < FAST_RATE_C * pr->rated_ah)
		return;
	pr->fast = true;
	pick_rest_pair(rd, &kt, &kb, tmp);
	if (kt < 0 || kb < 0)
		return;
	for (size_t c = 0; c < pr->series; c++) {
		tmp[c] = pr->cells[c].capacity_ah;
		v_top += rd->rests[kt].cell_V[c];
		v_bot += rd->rests[kb].cell_V[c];
	}
	cap = metrics_median(tmp, pr->series);
	if (isnan(cap))
		cap = pr->capacity_ah;
	top = end_gap_ah(pr, true, cap);
	bot = end_gap_ah(pr, false, cap);
	i_A = pr->capacity_ah / h;
	i_ref_A = REF_RATE_C * pr->rated_ah;
	r_ohm =
	    (isnan(pr->r10_mohm) ? 1.4 * pr->dcir_mohm : pr->r10_mohm) * 1e-3;
	pr->fast_gap_ah = top + bot;
	pr->energy_wh += top * v_top + bot * v_bot;
	if (!isnan(r_ohm) && i_A > i_ref_A)
		pr->energy_wh += pr->capacity_ah * (i_A - i_ref_A) * r_ohm;
	pr->capacity_ah += top + bot;
	if (pr->rated_ah > 0)
		pr->soh_capacity = pr->capacity_ah / pr->rated_ah;
	if (pr->rated_wh > 0)
		pr->soh_energy = pr->energy_wh / pr->rated_wh;
}

static void rest_spread(const struct rundata *rd, struct pack_result *pr,
			double *tmp)
{
	long best = -1;
	double best_d = 2;

	for (size_t k = 0; k < rd->n_rests; k++) {
		double s = median_soc(rd, rd->rests[k].cell_V, tmp);
		double d = fabs(s - 0.5);

		if (d < best_d) {
			best_d = d;
			best = (long)k;
			pr->rest_soc = s;
		}
	}
	if (best < 0)
		return;
	for (size_t c = 0; c < rd->series; c++) {
		pr->cells[c].rest_V = rd->rests[best].cell_V[c];
		tmp[c] = rd->rests[best].cell_V[c];
	}
	for (size_t c = 0; c < rd->series; c++)
		for (size_t k = 0; k < rd->n_rests; k++)
			if (isnan(pr->cells[c].min_rest_V) ||
			    rd->rests[k].cell_V[c] < pr->cells[c].min_rest_V)
				pr->cells[c].min_rest_V =
				    rd->rests[k].cell_V[c];
	pr->rest_spread_mV = 1000.0 * (metrics_max(tmp, rd->series, NULL) -
				       metrics_min(tmp, rd->series, NULL));
}

/* Median ohmic resistance over all pulses: the pack's (cell NULL) or one
 * cell's. A pulse cut short by a limit gives none (NaN, skipped). */
static double median_ohmic(const struct rundata *rd, const size_t *cell)
{
	double r[64];
	size_t n = 0;

	for (size_t k = 0; k < rd->n_pulses && n < 64; k++)
		r[n++] = cell ? rd->pulses[k].cell[*cell].r_0s1_mohm
			      : rd->pulses[k].pack.r_0s1_mohm;
	return metrics_median(r, n);
}

static void pulse_resistance(const struct rundata *rd, struct pack_result *pr)
{
	long best = -1;
	double best_d = 1e9;

	pr->n_pulses = (unsigned)rd->n_pulses;
	/* the discharge pulse nearest 50 % SOC; a charge pulse only if no
	 * discharge pulse exists */
	for (int pass = 0; pass < 2 && best < 0; pass++)
		for (size_t k = 0; k < rd->n_pulses; k++) {
			const struct rd_pulse *p = &rd->pulses[k];
			double d = isnan(p->soc) ? 1.0 : fabs(p->soc - 0.5);

			if ((pass == 0 && p->di_A >= 0) || d >= best_d)
				continue;
			best_d = d;
			best = (long)k;
		}
	if (best < 0)
		return;
	const struct rd_pulse *p = &rd->pulses[best];

	pr->r10_mohm = p->pack.r_10s_mohm;
	pr->dcir_soc = p->soc;
	pr->pulse_temp_C = p->temp_C;
	for (size_t c = 0; c < rd->series; c++) {
		pr->cells[c].r_2s_mohm = p->cell[c].r_2s_mohm;
		pr->cells[c].r_10s_mohm = p->cell[c].r_10s_mohm;
	}
	/* the ohmic part barely depends on SOC or direction: the median over
	 * every pulse edge beats the 1 mV quantisation noise of one edge and
	 * ignores a pulse a limit cut short */
	pr->dcir_mohm = median_ohmic(rd, NULL);
	size_t slow = 0;

	for (size_t k = 0; k < rd->n_pulses; k++)
		slow += rd->pulses[k].n_slow_cells;
	for (size_t c = 0; c < rd->series; c++) {
		pr->cells[c].r_0s1_mohm = median_ohmic(rd, &c);
		pr->r_slow_cells += slow && isnan(pr->cells[c].r_0s1_mohm);
	}
}

/* Each cell's leak from its rested voltage drift (mV/day, negative =
 * falling) over fit_s from start_V: judged cell by cell (on LFP's plateau
 * a day's leak moves the voltage less than the 1 mV readings resolve:
 * such a slope is no measurement; an unbalanced or weak-module pack rests
 * its cells at different SOC, some off the plateau, some on it). */
static void judge_drift(const struct ocvtab *ocv, const float *start_V,
			const double *mv_per_day, const double *se_mv_per_day,
			double fit_s, struct pack_result *pr)
{
	pr->sd_fit_h = fit_s / 3600.0;
	for (size_t c = 0; c < pr->series; c++) {
		struct cell_result *cr = &pr->cells[c];
		double soc = ocvcurve_soc(ocv, start_V[c]);
		double cap =
		    isnan(cr->capacity_ah) ? pr->rated_ah : cr->capacity_ah;

		if (!ocvcurve_soc_reliable(ocv, soc)) {
			cr->sd_mv_per_day = cr->sd_se_mv_per_day = NAN;
			cr->leak_ma = NAN;
			pr->sd_unjudged_cells++;
			continue;
		}
		/* report the loss as a positive number */
		cr->sd_mv_per_day = -mv_per_day[c];
		cr->sd_se_mv_per_day = se_mv_per_day[c];
		cr->leak_ma = metrics_leak_ma(ocv, start_V[c], mv_per_day[c],
					      fit_s / 86400.0, cap);
	}
	pr->sd_unjudged = pr->sd_unjudged_cells == pr->series;
}

static void self_discharge(const struct rundata *rd, struct pack_result *pr,
			   double *tmp)
{
	if (!rd->sd_mv_per_day)
		return;
	pr->sd_soc = median_soc(rd, rd->sd_start_V, tmp);
	judge_drift(&rd->ocv, rd->sd_start_V, rd->sd_mv_per_day,
		    rd->sd_se_mv_per_day, rd->sd_fit_s, pr);
}

/* The standard error of one rested reading: the mean of a rest's last
 * 30 s (1.5 mV noise, 1 mV steps: ~0.3 mV) plus what relaxation is left
 * after a short rest. */
#define SHELF_READ_SE_MV 0.5
/* OCV moves with temperature (~0.1-0.5 mV/K): a larger change between
 * the two readings is named. */
#define SHELF_TEMP_WARN_C 5.0

static bool same_pack(const struct run_meta *a, const struct run_meta *b)
{
	return !strcmp(a->pack_id, b->pack_id) && a->series == b->series &&
	       a->parallel == b->parallel &&
	       !strcmp(a->chemistry, b->chemistry) &&
	       !strcmp(a->pack_model, b->pack_model) &&
	       (!a->profile_text || !b->profile_text ||
		!strcmp(a->profile_text, b->profile_text));
}

/* The last rest of a run, if the run ends with it. */
static const struct rd_rest *final_rest(const struct rundata *rd)
{
	const struct rd_rest *p;

	if (!rd->n_rests)
		return NULL;
	p = &rd->rests[rd->n_rests - 1];
	return p->step + 1 == rd->n_steps ? p : NULL;
}

int analyze_shelf(const struct rundata *fast, const char *fast_path,
		  const struct rundata *shelf, const char *shelf_path,
		  struct pack_result *pr)
{
	const struct run_meta *a = &fast->meta, *b = &shelf->meta;
	const struct rd_rest *p0 = final_rest(fast), *p1 = final_rest(shelf);
	double *mv, *se, t0, t1, days;

	if (!same_pack(a, b)) {
		log_err("'%s' is pack '%s' (%s %us%up, %s), '%s' is pack '%s' "
			"(%s %us%up, %s)%s: a shelf check must read the pack "
			"the fast run left",
			shelf_path, b->pack_id, b->chemistry, b->series,
			b->parallel, b->pack_model, fast_path, a->pack_id,
			a->chemistry, a->series, a->parallel, a->pack_model,
			!strcmp(a->pack_id, b->pack_id)
			    ? " with another profile"
			    : "");
		return BENCH_ERR_ARG;
	}
	if (strcmp(b->status, "complete")) {
		log_err("'%s' is %s, not complete: re-run the shelf check",
			shelf_path, b->status);
		return BENCH_ERR_STATE;
	}
	if (!p0 || !p1) {
		log_err("'%s' does not end with a rest: %s",
			p0 ? shelf_path : fast_path,
			p0 ? "the shelf check reads the cells at rest "
			     "(fixtures/recipes/shelf-check.txt)"
			   : "the shelf compares against the rested end of "
			     "the fast run (fixtures/recipes/fast.txt)");
		return BENCH_ERR_ARG;
	}
	t0 = fast->unix_start_s + p0->t_s;
	t1 = shelf->unix_start_s + p1->t_s;
	if (isnan(t0) || isnan(t1) || t1 <= t0) {
		log_err("'%s' was read before the end of '%s' (unix times "
			"%.0f and %.0f): the shelf check comes after the fast "
			"run",
			shelf_path, fast_path, t1, t0);
		return BENCH_ERR_ARG;
	}
	days = (t1 - t0) / 86400.0;
	pr->sd_temp_C[0] = p0->temp_C;
	pr->sd_temp_C[1] = p1->temp_C;
	if (fabs(p1->temp_C - p0->temp_C) > SHELF_TEMP_WARN_C)
		log_warn("'%s' read the cells at %.1f C, '%s' at %.1f C: the "
			 "OCV moves with temperature, the self-discharge "
			 "includes it",
			 fast_path, p0->temp_C, shelf_path, p1->temp_C);
	mv = calloc(pr->series, sizeof(double));
	se = calloc(pr->series, sizeof(double));
	if (!mv || !se) {
		free(mv);
		free(se);
		log_err("out of memory for %u cells", pr->series);
		return BENCH_ERR_MEM;
	}
	for (size_t c = 0; c < pr->series; c++) {
		mv[c] = 1e3 * (p1->cell_V[c] - p0->cell_V[c]) / days;
		se[c] = sqrt(2.0) * SHELF_READ_SE_MV / days;
	}
	pr->sd_unjudged_cells = 0;
	pr->sd_shelf = true;
	judge_drift(&fast->ocv, p0->cell_V, mv, se, t1 - t0, pr);
	pr->sd_soc = median_soc(fast, p0->cell_V, se); /* se: scratch */
	free(mv);
	free(se);
	return BENCH_OK;
}

static void spreads(const struct rundata *rd, struct pack_result *pr,
		    double *tmp)
{
	size_t n = rd->series;

	/* the reference for weak cells: with a cell's capacity unknown its
	 * lower bound stands in (so the reference errs low, never flags a
	 * cell falsely); the upper median, so that in a two-module pack with
	 * one weak module the reference is the good module */
	for (size_t c = 0; c < n; c++)
		tmp[c] = isnan(pr->cells[c].capacity_ah)
			     ? pr->cells[c].capacity_lb_ah
			     : pr->cells[c].capacity_ah;
	pr->cap_median_ah = metrics_percentile(tmp, n, 50.0 + 50.0 / (double)n);
	for (size_t c = 0; c < n; c++)
		tmp[c] = pr->cells[c].capacity_ah;
	/* spreads of the population: the central 95 %; outliers beyond it
	 * are judged one by one (weak, high_resistance) */
	pr->cap_spread_rel = (metrics_percentile(tmp, n, 97.5) -
			      metrics_percentile(tmp, n, 2.5)) /
			     pr->cap_median_ah;
	/* a balanced pack delivers what its smallest cell holds */
	pr->rebalance_gain_ah = metrics_min(tmp, n, NULL) - pr->capacity_ah;
	for (size_t c = 0; c < n; c++)
		tmp[c] = pr->cells[c].r_0s1_mohm;
	pr->r_median_mohm = metrics_median(tmp, n);
	pr->r_spread_ratio =
	    metrics_percentile(tmp, n, 97.5) / pr->r_median_mohm;
}

static void limit_enders(const struct rundata *rd, struct pack_result *pr)
{
	double *tmp = malloc(rd->series * sizeof(double));
	size_t at = 0;

	if (!tmp)
		return;
	if (rd->cap_end_V) {
		for (size_t c = 0; c < rd->series; c++)
			tmp[c] = rd->cap_end_V[c];
		metrics_min(tmp, rd->series, &at);
		pr->discharge_end_cell = (unsigned)at + 1;
	}
	if (rd->chg_end_V) {
		for (size_t c = 0; c < rd->series; c++)
			tmp[c] = rd->chg_end_V[c];
		metrics_max(tmp, rd->series, &at);
		pr->charge_end_cell = (unsigned)at + 1;
	}
	free(tmp);
}

int analyze_run(const struct rundata *rd, struct pack_result *pr)
{
	double *tmp;
	int rc = BENCH_OK;
	const struct run_meta *m = &rd->meta;

	memset(pr, 0, sizeof(*pr));
	pr->cells = calloc(rd->series, sizeof(*pr->cells));
	tmp = calloc(rd->series, sizeof(double));
	if (!pr->cells || !tmp) {
		free(tmp);
		free(pr->cells);
		pr->cells = NULL;
		log_err("out of memory for %u cells", rd->series);
		return BENCH_ERR_MEM;
	}
	snprintf(pr->pack_id, sizeof(pr->pack_id), "%s", m->pack_id);
	snprintf(pr->chemistry, sizeof(pr->chemistry), "%s", m->chemistry);
	snprintf(pr->status, sizeof(pr->status), "%s", m->status);
	snprintf(pr->end_reason, sizeof(pr->end_reason), "%s", m->end_reason);
	pr->chem = rd->chem;
	pr->ocv = rd->ocv;
	pr->series = rd->series;
	pr->n_probes = rd->n_probes;
	pr->parallel = m->parallel ? m->parallel : 1;
	pr->modules = m->modules ? m->modules : 1;
	pr->rated_ah = m->rated_capacity_ah;
	/* no rated energy in bench-run/1: rated Ah x nominal cell V x series */
	pr->rated_wh = pr->rated_ah * ocvcurve_nominal_V(rd->chem) * rd->series;
	pr->ref_r0_mohm = ini_text_number(m->profile_text, "ref_r0_mohm");
	for (size_t k = 0; k < rd->n_events; k++)
		if (!strcmp(rd->events[k].code, "bench:IMPORT") &&
		    !strncmp(rd->events[k].message, "format=", 7))
			snprintf(pr->import_format, sizeof(pr->import_format),
				 "%s", rd->events[k].message + 7);

	double *nan_fields[] = {
	    &pr->capacity_ah,	 &pr->energy_wh,	 &pr->soh_capacity,
	    &pr->soh_energy,	 &pr->charge_ah,	 &pr->charge_wh,
	    &pr->round_trip_eff, &pr->coulombic_eff,	 &pr->dcir_mohm,
	    &pr->r10_mohm,	 &pr->dcir_soc,		 &pr->pulse_temp_C,
	    &pr->rest_spread_mV, &pr->rest_soc,		 &pr->soc_spread,
	    &pr->cap_spread_rel, &pr->r_spread_ratio,	 &pr->cap_median_ah,
	    &pr->r_median_mohm,	 &pr->rebalance_gain_ah, &pr->sd_fit_h,
	    &pr->sd_soc,
	};
	for (size_t k = 0; k < sizeof(nan_fields) / sizeof(nan_fields[0]); k++)
		*nan_fields[k] = NAN;
	for (size_t c = 0; c < rd->series; c++) {
		struct cell_result *cr = &pr->cells[c];

		cr->module =
		    analyze_module_of((unsigned)c + 1, rd->series, pr->modules);
		cr->capacity_ah = cr->soc_top = cr->soc_bot = NAN;
		cr->capacity_lb_ah = NAN;
		cr->offset_soc = cr->r_0s1_mohm = cr->r_2s_mohm = NAN;
		cr->offset_se = 0;
		cr->r_10s_mohm = cr->rest_V = cr->sd_mv_per_day = NAN;
		cr->leak_ma = cr->min_rest_V = cr->sd_se_mv_per_day = NAN;
	}
	classify_end(rd, pr);
	analyze_abort_cause(rd, pr);

	/* untagged steps, one voltage channel: its own analysis */
	if (pr->import_format[0]) {
		rc = impgrade_run(rd, pr);
	} else {
		if (rd->cap_step >= 0) {
			pr->capacity_ah = rd->cap.discharge_Ah;
			pr->energy_wh = rd->cap.discharge_Wh;
			if (pr->rated_ah > 0)
				pr->soh_capacity =
				    pr->capacity_ah / pr->rated_ah;
			if (pr->rated_wh > 0)
				pr->soh_energy = pr->energy_wh / pr->rated_wh;
			if (rd->chg.charge_Ah > 0) {
				pr->charge_ah = rd->chg.charge_Ah;
				pr->charge_wh = rd->chg.charge_Wh;
				pr->coulombic_eff =
				    pr->capacity_ah / pr->charge_ah;
				pr->round_trip_eff =
				    pr->energy_wh / pr->charge_wh;
				/* more out than in: the charge began part-full
				 * (a fast run's charge from its arrival SOC),
				 * so the two are no closed cycle */
				if (pr->coulombic_eff > EFF_CLOSED_MAX)
					pr->coulombic_eff = pr->round_trip_eff =
					    NAN;
			}
		}
		cell_capacities(rd, pr, tmp);
		rest_spread(rd, pr, tmp);
		pulse_resistance(rd, pr);
		if (rd->cap_step >= 0)
			fast_capacity(rd, pr, tmp);
		self_discharge(rd, pr, tmp);
		spreads(rd, pr, tmp);
		limit_enders(rd, pr);
		if (chargegrade_is_charge_only(rd))
			rc = chargegrade_run(rd, pr);
	}
	pr->temp_start_C = rd->temp_start_C;
	pr->temp_max_C = rd->temp_max_C;
	pr->temp_rise_C = rd->temp_max_C - rd->temp_start_C;
	pr->temp_spread_C = rd->temp_spread_max_C;
	pr->temp_max_probe = rd->temp_max_probe + 1;
	free(tmp);
	return rc;
}

void pack_result_release(struct pack_result *pr)
{
	free(pr->cells);
	pr->cells = NULL;
	impgrade_free(pr->imp);
	pr->imp = NULL;
	free(pr->chg);
	pr->chg = NULL;
}
