/* SPDX-License-Identifier: Apache-2.0 */
/* runschema.h - the records of a bench-run/1 file (docs/hdf5-schema.md), shared
 * by the HDF5 writer (bench/h5log.c) and reader (analysis/runfile.c).
 *
 * Current is positive on charge. Float columns are SI (V, A, W, Ah, Wh, C,
 * s) as in the file; the names carry the unit.
 */
#ifndef BENCH_COMMON_RUNSCHEMA_H
#define BENCH_COMMON_RUNSCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "common/ocvtab.h"

#define RUN_SCHEMA "bench-run/1"

struct run_meta {
	char pack_id[64];
	char pack_model[64];
	char chemistry[8]; /* "nmc" | "lfp" */
	uint32_t series, parallel, modules;
	uint32_t n_probes; /* temperature probes */
	double rated_capacity_ah;
	char software_version[32];
	char *recipe_text; /* owned, may be NULL */
	char recipe_sha256[65];
	char *profile_text; /* owned, may be NULL */
	/* the cell's OCV curve (ocvtab_format text) from the profile's
	 * ocv_curve; "": the chemistry's built-in curve */
	char ocv_curve[OCVTAB_TEXT_LEN];
	char dbc_sha256[65];
	char instrument_id[128]; /* *IDN? answer */
	char bench_id[64];
	char operator_name[64];	 /* attribute "operator" */
	char start_time_utc[32]; /* ISO 8601 */
	char status[16]; /* running | complete | aborted | interrupted */
	char end_reason[160];
	uint32_t resumed_times;
};

/* One /timeseries row plus its /cells rows. cell_voltage_V has series
 * entries, cell_temperature_C has n_probes entries (caller-owned arrays). */
struct run_sample {
	double test_time_s;
	double unix_time_s;
	float voltage_V;
	float current_A;
	float power_W;
	uint32_t step_count;
	uint32_t step_index;
	uint32_t cycle_count;
	double charge_Ah, discharge_Ah;
	double charge_Wh, discharge_Wh;
	float ambient_C;
	float *cell_voltage_V;
	float *cell_temperature_C;
};

/* One /steps row. */
struct run_step {
	uint32_t step_count;
	uint32_t step_index; /* recipe line */
	char kind[16];	     /* charge|discharge|rest|hold|... */
	char tag[32];
	double start_s, end_s; /* test_time_second */
	char end_reason[64];
	double charge_Ah, discharge_Ah, charge_Wh, discharge_Wh;
	float start_V, end_V;
};

/* One /events row. */
struct run_event {
	double t_s;	  /* test_time_second */
	char severity[8]; /* info | warning | fault | abort */
	char code[32];
	char message[200];
};

/* The /timeseries columns in file order: BDF machine name, storage type,
 * units attribute and where the value sits in struct run_sample. Writer and
 * reader both walk this table, so a column is added in one place. */
enum run_col_type { RUN_COL_F64, RUN_COL_F32, RUN_COL_U32 };

struct run_col {
	const char *name;
	enum run_col_type type;
	const char *units;
	size_t offset; /* into struct run_sample */
};

#define RUN_N_COLS 13

static inline const struct run_col *run_cols(void)
{
	/* clang-format off */
	static const struct run_col cols[RUN_N_COLS] = {
		{ "test_time_second", RUN_COL_F64, "s",
		  offsetof(struct run_sample, test_time_s) },
		{ "unix_time_second", RUN_COL_F64, "s",
		  offsetof(struct run_sample, unix_time_s) },
		{ "voltage_volt", RUN_COL_F32, "V",
		  offsetof(struct run_sample, voltage_V) },
		{ "current_ampere", RUN_COL_F32, "A",
		  offsetof(struct run_sample, current_A) },
		{ "power_watt", RUN_COL_F32, "W",
		  offsetof(struct run_sample, power_W) },
		{ "step_count", RUN_COL_U32, "1",
		  offsetof(struct run_sample, step_count) },
		{ "step_index", RUN_COL_U32, "1",
		  offsetof(struct run_sample, step_index) },
		{ "cycle_count", RUN_COL_U32, "1",
		  offsetof(struct run_sample, cycle_count) },
		{ "charging_capacity_ah", RUN_COL_F64, "Ah",
		  offsetof(struct run_sample, charge_Ah) },
		{ "discharging_capacity_ah", RUN_COL_F64, "Ah",
		  offsetof(struct run_sample, discharge_Ah) },
		{ "charging_energy_wh", RUN_COL_F64, "Wh",
		  offsetof(struct run_sample, charge_Wh) },
		{ "discharging_energy_wh", RUN_COL_F64, "Wh",
		  offsetof(struct run_sample, discharge_Wh) },
		{ "ambient_temperature_celsius", RUN_COL_F32, "degC",
		  offsetof(struct run_sample, ambient_C) },
	};
	/* clang-format on */
	return cols;
}

/* Dataset paths of the cells tables and their width source. */
#define RUN_CELLS_VOLTAGE "/cells/voltage_volt"
#define RUN_CELLS_TEMPERATURE "/cells/temperature_celsius"

void run_meta_release(struct run_meta *m);

#endif
