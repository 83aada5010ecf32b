/* SPDX-License-Identifier: Apache-2.0 */
/* cell.c - equivalent-circuit cell with a lumped thermal model. */
#include <math.h>

#include "cell.h"

void cell_stepk_init(struct cell_stepk *k, double dt_s)
{
	k->dt_s = dt_s;
	k->e1 = exp(-dt_s / CELL_TAU1_S);
	k->e2 = exp(-dt_s / CELL_TAU2_S);
	k->eth = exp(-dt_s / CELL_THERMAL_TAU_S);
}

double cell_r_factor(double temp_C)
{
	double f;

	/* piecewise linear through (10, 1.7) (25, 1.0) (40, 0.73),
	 * extrapolated along the end segments */
	if (temp_C < 25)
		f = 1.0 + (25 - temp_C) * (0.7 / 15.0);
	else
		f = 1.0 - (temp_C - 25) * (0.27 / 15.0);
	return f < 0.5 ? 0.5 : f;
}

void cell_init(struct cell_state *st, enum ocv_chem chem, double soc,
	       double temp_C)
{
	st->soc = soc;
	st->v1_V = 0;
	st->v2_V = 0;
	st->temp_C = temp_C;
	st->ocv_V = ocv_V(chem, soc);
	st->voltage_V = st->ocv_V;
	st->hyst = 0;
	st->short_ohm = 0;
	st->heating_C_per_s = 0;
}

void cell_set_hyst(const struct cell_param *p, struct cell_state *st,
		   enum ocv_chem chem, double hyst)
{
	st->hyst = hyst;
	st->ocv_V = ocv_V(chem, st->soc) + 0.5 * p->hysteresis_V * hyst;
	st->voltage_V = st->ocv_V + st->v1_V + st->v2_V;
}

void cell_step(const struct cell_param *p, struct cell_state *st,
	       enum ocv_chem chem, const struct cell_stepk *k, double I_A,
	       double ambient_C)
{
	double r0 = p->r0_ohm * cell_r_factor(st->temp_C);
	double r1 = CELL_R1_FRAC * r0, r2 = CELL_R2_FRAC * r0;
	double ocv = st->ocv_V;
	double leak_A = p->self_discharge_A;
	double heat_W;

	/* an internal short drains the element through its own resistance
	 * without passing the terminals: charge lost, heat released */
	if (st->short_ohm > 0 && ocv > 0)
		leak_A += ocv / st->short_ohm;

	st->soc += (I_A - leak_A) * k->dt_s / p->capacity_As;
	st->v1_V = st->v1_V * k->e1 + r1 * I_A * (1 - k->e1);
	st->v2_V = st->v2_V * k->e2 + r2 * I_A * (1 - k->e2);
	st->ocv_V = ocv_V(chem, st->soc);
	/* the relaxed OCV sits h/2 above the mean curve after charging and
	 * h/2 below after discharging, and moves between them with the
	 * charge passed (skipped at h = 0: today's cells, bit for bit) */
	if (p->hysteresis_V > 0) {
		if (I_A != 0) {
			double to = I_A > 0 ? 1.0 : -1.0;
			double w = fabs(I_A) * k->dt_s /
				   (CELL_HYST_WINDOW_SOC * p->capacity_As);

			st->hyst = to + (st->hyst - to) * exp(-w);
		}
		st->ocv_V += 0.5 * p->hysteresis_V * st->hyst;
	}
	st->voltage_V = st->ocv_V + I_A * r0 + st->v1_V + st->v2_V;

	heat_W = I_A * I_A * r0 + st->v1_V * st->v1_V / r1 +
		 st->v2_V * st->v2_V / r2;
	if (st->short_ohm > 0 && ocv > 0)
		heat_W += ocv * ocv / st->short_ohm;
	/* exact first-order step towards the steady-state temperature */
	double ha_W_per_K = p->heat_cap_J_per_K / CELL_THERMAL_TAU_S;
	double t_ss = ambient_C + heat_W / ha_W_per_K;
	st->temp_C =
	    t_ss + (st->temp_C - t_ss) * k->eth + st->heating_C_per_s * k->dt_s;
}
