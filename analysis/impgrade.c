/* SPDX-License-Identifier: Apache-2.0 */
/* impgrade.c - full discharges, current steps and fade of an imported run
 * (docs/importers.md, "Grading imported data"). */
#define LOG_PREFIX "impgrade"
#include "impgrade.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

/* A full discharge reaches within this share of the window of both ends
 * (an NMC cell's 1.2 V: 120 mV), and at least this near. */
#define WIN_TOL_SHARE 0.10
#define WIN_TOL_MIN_V 0.05
/* Highest charge voltage below which a file is taken for LFP, and above
 * which it is no single cell. */
#define LFP_MAX_V 3.75
#define CELL_MAX_V 4.5

/* The window a given chemistry's full discharge spans. */
static const struct {
	enum cell_chem chem;
	const char *name;
	double lo_V, hi_V;
} chem_window[] = {
    {CHEM_NMC, "nmc", 3.0, 4.2},
    {CHEM_LFP, "lfp", 2.5, 3.6},
};

/* A current step: |dI| of at least STEP_MIN_A and STEP_SHARE of the
 * file's largest current, located within STEP_EDGE_S (rows further apart
 * cannot place the edge for a 0.1 s or 10 s reading), after a current
 * steady for STEP_STEADY_S, held STEP_HOLD_S after it. */
#define STEP_MIN_A 0.5
#define STEP_SHARE 0.10
#define STEP_EDGE_S 1.0
#define STEP_STEADY_S 10.0
#define STEP_HOLD_S 10.0
#define STEP_STEADY_SHARE 0.10 /* of |dI|: what still counts as steady */
#define STEP_PRE_ROWS 20
#define STEP_POST_S 10.5

static void window_of(const struct rundata *rd, struct imp_result *ir,
		      enum cell_chem *chem)
{
	double lo = INFINITY, hi = -INFINITY;

	for (size_t k = 0; k < rd->rows; k++)
		if (isfinite(rd->v_V[k])) {
			lo = fmin(lo, rd->v_V[k]);
			hi = fmax(hi, rd->v_V[k]);
		}
	for (size_t k = 0; rd->chem_given[0] &&
			   k < sizeof(chem_window) / sizeof(chem_window[0]);
	     k++)
		if (!strcmp(rd->chem_given, chem_window[k].name)) {
			*chem = chem_window[k].chem;
			snprintf(ir->chemistry, sizeof(ir->chemistry), "%s",
				 chem_window[k].name);
			ir->win_lo_V = chem_window[k].lo_V;
			ir->win_hi_V = chem_window[k].hi_V;
		}
	ir->v_max_V = hi;
	ir->multi_cell = hi > CELL_MAX_V;
	if (!ir->chemistry[0]) {
		ir->chem_inferred = true;
		*chem = hi < LFP_MAX_V ? CHEM_LFP : CHEM_NMC;
		snprintf(ir->chemistry, sizeof(ir->chemistry), "%s",
			 *chem == CHEM_LFP ? "lfp" : "nmc");
		ir->win_lo_V = lo;
		ir->win_hi_V = hi;
	}
	ir->tol_V =
	    fmax(WIN_TOL_MIN_V, WIN_TOL_SHARE * (ir->win_hi_V - ir->win_lo_V));
}

static int add_discharge(struct imp_result *ir, size_t *cap,
			 const struct imp_discharge *d)
{
	if (ir->n_dis == *cap) {
		size_t n = *cap ? 2 * *cap : 16;
		struct imp_discharge *p = realloc(ir->dis, n * sizeof(*p));

		if (!p) {
			log_err("out of memory for %zu discharges", n);
			return BENCH_ERR_MEM;
		}
		ir->dis = p;
		*cap = n;
	}
	ir->dis[ir->n_dis++] = *d;
	return BENCH_OK;
}

/* A charge step that ends a discharge: charging more than this share of
 * the file's largest step. A regenerative pulse inside a discharge (a few
 * mAh per Ah) does not split it. */
#define SPLIT_SHARE 0.05

static bool splits(const struct run_step *st, double split_Ah)
{
	return st->charge_Ah > st->discharge_Ah && st->charge_Ah >= split_Ah;
}

