/* SPDX-License-Identifier: Apache-2.0 */
/* step.h - the step engine: a pure state machine that walks a recipe.
 *
 * The controller calls step_tick() every control tick with a measurement
 * snapshot and the test time t_us (microseconds since the run started; it
 * continues across resumes). The engine integrates Ah/Wh itself from the
 * measured current and pack voltage (trapezoid over t_us), decides when a
 * step ends, and returns the command for the cycler. It does no I/O and never
 * reads a clock.
 *
 * Counters: step_count increments for each executed step (the first step is
 * 1); step_index is the recipe line of the current step; cycle_count counts
 * completed iterations of outermost Repeat blocks (cumulative over the whole
 * recipe; 0 before the first iteration completes).
 *
 * Ends: a step runs for at least one tick. Besides its own ends, a charge
 * step ends when the highest cell reaches the profile's operating high
 * limit and a discharge step when the lowest reaches the operating low
 * (foxBMS MOL); holds regulate instead. Current setpoints are clamped to the
 * BMS's CCL/DCL and to the profile's operating currents (clamped flag);
 * clamp_started reports each clamp reason once per step, since a hold's
 * loop riding the cap goes in and out of it every reading.
 *
 * Resume: struct step_state is plain data the controller may save, and
 * step_resume() rebuilds the position from the step_count alone (a recipe
 * has no conditional jumps, so step N always has the same position and loop
 * counters). The interrupted step continues (elapsed time and Ah/Wh kept),
 * unless it is marked [restart] in the recipe, then it starts over.
 */
#ifndef BENCH_STEP_H
#define BENCH_STEP_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/recipe.h"
#include "runfile/runschema.h"

struct step_cfg {
	uint32_t rated_capacity_mAh; /* for C-rates */
	int32_t cell_op_low_mV;	     /* `min cell`, discharge cut-off */
	int32_t cell_op_high_mV;     /* `max cell`, charge cut-off */
	int32_t charge_max_mA;	     /* operating, magnitude (0: none) */
	int32_t discharge_max_mA;    /* operating, magnitude (0: none) */
	int32_t pack_high_mV;	     /* cycler compliance on charge */
	int32_t pack_low_mV;	     /* cycler compliance on discharge */
	/* Cell CV loop (0 = defaults documented in docs/recipes.md). */
	double cv_kp_c_per_mV;	/* proportional, C-rate per mV */
	double cv_ki_c_per_mVs; /* integral, C-rate per mV s */
};

/* A GB/T pack's charge session (docs/gbt27930.md), as the step engine
 * needs it: session steps end on it, charge steps end when it is not
 * charging any more. */
enum step_session {
	STEP_SESSION_NA = 0,   /* not a GB/T pack */
	STEP_SESSION_IDLE,     /* none open: never started, or ended */
	STEP_SESSION_OPENING,  /* handshake to precharge */
	STEP_SESSION_CHARGING, /* the BMS asks for current (BCL) */
	STEP_SESSION_CLOSING,  /* stop and statistics */
};

/* What the controller knows at this tick. Current positive on charge. */
struct step_meas {
	int32_t pack_mV;
	int32_t current_mA; /* measured (cycler or BMS) */
	bool cells_valid;
	int32_t max_cell_mV, min_cell_mV;
	uint16_t max_cell, min_cell; /* 1-based cell index */
	int64_t cells_t_us;	     /* time of the newest cell reading:
					the cell CV loop acts once per
					reading (0: every tick is one) */
	bool temps_valid;
	int32_t max_temp_ddegC;	 /* deci-degrees C */
	uint16_t max_temp_probe; /* 1-based */
	bool bms_limits_valid;
	int32_t ccl_mA, dcl_mA; /* BMS allowed charge/discharge, >= 0 */
	enum step_session session;
	int32_t bms_volt_max_mV; /* a GB/T BMS's BCL voltage, 0: none */
};

/* What bounds a clamped setpoint (bits of step_engine.clamp_reported). */
enum step_clamp {
	STEP_CLAMP_NONE = 0,
	STEP_CLAMP_OPERATING = 1, /* the profile's operating current */
	STEP_CLAMP_BMS = 2,	  /* the BMS's CCL/DCL */
};

