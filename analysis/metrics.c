/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.c - pure metric functions (see metrics.h). */
#define LOG_PREFIX "metrics"
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

void metrics_integrate(const double *t_s, const float *i_A, const float *v_V,
		       size_t n, struct ahwh *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t k = 1; k < n; k++) {
		double dt_h = (t_s[k] - t_s[k - 1]) / 3600.0;
		double i = 0.5 * ((double)i_A[k] + i_A[k - 1]);
		double p = 0.5 * ((double)i_A[k] * v_V[k] +
				  (double)i_A[k - 1] * v_V[k - 1]);

		if (!(dt_h > 0))
			continue;
		if (i >= 0) {
			out->charge_Ah += i * dt_h;
			out->charge_Wh += p * dt_h;
		} else {
			out->discharge_Ah -= i * dt_h;
			out->discharge_Wh -= p * dt_h;
		}
	}
}

/* Pre-edge reference: mean of the samples in the last PULSE_PRE_S before
 * the edge, at most PULSE_PRE_N. The fit has no intercept, so this mean's
 * noise goes straight into R (1.5 mV noise over 5 samples is 1 % of a 1C
 * step of 0.7 mOhm); 20 samples at 10 Hz halve it, and 2 s of a rest
 * relaxing with 25 s moves less than 0.1 mV. */
#define PULSE_PRE_N 20
#define PULSE_PRE_S 5.0
/* Window of the ohmic fit after the edge: long enough that the current
 * plateau decorrelates R from the RC creep on a slewed edge, short enough
 * that a second-order creep term still describes the RC pairs (checked
 * against a R0 + 2 RC model with 100 A/s slew, 10 Hz, 1 mV: bias < 0.5 %). */
#define PULSE_FIT_S 4.0
/* Smallest current step that is a pulse (BMS current resolution 0.1 A). */
#define PULSE_MIN_STEP_A 0.5

static size_t nearest(const double *t_s, size_t from, size_t n, double t)
{
	size_t best = from;

	for (size_t k = from; k < n; k++)
		if (fabs(t_s[k] - t) < fabs(t_s[best] - t))
			best = k;
	return best;
}

/* Solve the 3x3 normal equations a x = b (Cramer); false if singular. */
static bool solve3(double a[3][3], const double b[3], double x[3])
{
	double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
		     a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
		     a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
	double scale = a[0][0] * a[1][1] * a[2][2];

	if (!(fabs(det) > 1e-12 * fabs(scale)))
		return false;
	for (int c = 0; c < 3; c++) {
		double m[3][3];

		memcpy(m, a, sizeof(m));
		for (int r = 0; r < 3; r++)
			m[r][c] = b[r];
		x[c] = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
			m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
			m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])) /
		       det;
	}
	return true;
}