/* A discharge runs from the first step that discharges after a charge to
 * the next charge, pulses and rests within it included; its capacity is
 * the net Ah it gave. Its start is the highest voltage since the
 * charge began (the end of the charge, not the relaxed rest after it),
 * its end the lowest voltage in it. */
static int find_discharges(const struct rundata *rd, struct imp_result *ir)
{
	size_t cap = 0, s = 0, since_row = 0;
	double chg_ah = 0, split_Ah = 0;

	for (size_t k = 0; k < rd->n_steps; k++)
		split_Ah = fmax(split_Ah,
				SPLIT_SHARE * fmax(rd->steps[k].charge_Ah,
						   rd->steps[k].discharge_Ah));
	while (s < rd->n_steps) {
		const struct run_step *st = &rd->steps[s];

		if (!(st->discharge_Ah > st->charge_Ah)) {
			chg_ah += st->charge_Ah;
			s++;
			continue;
		}
		struct imp_discharge d = {
		    .cycle = rd->step_cycle[s],
		    .charge_ah = chg_ah,
		    .start_V = -INFINITY,
		    .end_V = INFINITY,
		    .start_s = st->start_s,
		};
		size_t r0 = rd->step_row0[s], r1 = r0;

		for (; s < rd->n_steps && !splits(&rd->steps[s], split_Ah);
		     s++) {
			d.capacity_ah +=
			    rd->steps[s].discharge_Ah - rd->steps[s].charge_Ah;
			d.energy_wh +=
			    rd->steps[s].discharge_Wh - rd->steps[s].charge_Wh;
			if (rd->step_row1[s] > r1)
				r1 = rd->step_row1[s];
		}
		for (size_t r = since_row; r <= r0 && r < rd->rows; r++)
			if (isfinite(rd->v_V[r]))
				d.start_V = fmax(d.start_V, rd->v_V[r]);
		for (size_t r = r0; r < r1; r++)
			if (isfinite(rd->v_V[r]))
				d.end_V = fmin(d.end_V, rd->v_V[r]);
		d.full = d.capacity_ah > 0 &&
			 d.start_V >= ir->win_hi_V - ir->tol_V &&
			 d.end_V <= ir->win_lo_V + ir->tol_V;
		TRY(add_discharge(ir, &cap, &d));
		if (d.full) {
			ir->n_full++;
			ir->graded = (long)ir->n_dis - 1;
		}
		since_row = r1;
		chg_ah = 0;
	}
	return BENCH_OK;
}

static void fade(struct imp_result *ir)
{
	struct linacc a = {0};
	double first = NAN;

	ir->fade_ah_per_cycle = ir->fade_pct_per_100 = NAN;
	if (ir->n_full < IMP_FADE_MIN_CYCLES)
		return;
	for (size_t k = 0, n = 0; k < ir->n_dis; k++) {
		const struct imp_discharge *d = &ir->dis[k];

		if (!d->full)
			continue;
		if (isnan(first))
			first = d->capacity_ah;
		/* without the file's numbers: the full discharges in order */
		linacc_add(&a, d->cycle >= 0 ? (double)d->cycle : (double)n,
			   d->capacity_ah);
		n++;
	}
	ir->fade_ah_per_cycle = linacc_slope(&a);
	/* fade per 100 cycles as a share of the rated capacity (else the
	 * first full discharge's) */
	ir->fade_pct_per_100 = 100 * 100 * -ir->fade_ah_per_cycle /
			       (ir->rated_ah > 0 ? ir->rated_ah : first);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(double *x, size_t n)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++)
		if (!isnan(x[k]))
			x[m++] = x[k];
	if (!m)
		return NAN;
	qsort(x, m, sizeof(double), cmp_double);
	return m % 2 ? x[m / 2] : 0.5 * (x[m / 2 - 1] + x[m / 2]);
}

/* Whether the current stays within tol of i_A over rows a..b (inclusive)
 * that lie between t0 and t1. */
