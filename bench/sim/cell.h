/* SPDX-License-Identifier: Apache-2.0 */
/* cell.h - one series element of the pack (a parallel group is one element):
 * OCV(SOC) + R0 + two RC pairs, self-discharge, internal short, lumped
 * thermal model with convection to ambient.
 *
 * Current is positive on charge. The RC pairs are discretised exactly for a
 * constant current over the step (v <- v e^-dt/tau + R I (1 - e^-dt/tau)),
 * so a 100 ms step is exact, not an Euler approximation.
 */
#ifndef BENCH_SIM_CELL_H
#define BENCH_SIM_CELL_H

#include "ocv.h"

#define CELL_R1_FRAC 0.3 /* R1 = 0.3 R0 */
#define CELL_TAU1_S 3.0
#define CELL_R2_FRAC 0.4 /* R2 = 0.4 R0 */
#define CELL_TAU2_S 25.0
/* Lumped thermal: heat capacity per Ah of element (prismatic cells weigh
 * about 22 g/Ah at ~1 J/gK) and a convection time constant of 40 min. */
#define CELL_HEAT_CAP_J_PER_K_AH 23.0
#define CELL_THERMAL_TAU_S 2400.0
/* Hysteresis moves between its branches exponentially with the charge
 * passed, over about this fraction of capacity (a few % SOC). */
#define CELL_HYST_WINDOW_SOC 0.03

struct cell_param {
	double capacity_As; /* 0-100 % capacity of the element */
	double r0_ohm;	    /* at 25 C, including r_growth */
	double self_discharge_A;
	double heat_cap_J_per_K;
	double hysteresis_V; /* OCV after charge - OCV after discharge */
};

struct cell_state {
	double soc;	   /* fraction; may leave 0..1 */
	double v1_V, v2_V; /* RC pair voltages */
	double temp_C;
	double voltage_V; /* terminal voltage after the last step */
	double ocv_V;	  /* relaxed OCV: the curve + hysteresis */
	/* hysteresis branch, -1 (after discharge) .. +1 (after charge) */
	double hyst;
	double short_ohm;	/* internal short, 0 = none */
	double heating_C_per_s; /* fault: runaway precursor */
};

/* Constants of a fixed step, computed once. */
struct cell_stepk {
	double dt_s;
	double e1, e2, eth;
};

void cell_stepk_init(struct cell_stepk *k, double dt_s);
/* Resistance multiplier versus temperature: x1.7 at 10 C, x0.73 at 40 C. */
double cell_r_factor(double temp_C);
/* Terminal voltage at rest with the present polarisation. */
void cell_init(struct cell_state *st, enum ocv_chem chem, double soc,
	       double temp_C);
/* Put a cell on its hysteresis branch hyst (-1 .. +1), at rest. */
void cell_set_hyst(const struct cell_param *p, struct cell_state *st,
		   enum ocv_chem chem, double hyst);
/* Advance one step with terminal current I_A (+ charge). */
void cell_step(const struct cell_param *p, struct cell_state *st,
	       enum ocv_chem chem, const struct cell_stepk *k, double I_A,
	       double ambient_C);

#endif
