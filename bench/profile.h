/* SPDX-License-Identifier: Apache-2.0 */
/* profile.h - pack profile (docs/profiles.md): a pack model is a DBC + this
 * INI.
 *
 *   [pack]      model, chemistry (nmc|lfp), series, parallel, modules,
 *               rated_capacity_ah, rated_energy_wh (optional), ref_r0_mohm,
 *               ocv_curve = 0:2.50 10:3.45 ... 100:4.20 (optional: the
 *               cell's own OCV curve, SOC %:volts, common/ocvtab.h)
 *   [limits]    three tiers "operating warning hard" per bound:
 *               cell_voltage_high = 4.20 4.23 4.25      (V)
 *               cell_voltage_low = 2.50 2.45 2.40
 *               temperature_high = 50 55 60             (C)
 *               temperature_low = 0 -5 -10
 *               charge_current = 1C 1.2C 1.5C           (C-rate or A)
 *               discharge_current = 2C 2.5C 3C
 *               cell_spread_mv = 100 200                (warning hard)
 *               cell_spread_window = 3.3 4.1  (V: spread judged only with
 *                                   every cell inside; default by chemistry)
 *               contactor_timeout_ms, cycler_timeout_ms
 *   [bms]       protocol = gbt27930 (a GB/T charging session instead of
 *               the rest of this section, with probes only),
 *               dbc (relative to the profile's directory),
 *               cell_voltage = Cell%03u_V (printf pattern, 1-based index),
 *               temperature = Temp%03u_C, probes, pack_voltage, pack_current,
 *               current_charge_positive (alias charge_positive), soc,
 *               ccl, dcl, soh, capacity, rated_capacity, rated_voltage
 *               (recorded only), contactor_state,
 *               contactor_closed (value), contactor_open, contactor_welded,
 *               fault_signals = Fault_CellOV, Fault_Comm:bench,
 *                               Fault_Internal:warn, ...
 *               (":warn" warns, ":bench" aborts as a bench fault, the
 *               rest abort as safety faults; fault_reaction = warn makes
 *               warn the default),
 *               heartbeat_timeout_ms
 *   [bench_tx]  message, period_ms, contactor_signal, contactor_open,
 *               contactor_close, alive_signal
 *   [polling], [ecu NAME], [poll NAME]: a polled pack's ECUs, requests
 *               and reply layouts (bench/profile_poll.c, polldef.h)
 *   [vehicle_frame NAME], [contactor_close], [contactor_open]: the
 *               car's cyclic frames and the contactor sequences the
 *               controller sends (bench/profile_veh.c, vehdef.h)
 *
 * Unknown sections/keys and bad values are errors "FILE:LINE: key 'k': ...".
 * Voltages are kept in mV, temperatures in deci-degrees C, currents in mA.
 */
#ifndef BENCH_PROFILE_H
#define BENCH_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/diag.h"
#include "bench/polldef.h"
#include "bench/vehdef.h"
#include "common/ocvtab.h"

#define PROFILE_NAME_LEN 64
#define PROFILE_PATH_LEN 512
#define PROFILE_MAX_FAULTS 16

enum profile_tier { PROFILE_OP = 0, PROFILE_WARN = 1, PROFILE_HARD = 2 };

struct profile_fault {
	char signal[PROFILE_NAME_LEN];
	/* Its row of the fault table, which gives severity and cause:
	 * DIAG_BMS_FAULT (":abort", default), DIAG_BMS_FAULT_WARN (":warn")
	 * or DIAG_BMS_FAULT_BENCH (":bench"). */
	enum diag_id row;
};

struct profile {
	char model[PROFILE_NAME_LEN]; /* [pack] model, else file stem */
	char chemistry[8];	      /* "nmc" | "lfp" */
	uint32_t series, parallel, modules;
	double rated_capacity_ah;
	double rated_energy_wh; /* 0: not given */
	double ref_r0_mohm;	/* fresh cell R0, 0: not given */
	/* the cell's OCV curve the grading reads SOC on; n 0: the
	 * chemistry's built-in one */
	struct ocvtab ocv;

	/* Tiers indexed by enum profile_tier. Currents are magnitudes. */
	int32_t cell_high_mV[3], cell_low_mV[3];
	int32_t temp_high_ddegC[3], temp_low_ddegC[3];
	int32_t charge_mA[3], discharge_mA[3];
	int32_t spread_warn_mV, spread_hard_mV;
	int32_t spread_window_low_mV, spread_window_high_mV; /* 0/0: always */
	uint32_t contactor_timeout_ms;
	uint32_t cycler_timeout_ms;