static bool steady(const struct rundata *rd, size_t a, size_t b, double t0,
		   double t1, double i_A, double tol)
{
	for (size_t r = a; r <= b && r < rd->rows; r++)
		if (rd->t_s[r] >= t0 && rd->t_s[r] <= t1 &&
		    fabs(rd->i_A[r] - i_A) > tol)
			return false;
	return true;
}

/* The resistance of the current step at row k (the first row after the
 * edge), as metrics_pulse_r computes our own pulses'; false when it is no
 * clean step. */
static bool step_at(const struct rundata *rd, size_t k, double min_A,
		    struct pulse_r *out)
{
	double di = (double)rd->i_A[k] - rd->i_A[k - 1];
	double tol = STEP_STEADY_SHARE * fabs(di), te = rd->t_s[k];
	double *w;
	size_t a, b, n, pre = 0;
	bool ok;

	/* rows logged at the 1 s limit may carry rounding */
	if (fabs(di) < min_A || te - rd->t_s[k - 1] > STEP_EDGE_S + 1e-6)
		return false;
	/* steady before for STEP_STEADY_S, with rows reaching back so far */
	for (a = k - 1; a > 0 && rd->t_s[a - 1] >= te - STEP_STEADY_S - 1;)
		a--;
	if (rd->t_s[k - 1] - rd->t_s[a] < STEP_STEADY_S - STEP_EDGE_S ||
	    !steady(rd, a, k - 1, te - STEP_STEADY_S - 1, te, rd->i_A[k - 1],
		    tol))
		return false;
	for (b = k; b + 1 < rd->rows && rd->t_s[b + 1] <= te + STEP_POST_S;)
		b++;
	if (rd->t_s[b] < te + STEP_HOLD_S - STEP_EDGE_S ||
	    !steady(rd, k, b, te, te + STEP_HOLD_S, rd->i_A[k], tol))
		return false;
	while (pre < STEP_PRE_ROWS && pre < k - a)
		pre++;
	n = b - (k - pre) + 1;
	w = malloc(3 * n * sizeof(double));
	if (!w)
		return false;
	for (size_t j = 0; j < n; j++) {
		w[j] = rd->t_s[k - pre + j];
		w[n + j] = rd->i_A[k - pre + j];
		w[2 * n + j] = rd->v_V[k - pre + j];
	}
	ok = metrics_pulse_r(w, w + n, w + 2 * n, n, te, out) == BENCH_OK &&
	     (isfinite(out->r_0s1_mohm) || isfinite(out->r_10s_mohm));
	free(w);
	return ok;
}

static int find_steps(const struct rundata *rd, struct imp_result *ir)
{
	double imax = 0, min_A;
	double *r0 = NULL, *r10 = NULL;
	size_t cap = 0;

	for (size_t k = 0; k < rd->rows; k++)
		if (isfinite(rd->i_A[k]))
			imax = fmax(imax, fabs(rd->i_A[k]));
	min_A = fmax(STEP_MIN_A, STEP_SHARE * imax);
	for (size_t k = 1; k < rd->rows; k++) {
		struct pulse_r p;

		if (!step_at(rd, k, min_A, &p))
			continue;
		if (ir->n_steps_found == cap) {
			size_t n = cap ? 2 * cap : 16;
			double *a = realloc(r0, n * sizeof(double));

			if (a)
				r0 = a;
			double *b = a ? realloc(r10, n * sizeof(double)) : NULL;

			if (!b) {
				free(r0);
				free(r10);
				log_err("out of memory for %zu current steps",
					n);
				return BENCH_ERR_MEM;
			}
			r10 = b;
			cap = n;
		}
		r0[ir->n_steps_found] = p.r_0s1_mohm;
		r10[ir->n_steps_found++] = p.r_10s_mohm;
		/* the next edge comes after this step's readings */
		for (double te = rd->t_s[k];
		     k + 1 < rd->rows && rd->t_s[k + 1] <= te + STEP_HOLD_S;)
			k++;
	}
	ir->r_0s1_mohm = median_of(r0, ir->n_steps_found);
	ir->r_10s_mohm = median_of(r10, ir->n_steps_found);
	free(r0);
	free(r10);
	return BENCH_OK;
}