int metrics_pulse_r(const double *t_s, const double *i_A, const double *v_V,
		    size_t n, double t_edge_s, struct pulse_r *out)
{
	size_t first = 0, n_pre;
	double v0 = 0, i0 = 0, q = 0, q2 = 0, di_prev = 0, q_prev = 0;
	double a[3][3] = {{0}}, b[3] = {0}, x[3], di_max = 0;
	int n_fit = 0;

	out->r_0s1_mohm = out->r_2s_mohm = out->r_10s_mohm = NAN;
	while (first < n && t_s[first] < t_edge_s)
		first++;
	if (first == 0 || first == n)
		return BENCH_ERR_ARG;
	n_pre = 0;
	while (n_pre < first && n_pre < PULSE_PRE_N &&
	       t_s[first - n_pre - 1] >= t_edge_s - PULSE_PRE_S)
		n_pre++;
	if (n_pre == 0)
		n_pre = 1;
	for (size_t k = first - n_pre; k < first; k++) {
		v0 += v_V[k];
		i0 += i_A[k];
	}
	v0 /= (double)n_pre;
	i0 /= (double)n_pre;

	/* dV = R*dI + c1*Q + c2*Q2, Q = integral of dI from the edge and Q2
	 * its integral: the RC pairs' creep to second order */
	for (size_t k = first; k < n; k++) {
		double dt = t_s[k] - (k == first ? t_edge_s : t_s[k - 1]);
		double di = i_A[k] - i0, dv = v_V[k] - v0;

		if (t_s[k] - t_edge_s > PULSE_FIT_S && n_fit >= 4)
			break;
		if (k == first)
			di_prev = di;
		q_prev = q;
		q += 0.5 * (di + di_prev) * dt;
		q2 += 0.5 * (q + q_prev) * dt;
		di_prev = di;
		if (fabs(di) > di_max)
			di_max = fabs(di);
		double r[3] = {di, q, q2};

		for (int u = 0; u < 3; u++) {
			for (int w = 0; w < 3; w++)
				a[u][w] += r[u] * r[w];
			b[u] += r[u] * dv;
		}
		n_fit++;
	}
	/* a pulse cut short at a voltage limit never steps the current:
	 * dividing by sensor noise would make up a resistance */
	if (di_max < PULSE_MIN_STEP_A)
		return BENCH_ERR_ARG;
	if (n_fit >= 4 && solve3(a, b, x))
		out->r_0s1_mohm = 1000.0 * x[0];
	else
		out->r_0s1_mohm =
		    1000.0 * (v_V[first] - v0) / (i_A[first] - i0);

	static const double at_s[2] = {2.0, 10.0};
	double *dst[2] = {&out->r_2s_mohm, &out->r_10s_mohm};

	for (int j = 0; j < 2; j++) {
		size_t k = nearest(t_s, first, n, t_edge_s + at_s[j]);
		double di = i_A[k] - i0;

		/* the sample must really be that far in (within 10 %) */
		if (fabs(t_s[k] - t_edge_s - at_s[j]) <= 0.1 * at_s[j] &&
		    fabs(di) >= PULSE_MIN_STEP_A)
			*dst[j] = 1000.0 * (v_V[k] - v0) / di;
	}
	return BENCH_OK;
}

/* Value changes in the fit window for a reading to count as fresh: the
 * ohmic fit needs 4 samples; a 1C step on a slewing cycler moves a cell
 * tens of mV, so a BMS reading every 100-200 ms changes every row. */
#define PULSE_MIN_UPDATES 4

bool metrics_pulse_fresh(const double *t_s, const double *v_V, size_t n,
			 double t_edge_s)
{
	int updates = 0;

	for (size_t k = 1; k < n; k++)
		if (t_s[k] > t_edge_s && t_s[k] <= t_edge_s + PULSE_FIT_S &&
		    v_V[k] != v_V[k - 1])
			updates++;
	return updates >= PULSE_MIN_UPDATES;
}

double metrics_cell_capacity_ah(double ah_net, double soc_before,
				double soc_after)
{
	double dsoc = soc_after - soc_before;

	if (!(fabs(dsoc) >= 0.05))
		return NAN;
	return ah_net / dsoc;
}

double linacc_slope(const struct linacc *a)
{
	double den = a->n * a->sxx - a->sx * a->sx;

	if (a->n < 3 || !(den > 0))
		return NAN;
	return (a->n * a->sxy - a->sx * a->sy) / den;
}

double linacc_slope_se(const struct linacc *a)
{
	double sxx = a->sxx - a->sx * a->sx / a->n;
	double sxy = a->sxy - a->sx * a->sy / a->n;
	double syy = a->syy - a->sy * a->sy / a->n;

	if (a->n < 4 || !(sxx > 0))
		return NAN;
	double res = (syy - sxy * sxy / sxx) / (a->n - 2);

	return sqrt(res > 0 ? res / sxx : 0);
}

