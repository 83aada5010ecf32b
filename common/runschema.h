/* runschema.h - the records of a bench-run/1 file (DESIGN 3.4), shared by
 * the HDF5 writer (bench/h5log.c) and reader (analysis/runfile.c).
 *
 * Current is positive on charge. Float columns are SI (V, A, W, Ah, Wh, C,
 * s) as in the file; the names carry the unit.
 */
#ifndef BENCH_COMMON_RUNSCHEMA_H
#define BENCH_COMMON_RUNSCHEMA_H

#include <stdint.h>

#define RUN_SCHEMA "bench-run/1"

struct run_meta {
	char pack_id[64];
	char pack_model[64];
	char chemistry[8];        /* "nmc" | "lfp" */
	uint32_t series, parallel, modules;
	uint32_t n_probes;        /* temperature probes */
	double rated_capacity_ah;
	char software_version[32];
	char *recipe_text;        /* owned, may be NULL */
	char recipe_sha256[65];
	char *profile_text;       /* owned, may be NULL */
	char dbc_sha256[65];
	char instrument_id[128];  /* *IDN? answer */
	char bench_id[64];
	char operator_name[64];   /* attribute "operator" */
	char start_time_utc[32];  /* ISO 8601 */
	char status[16];          /* running | complete | aborted | interrupted */
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
	uint32_t step_index;      /* recipe line */
	char kind[16];            /* charge|discharge|rest|hold|... */
	char tag[32];
	double start_s, end_s;    /* test_time_second */
	char end_reason[64];
	double charge_Ah, discharge_Ah, charge_Wh, discharge_Wh;
	float start_V, end_V;
};

/* One /events row. */
struct run_event {
	double t_s;               /* test_time_second */
	char severity[8];         /* info | warning | fault | abort */
	char code[32];
	char message[200];
};

void run_meta_release(struct run_meta *m);

#endif