/* The instrument's own readings: bench:IMPORT_IR events. */
static void instrument_r(const struct rundata *rd, struct imp_result *ir)
{
	ir->instr_r_mohm = NAN;
	for (size_t k = 0; k < rd->n_events; k++) {
		unsigned sc;
		double r;

		if (!strcmp(rd->events[k].code, "bench:IMPORT_IR") &&
		    sscanf(rd->events[k].message,
			   "step_count=%u resistance_ohm=%lf", &sc, &r) == 2) {
			ir->instr_r_mohm = 1000 * r;
			ir->n_instr_r++;
		}
	}
}

static void fill_pack(const struct rundata *rd, const struct imp_result *ir,
		      enum cell_chem chem, struct pack_result *pr)
{
	pr->chem = chem;
	if (!rd->meta.ocv_curve[0]) /* else the file's own, analyze_run's */
		pr->ocv = *ocvcurve_builtin(chem);
	snprintf(pr->chemistry, sizeof(pr->chemistry), "%s", ir->chemistry);
	pr->rated_ah = ir->rated_ah;
	pr->rated_wh = pr->rated_ah * ocvcurve_nominal_V(chem) * rd->series;
	pr->capacity_ah = pr->energy_wh = pr->soh_capacity = NAN;
	pr->soh_energy = pr->charge_ah = pr->charge_wh = NAN;
	pr->coulombic_eff = pr->round_trip_eff = pr->cap_median_ah = NAN;
	if (ir->graded >= 0) {
		const struct imp_discharge *d = &ir->dis[ir->graded];

		pr->capacity_ah = pr->cap_median_ah = d->capacity_ah;
		pr->energy_wh = d->energy_wh;
		if (d->charge_ah > 0) {
			pr->charge_ah = d->charge_ah;
			pr->coulombic_eff = d->capacity_ah / d->charge_ah;
		}
		if (pr->rated_ah > 0) {
			pr->soh_capacity = pr->capacity_ah / pr->rated_ah;
			pr->soh_energy = pr->energy_wh / pr->rated_wh;
		}
	}
	/* one voltage channel: the file's cell (or module) is the one
	 * "cell"; its figures are the pack's */
	pr->dcir_mohm = pr->r_median_mohm = ir->r_0s1_mohm;
	pr->r10_mohm = ir->r_10s_mohm;
	pr->n_pulses = (unsigned)ir->n_steps_found;
	pr->dcir_soc = NAN;
	for (unsigned c = 0; c < pr->series; c++) {
		pr->cells[c].capacity_ah = pr->capacity_ah;
		pr->cells[c].r_0s1_mohm = ir->r_0s1_mohm;
		pr->cells[c].r_10s_mohm = ir->r_10s_mohm;
		pr->cells[c].r_2s_mohm = NAN;
	}
}

int impgrade_run(const struct rundata *rd, struct pack_result *pr)
{
	struct imp_result *ir = calloc(1, sizeof(*ir));
	enum cell_chem chem = CHEM_NMC;
	int rc;

	if (!ir) {
		log_err("out of memory grading an imported run");
		return BENCH_ERR_MEM;
	}
	ir->graded = -1;
	window_of(rd, ir, &chem);
	if (rd->rated_ah_given > 0) {
		ir->rated_ah = rd->rated_ah_given;
		ir->rated_from = "--rated-ah";
	} else if (rd->meta.rated_capacity_ah > 0) {
		ir->rated_ah = rd->meta.rated_capacity_ah;
		ir->rated_from = "the file (bench import --rated-ah)";
	} else {
		ir->rated_ah = NAN;
	}
	rc = find_discharges(rd, ir);
	if (rc >= 0)
		rc = find_steps(rd, ir);
	if (rc < 0) {
		impgrade_free(ir);
		return rc;
	}
	fade(ir);
	instrument_r(rd, ir);
	fill_pack(rd, ir, chem, pr);
	pr->imp = ir;
	return BENCH_OK;
}

void impgrade_free(struct imp_result *ir)
{
	if (!ir)
		return;
	free(ir->dis);
	free(ir);
}