/* SOC of a rested voltage, carried on linearly beyond the curve's ends. */
static double soc_extrapolated(const struct ocvtab *ocv, double voltage_V)
{
	double top_V = ocvcurve_V(ocv, 1.0), bot_V = ocvcurve_V(ocv, 0.0);

	if (voltage_V > top_V)
		return 1.0 + (voltage_V - top_V) / ocvcurve_slope_V(ocv, 1.0);
	if (voltage_V < bot_V)
		return (voltage_V - bot_V) / ocvcurve_slope_V(ocv, 0.0);
	return ocvcurve_soc(ocv, voltage_V);
}

double metrics_leak_ma(const struct ocvtab *ocv, double v_start_V,
		       double k_mv_per_day, double fit_days, double capacity_ah)
{
	double v_end_V = v_start_V + k_mv_per_day / 1000.0 * fit_days;
	double lost =
	    soc_extrapolated(ocv, v_start_V) - soc_extrapolated(ocv, v_end_V);

	if (!(fit_days > 0) || !isfinite(capacity_ah) || !isfinite(lost))
		return NAN;
	/* SOC lost per day times Ah, per 24 h, in mA */
	return lost / fit_days * capacity_ah / 24.0 * 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double metrics_percentile(const double *x, size_t n, double p)
{
	double *tmp = malloc((n ? n : 1) * sizeof(*tmp)), m;
	size_t k = 0;

	if (!tmp)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			tmp[k++] = x[i];
	if (!k) {
		free(tmp);
		return NAN;
	}
	qsort(tmp, k, sizeof(*tmp), cmp_double);
	double pos = p / 100.0 * (double)(k - 1);
	size_t lo = (size_t)pos;

	m = lo + 1 < k ? tmp[lo] + (pos - (double)lo) * (tmp[lo + 1] - tmp[lo])
		       : tmp[k - 1];
	free(tmp);
	return m;
}

double metrics_median(const double *x, size_t n)
{
	return metrics_percentile(x, n, 50.0);
}

double metrics_mean(const double *x, size_t n)
{
	double s = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i])) {
			s += x[i];
			k++;
		}
	return k ? s / (double)k : NAN;
}

double metrics_stddev(const double *x, size_t n)
{
	double m = metrics_mean(x, n), s = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i])) {
			s += (x[i] - m) * (x[i] - m);
			k++;
		}
	return k ? sqrt(s / (double)k) : NAN;
}

double metrics_min(const double *x, size_t n, size_t *at)
{
	double m = NAN;

	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]) && (isnan(m) || x[i] < m)) {
			m = x[i];
			if (at)
				*at = i;
		}
	return m;
}

double metrics_max(const double *x, size_t n, size_t *at)
{
	double m = NAN;

	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]) && (isnan(m) || x[i] > m)) {
			m = x[i];
			if (at)
				*at = i;
		}
	return m;
}

int ica_init(struct ica *c, double v0_V, double v1_V, double bin_V)
{
	c->v0_V = v0_V;
	c->bin_V = bin_V;
	c->n_bins = (int)ceil((v1_V - v0_V) / bin_V);
	c->ah = calloc((size_t)(c->n_bins > 0 ? c->n_bins : 1), sizeof(double));
	if (!c->ah) {
		log_err("cannot allocate %d dQ/dV bins", c->n_bins);
		return BENCH_ERR_MEM;
	}
	return BENCH_OK;
}

void ica_release(struct ica *c)
{
	free(c->ah);
	c->ah = NULL;
}

void ica_add(struct ica *c, double voltage_V, double dah)
{
	double x = (voltage_V - c->v0_V) / c->bin_V;

	if (x >= 0 && x < c->n_bins)
		c->ah[(int)x] += dah;
}

void ica_dqdv(const struct ica *c, int half, double *out)
{
	for (int b = 0; b < c->n_bins; b++) {
		double s = 0;
		int k = 0;

		for (int j = b - half; j <= b + half; j++)
			if (j >= 0 && j < c->n_bins) {
				s += c->ah[j];
				k++;
			}
		out[b] = s / k / c->bin_V;
	}
}