	/* [bms] protocol = gbt27930: the pack's values come from a GB/T
	 * 27930 charging session the controller runs as the charger
	 * (docs/gbt27930.md); no DBC, no signals, no [bench_tx] or polls. */
	bool gbt;
	/* BMS signal mapping. */
	char dbc_path[PROFILE_PATH_LEN];	 /* resolved against the file */
	char cell_voltage_fmt[PROFILE_NAME_LEN]; /* "Cell%03u_V" */
	char temperature_fmt[PROFILE_NAME_LEN];
	uint32_t n_probes;
	char pack_voltage[PROFILE_NAME_LEN];
	char pack_current[PROFILE_NAME_LEN];
	bool current_charge_positive;
	char soc[PROFILE_NAME_LEN]; /* "" if the BMS has none */
	/* recorded only: SOH %, capacity Ah as the BMS reports it, the pack's
	 * own rated capacity (Ah) and voltage (V) */
	char soh[PROFILE_NAME_LEN], capacity[PROFILE_NAME_LEN];
	char rated_capacity[PROFILE_NAME_LEN], rated_voltage[PROFILE_NAME_LEN];
	char ccl[PROFILE_NAME_LEN], dcl[PROFILE_NAME_LEN];
	char contactor_state[PROFILE_NAME_LEN];
	int32_t contactor_open, contactor_closed;
	int32_t contactor_welded; /* -1: the BMS cannot tell */
	struct profile_fault faults[PROFILE_MAX_FAULTS];
	uint32_t n_faults;
	uint32_t heartbeat_timeout_ms;

	/* What the bench sends. */
	char tx_message[PROFILE_NAME_LEN];
	uint32_t tx_period_ms;
	char tx_contactor_signal[PROFILE_NAME_LEN];
	int32_t tx_contactor_open, tx_contactor_close;
	char tx_alive_signal[PROFILE_NAME_LEN];

	/* Polled values (n_polls 0: a broadcast-only pack). */
	struct poll_set poll;

	/* The car the bench impersonates (n_frames 0: none). */
	struct veh_set veh;

	char *text;	 /* owned copy of the INI text, or NULL */
	char error[256]; /* set when loading fails */
};

/* Parse INI text; name is used in messages, base_dir resolves the relative
 * dbc path (NULL: as written). BENCH_ERR_PARSE on error (logged once, kept
 * in p->error). Release with profile_release(). */
int profile_parse(const char *text, const char *name, const char *base_dir,
		  struct profile *p);
int profile_load_file(const char *path, struct profile *p);
void profile_release(struct profile *p);

/* Fill a signal name from a pattern with a 1-based index. */
int profile_cell_signal(const struct profile *p, unsigned cell, char *buf,
			unsigned len);
int profile_temp_signal(const struct profile *p, unsigned probe, char *buf,
			unsigned len);

/* Rated capacity in mAh (for C-rates). */
uint32_t profile_rated_mAh(const struct profile *p);

/* The profile of the simulated BMS (fixtures/dbc/sim_bms.dbc signal names)
 * for a simulated pack: limits by chemistry (NMC 2.5-4.2 V operating, LFP
 * 2.5-3.65 V; warning and hard a little outside), temperatures, currents by
 * C-rate. text is the profile written as INI (profile_write_text), so the
 * run file's profile_text says what the run used. */
int profile_for_sim(const char *chemistry, unsigned series, unsigned parallel,
		    unsigned modules, unsigned n_probes, double rated_ah,
		    const char *dbc_path, struct profile *out);

/* The same for a simulated pack whose BMS speaks GB/T 27930 (bms =
 * gbt27930): protocol gbt27930, the cell's operating high 50 mV above
 * the charge limit where its BMS holds its cells (docs/gbt27930.md). */
int profile_for_sim_gbt(const char *chemistry, unsigned series,
			unsigned parallel, unsigned modules, unsigned n_probes,
			double rated_ah, struct profile *out);

/* (Re)write p->text as the INI text profile_parse() reads back to the same
 * profile (bench/profile_text.c). BENCH_ERR_MEM on failure. */
int profile_write_text(struct profile *p);
/* Set the fresh element R0 (mOhm, one parallel group: for a simulated pack
 * the pack file's cell r0_mohm / parallel, sim_pack_info.fresh_r0_mohm)
 * and rewrite the text: the grading reads ref_r0_mohm from it. */
int profile_set_ref_r0(struct profile *p, double ref_r0_mohm);

#endif
