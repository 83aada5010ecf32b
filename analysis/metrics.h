/* SPDX-License-Identifier: Apache-2.0 */
/* metrics.h - pure metric functions over in-memory arrays (no I/O).
 *
 * Conventions: current in A, positive on charge; time in s; voltages in V;
 * results carry their unit in the name. A metric that cannot be computed
 * from its input returns NaN (or a negative bench_rc where noted), never a
 * made-up number.
 */
#ifndef BENCH_ANALYSIS_METRICS_H
#define BENCH_ANALYSIS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/ocv.h"

/* Ah and Wh charged and discharged over a series (trapezoid rule). */
struct ahwh {
	double charge_Ah, discharge_Ah, charge_Wh, discharge_Wh;
};
void metrics_integrate(const double *t_s, const float *i_A, const float *v_V,
		       size_t n, struct ahwh *out);

/* Resistance of one pulse edge, R = dV/dI against the last rested samples
 * before the edge. r_0s1 is the ohmic part: dV = R*dI + c1*Q + c2*Q2
 * fitted over the first 4 s after the edge (Q = charge passed since the
 * edge, Q2 its integral), so a cycler's current slew and the RC pairs'
 * creep do not bias it; the value is the resistance an ideal step shows
 * at once (0.1 s after it, less the ~1 % RC creep). r_2s and r_10s are
 * dV/dI at the samples nearest 2 s and 10 s after the edge (NaN if the
 * pulse is shorter). */
struct pulse_r {
	double r_0s1_mohm, r_2s_mohm, r_10s_mohm;
};
/* t_s/i_A/v_V hold n samples spanning the edge at t_edge_s; samples before
 * the edge are the rested reference. Returns BENCH_OK or BENCH_ERR_ARG
 * when the window has no sample on one side or no current step. */
int metrics_pulse_r(const double *t_s, const double *i_A, const double *v_V,
		    size_t n, double t_edge_s, struct pulse_r *out);

/* Whether a cell's readings are fresh across a pulse edge: at least 4
 * changes of value in the first 4 s after t_edge_s (the ohmic fit's
 * window and sample count). A BMS polled every few seconds repeats its
 * last reading on every logged row; a step between readings up to 10 s
 * apart is no resistance (docs/grading.md). */
bool metrics_pulse_fresh(const double *t_s, const double *v_V, size_t n,
			 double t_edge_s);

/* Per-cell capacity from two rested points: Ah passed between them (net,
 * charge positive) over the SOC change the OCV curve reads. NaN when the
 * SOC change is below 5 % (too small to divide by). */
double metrics_cell_capacity_ah(double ah_net, double soc_before,
				double soc_after);

/* Streaming least squares of y on x (self-discharge fits). */
struct linacc {
	double n, sx, sy, sxx, sxy, syy;
};
static inline void linacc_add(struct linacc *a, double x, double y)
{
	a->n += 1;
	a->sx += x;
	a->sy += y;
	a->sxx += x * x;
	a->sxy += x * y;
	a->syy += y * y;
}
/* Slope of the fit; NaN with fewer than 3 points or no x spread. */
double linacc_slope(const struct linacc *a);
/* Standard error of that slope from the residuals; NaN below 4 points.
 * (For large offsets in y, center y first: the sums lose precision.) */
double linacc_slope_se(const struct linacc *a);

/* Leak current (mA) implied by a rested voltage drift (mV/day, negative
 * = falling) over fit_days from v_start_V, for a cell of capacity_ah: the
 * SOC lost along the cell's OCV curve between the start and end voltage
 * (the curve's slope can change several-fold within the drift, at LFP's
 * knees), extrapolated with the end segments' slopes beyond the table. */
double metrics_leak_ma(const struct ocvtab *ocv, double v_start_V,
		       double k_mv_per_day, double fit_days,
		       double capacity_ah);

/* Order statistics over n values, NaNs skipped (return NaN if none). */
double metrics_median(const double *x, size_t n);
/* Percentile p (0..100), linear between order statistics. */
double metrics_percentile(const double *x, size_t n, double p);
double metrics_mean(const double *x, size_t n);
double metrics_stddev(const double *x, size_t n); /* population */
double metrics_min(const double *x, size_t n, size_t *at);
double metrics_max(const double *x, size_t n, size_t *at);

/* Incremental capacity dQ/dV: Ah binned by voltage. */
struct ica {
	double v0_V, bin_V;
	int n_bins;
	double *ah; /* n_bins entries */
};
int ica_init(struct ica *c, double v0_V, double v1_V, double bin_V);
void ica_release(struct ica *c);
/* Add dah Ah passed while the cell sat at voltage_V (outside: dropped). */
void ica_add(struct ica *c, double voltage_V, double dah);
/* Smoothed dQ/dV (Ah/V) into out[n_bins]: centred moving average over
 * 2*half+1 bins. */
void ica_dqdv(const struct ica *c, int half, double *out);

#endif