enum step_mode {
	STEP_MODE_OFF = 0, /* output off (rest, done) */
	STEP_MODE_CC,	   /* current_mA, compliance volt_* */
	STEP_MODE_CV_PACK, /* cv_mV with current_mA as limit */
};

struct step_cmd {
	enum step_mode mode;
	bool output_on;
	int32_t current_mA;		   /* signed setpoint after clamping */
	int32_t requested_mA;		   /* before clamping */
	bool clamped;			   /* by CCL/DCL or operating current */
	enum step_clamp clamp_by;	   /* when clamped */
	int32_t cv_mV;			   /* STEP_MODE_CV_PACK */
	int32_t volt_high_mV, volt_low_mV; /* cycler compliance limits */
};

/* Saved/restored by the controller for resume; plain data. */
struct step_state {
	uint32_t op;	/* index in recipe.ops of the step */
	uint32_t depth; /* open Repeat blocks */
	uint32_t loop_op[RECIPE_MAX_DEPTH];   /* their REPEAT op index */
	uint32_t loop_iter[RECIPE_MAX_DEPTH]; /* iterations done, 0-based */
	uint32_t step_count, cycle_count;
	int64_t step_start_us; /* test time the step started */
	int64_t step_elapsed_us;
	/* This step, in its own direction and both directions (run_step). */
	double step_charge_Ah, step_discharge_Ah;
	double step_charge_Wh, step_discharge_Wh;
	/* Cumulative over the run (timeseries columns). */
	double charge_Ah, discharge_Ah, charge_Wh, discharge_Wh;
	int32_t start_pack_mV;
	int32_t cv_current_mA; /* cell CV loop output */
	bool complete;
};

struct step_out {
	struct step_cmd cmd;
	uint32_t step_count, step_index, cycle_count;
	uint32_t log_interval_ms;	/* for the current step */
	const struct recipe_step *step; /* current step, NULL when complete */
	bool started;			/* a step started in this tick */
	bool ended;			/* a step ended: see ended_step */
	struct run_step ended_step;	/* filled when ended (times in s) */
	bool clamp_started; /* clamped by a reason new to this step */
	bool complete;	    /* recipe complete (after last end) */
};

struct step_engine {
	const struct recipe *recipe;
	struct step_cfg cfg;
	struct step_state st;
	bool running;		 /* a step is active */
	unsigned clamp_reported; /* step_clamp bits this step reported */
	/* Integration, end and CV loop memory (not needed for resume). */
	bool have_prev;
	int64_t prev_t_us;
	int32_t prev_mA, prev_mV;
	int64_t below_since_us; /* current end: below since, or -1 */
	bool resumed;		/* continue without "started" */
	bool announce;		/* restarted: report "started" */
	int64_t cv_prev_cells_t_us;
	bool cv_have_err;
	int32_t cv_prev_err_mV;
	double cv_current_mA;
};

/* recipe must outlive the engine. */
int step_init(struct step_engine *e, const struct recipe *r,
	      const struct step_cfg *cfg);

/* Advance to t_us with measurement m; fill out. The first call starts the
 * first step. Returns BENCH_OK, or BENCH_ERR_STATE after completion. */
int step_tick(struct step_engine *e, int64_t t_us, const struct step_meas *m,
	      struct step_out *out);

/* End the current step now (operator/abort); fills out->ended_step with
 * reason. The engine is complete afterwards. */
void step_stop(struct step_engine *e, int64_t t_us, int32_t pack_mV,
	       const char *reason, struct step_out *out);

/* Current state (for saving). */
const struct step_state *step_get_state(const struct step_engine *e);

/* Resume at executed step number step_count (1-based) as recorded in a run
 * file; step_index must match that step's recipe line (BENCH_ERR_STATE
 * otherwise: the recipe changed). saved carries the elapsed time, step and
 * cumulative Ah/Wh; the step restarts if marked [restart]. The next
 * step_tick continues at t_us without a "started" event unless restarted. */
int step_resume(struct step_engine *e, uint32_t step_count, uint32_t step_index,
		const struct step_state *saved, int64_t t_us);

/* Restore a state saved with step_get_state() verbatim. */
int step_restore(struct step_engine *e, const struct step_state *saved);

#endif
