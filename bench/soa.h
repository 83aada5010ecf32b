/* SPDX-License-Identifier: Apache-2.0 */
/* soa.h - pure safe-operating-area checks.
 *
 * The controller calls soa_check() on every incoming measurement (and on the
 * tick, for time-outs) with a snapshot and the time; soa reports each check to
 * diag (OK / NOT_OK with the triggering values) and returns what diag decided.
 * No I/O, no clock. The controller performs the abort sequence itself.
 *
 * A group of checks runs only when its sequence number changed since the
 * last call (cells_seq, temps_seq, pack_seq), so calling soa_check() on
 * every frame and tick never counts one stale reading twice. The controller
 * bumps cells_seq once per complete set of cell readings (the BMS's burst),
 * temps_seq per temperature set, pack_seq per pack-status/current reading,
 * state_seq per BMS state frame (contactor feedback, fault bits): one
 * corrupted state frame is one sample, however often soa_check() runs.
 * Time-outs and stop checks run on every call.
 *
 * Tiers (foxBMS MOL/RSL/MSL): operating ends a step (step.h), warning
 * warns, hard aborts. soa_limits_build() merges the profile with the recipe's
 * `limit` lines and a bench file's [limits]: for each bound the tighter wins,
 * and warning bounds are pulled inside the hard ones.
 */
#ifndef BENCH_SOA_H
#define BENCH_SOA_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/diag.h"
#include "bench/profile.h"
#include "bench/recipe.h"

struct soa_band {
	int32_t low, high;
};

struct soa_limits {
	struct soa_band cell_warn_mV, cell_hard_mV;
	struct soa_band temp_warn_ddegC, temp_hard_ddegC;
	struct soa_band pack_hard_mV;		/* 0/0: not checked */
	int32_t charge_warn_mA, charge_hard_mA; /* magnitudes */
	int32_t discharge_warn_mA, discharge_hard_mA;
	int32_t bms_limit_margin_mA; /* tolerated excess over CCL/DCL */
	int32_t spread_warn_mV, spread_hard_mV; /* max - min cell */
	struct soa_band spread_window_mV; /* spread checked only with every
					     cell inside (0/0: always) */
	uint32_t bms_timeout_ms;	  /* heartbeat: no BMS frame */
	uint32_t cycler_timeout_ms;	  /* no cycler answer */
	int32_t mismatch_mA;		  /* |measured - setpoint| tolerated */
	uint32_t mismatch_settle_ms;	  /* after a setpoint change */
	uint32_t contactor_timeout_ms;
	/* Stuck cell sensor: a reading that moved less than stuck_still_mV
	 * for stuck_min_ms while the other cells moved stuck_others_mV on
	 * average (0: not checked). */
	int32_t stuck_still_mV, stuck_others_mV;
	uint32_t stuck_min_ms;
};

enum soa_contactor {
	SOA_CONTACTOR_UNKNOWN = 0,
	SOA_CONTACTOR_OPEN,
	SOA_CONTACTOR_PRECHARGE,
	SOA_CONTACTOR_CLOSED,
	SOA_CONTACTOR_WELDED,
};

/* Cells the stuck-sensor check follows (PACKSTATE_MAX_CELLS). */
#define SOA_MAX_CELLS 256

/* A cell or probe not read yet: skipped by the checks. */
#define SOA_UNKNOWN INT32_MIN

struct soa_snapshot {
	/* Cells, 1-based in messages; arrays owned by the caller; entries
	 * SOA_UNKNOWN are skipped (not read yet). */
	uint32_t cells_seq;
	unsigned n_cells;
	const int32_t *cell_mV;
	uint32_t temps_seq;
	unsigned n_temps;
	const int32_t *temp_ddegC;
	/* Pack status (BMS and/or cycler). */
	uint32_t pack_seq;
	bool pack_mV_valid;
	int32_t pack_mV;
	bool current_valid;
	int32_t current_mA; /* measured, + charge */
	bool bms_limits_valid;
	int32_t ccl_mA, dcl_mA;
	/* Liveness: time of the last frame/answer, < 0 if none yet. */
	int64_t bms_last_us;
	int64_t cycler_last_us;
	int64_t start_us; /* monitoring start: grace for time-outs */
	/* Setpoint as commanded (for the mismatch check). */
	bool output_on;
	int32_t setpoint_mA;
	int64_t setpoint_t_us; /* when setpoint/output last changed */
	bool cv_mode;	       /* pack CV: current follows the pack */
	/* BMS state frames (contactor feedback, fault bits) received. */
	uint32_t state_seq;
	/* Contactors. */
	bool contactor_close_req;
	int64_t contactor_req_t_us; /* when the request last changed */
	enum soa_contactor contactor;
	/* BMS fault signals, same order as profile.faults; true = active. */
	unsigned n_faults;
	const bool *fault_active;
	/* Stop requests. */
	bool operator_stop;
	bool signal_stop;
};

#define SOA_MAX_EVENTS 8

struct soa_result {
	enum diag_reaction reaction; /* the strongest decided in this call */
	unsigned n_events;	     /* new warn/abort events in this call */
	struct diag_event events[SOA_MAX_EVENTS];
	unsigned dropped; /* events beyond SOA_MAX_EVENTS */
};

struct soa {
	struct soa_limits lim;
	const struct profile *profile; /* fault signal names and reactions */
	struct diag diag;
	uint32_t last_cells_seq, last_temps_seq, last_pack_seq, last_state_seq;
	bool seen_cells, seen_temps, seen_pack, seen_state;
	/* Stuck sensor: each cell's last moving reading, the sum of all
	 * cells then and when. */
	bool stuck_armed;
	int32_t still_mV[SOA_MAX_CELLS];
	int64_t still_sum_mV[SOA_MAX_CELLS];
	int64_t still_us[SOA_MAX_CELLS];
	bool contactor_was_closed; /* closed since the close request */
	bool prev_close_req;
};

/* Merge the profile with extra hard limits (recipe `limit` lines, a bench
 * file's [limits]; entries may be NULL). C-rates use the rated capacity. */
void soa_limits_build(struct soa_limits *out, const struct profile *p,
		      const struct recipe_limits *const *extra,
		      unsigned n_extra);

/* profile may be NULL (no fault signals). */
void soa_init(struct soa *s, const struct soa_limits *lim,
	      const struct profile *p);

/* Run the checks; never fails. After an abort diag keeps the first abort
 * (diag_abort_event) and further calls decide nothing new. */
void soa_check(struct soa *s, const struct soa_snapshot *snap, int64_t now_us,
	       struct soa_result *res);

#endif
