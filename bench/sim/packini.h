/* SPDX-License-Identifier: Apache-2.0 */
/* packini.h - the simulated pack file (docs/simulator.md), parsed with libinih.
 *
 * Pure parsing and validation: no physics, no randomness. Every error is
 * logged once as "FILE:LINE: key 'KEY': problem" (or names the section).
 */
#ifndef BENCH_SIM_PACKINI_H
#define BENCH_SIM_PACKINI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocv.h"

/* the simulated BMS's 64 blocks of 3 cell voltages */
#define PACKINI_MAX_SERIES 192

enum sim_fault_kind {
	SIM_FAULT_CELL_HEATING = 0,
	SIM_FAULT_CELL_SHORT,
	SIM_FAULT_CELL_SENSOR_STUCK,
	SIM_FAULT_BMS_SILENT,
	SIM_FAULT_CYCLER_TIMEOUT,
	SIM_FAULT_BUS_OFF,
	SIM_FAULT_BMS_FAULT,
	SIM_FAULT_CYCLER_GARBAGE,
	SIM_FAULT_CYCLER_ERROR,
	SIM_FAULT_CYCLER_UNPLUGGED,
	SIM_FAULT_GBT_INSULATION, /* GB/T BMS only (bms = gbt27930) */
	SIM_FAULT_GBT_OVERTEMP,
	SIM_FAULT_GBT_STOP,
	SIM_FAULT_N_KINDS,
};

const char *sim_fault_name(enum sim_fault_kind k);

/* The simulated BMS's fault signals, in bit order (fixtures/dbc/sim_bms.dbc).
 */
#define PACKINI_N_BMS_FAULTS 6
extern const char *const packini_bms_faults[PACKINI_N_BMS_FAULTS];

/* bms = gbt27930: the simulated BMS speaks GB/T 27930 (bench/sim/sim_gbt.c)
 * instead of a profile's protocol */
#define PACKINI_BMS_GBT "gbt27930"
/* gbt_stop reasons: a BST field name and its field number (bench/gbt.h) */
struct packini_bst_reason {
	const char *name;
	unsigned field;
};
extern const struct packini_bst_reason packini_bst_reasons[];

struct pack_fault {
	enum sim_fault_kind kind;
	int line; /* of the [fault KIND] header */
	int64_t at_us;
	unsigned cell;		/* 1-based; cell faults */
	double rate_C_per_min;	/* cell_heating */
	double short_ohm;	/* cell_short */
	int64_t duration_us;	/* bus_off */
	unsigned bms_fault_bit; /* bms_fault: index into PACKINI_BMS_FAULTS */
	unsigned bst_field;	/* gbt_stop: the BST field set */
	uint32_t seen;		/* keys given (PK_* bits), for validation */
};

/* One [cell N] override; a field is used when its has_ flag is set. */
struct pack_cell_ovr {
	unsigned index; /* 1-based series position */
	int line;
	bool has_soh, has_r_growth, has_soc_offset, has_self_discharge;
	double soh, r_growth, soc_offset, self_discharge_mA;
};

struct pack_cfg {
	char *path;
	char name[64];
	enum ocv_chem chem;
	unsigned series, parallel, modules, probes_per_module;
	double
	    rated_capacity_ah; /* one cell; an element holds parallel cells */
	double r0_mohm;	       /* one fresh cell at 25 C */
	double soh, r_growth;
	double capacity_sigma, r_sigma;
	double self_discharge_mA;
	double initial_soc, soc_sigma;
	double ambient_C;
	uint64_t seed;
	double sensor_offset_mV_sigma; /* per-cell BMS reading offset */
	double hysteresis_mV;	       /* OCV charge - discharge branch */
	/* bms = NAME or path: the profile whose protocol the simulated BMS
	 * speaks (NULL: the simulator's own, fixtures/dbc/sim_bms.dbc) */
	char *bms;
	int bms_line;
	/* [gbt]: the GB/T BMS's options */
	int gbt_line;		  /* 0 = no [gbt] section */
	bool gbt_no_cell_reports; /* cell_reports = no: no BMV/BMT */

	struct pack_cell_ovr *ovr;
	size_t n_ovr;
	struct pack_fault *faults;
	size_t n_faults;
};

/* Parse text (name is used in messages). cfg is filled and owns memory
 * released with packini_release(), also after an error. */
int packini_parse(const char *text, size_t len, const char *name,
		  struct pack_cfg *cfg);
int packini_load(const char *path, struct pack_cfg *cfg);
void packini_release(struct pack_cfg *cfg);

/* "90 s", "30 min", "2 h", "250 ms" -> microseconds; BENCH_ERR_ARG if bad. */
int packini_parse_duration(const char *s, int64_t *out_us);

#endif
