/* SPDX-License-Identifier: Apache-2.0 */
/* sim_priv.h - the simulator's internals, shared by its files only. */
#ifndef BENCH_SIM_SIM_PRIV_H
#define BENCH_SIM_SIM_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/instr.h"
#include "common/clock.h"
#include "cell.h"
#include "packini.h"
#include "rng.h"
#include "sim.h"

struct canbus;
struct canframe;
struct dbc;
struct dbc_msg;
struct dbc_sig;
struct sim_persona;
struct sim_gbt;

#define SIM_MAX_CELLS PACKINI_MAX_SERIES
#define SIM_MAX_PROBES 128 /* PACKSTATE_MAX_PROBES: the MG has one per cell */

enum bms_contactor { BMS_OPEN = 0, BMS_PRECHARGE = 1, BMS_CLOSED = 2 };

enum bms_fault_bit {
	BMS_F_OV = 1 << 0,
	BMS_F_UV = 1 << 1,
	BMS_F_OT = 1 << 2,
	BMS_F_OC = 1 << 3,
	BMS_F_COMM = 1 << 4,
	BMS_F_INTERNAL = 1 << 5,
};

struct sim_bms {
	struct canbus *bus;
	bool is_mem;
	struct dbc *db;
	const struct dbc_msg *m_cellv, *m_temp, *m_pack, *m_lim, *m_state,
	    *m_cmd;
	const struct dbc_sig *s_cellblock, *s_cell[SIM_MAX_CELLS];
	const struct dbc_sig *s_tblock, *s_temp[SIM_MAX_PROBES];
	const struct dbc_sig *s_pack_v, *s_pack_i, *s_soc, *s_alive;
	const struct dbc_sig *s_ccl, *s_dcl, *s_vmax, *s_vmin;
	const struct dbc_sig *s_contactor, *s_fault[6];
	const struct dbc_sig *s_req, *s_bench_alive;

	/* state, valid whether or not a bus is attached */
	enum bms_contactor contactor;
	int64_t precharge_done_us;
	bool req_close;
	bool heartbeat_seen;
	int64_t last_cmd_us;
	unsigned faults;	/* BMS_F_* latched */
	unsigned forced_faults; /* BMS_F_* raised by a bms_fault fault */
	unsigned debounce[4];	/* OV UV OT OC consecutive samples */
	unsigned alive;
	bool silent;		  /* bms_silent fault */
	int64_t bus_off_until_us; /* bus_off fault, 0 = none */
	bool stuck[SIM_MAX_CELLS];
	int32_t cell_mV[SIM_MAX_CELLS]; /* last measured (quantised) */
	int8_t probe_C[SIM_MAX_PROBES];
	double ccl_A, dcl_A;
	unsigned steps; /* for the 1 s temperature period */
};

struct sim_cyc {
	struct canbus *bus; /* CAN personality, NULL if none */
	bool is_mem;
	struct dbc *db;
	const struct dbc_msg *m_cmd, *m_status, *m_ident;
	const struct dbc_sig *s_enable, *s_iset, *s_vmax, *s_vmin, *s_alive;
	const struct dbc_sig *s_vmeas, *s_imeas, *s_on, *s_fault, *s_mode,
	    *s_salive;
	const struct dbc_sig *s_model, *s_fwmaj, *s_fwmin, *s_serial;

	bool output_on;
	bool fault;	/* watchdog tripped; cleared by output on */
	bool comm_dead; /* cycler_timeout fault */
	bool garbage;	/* cycler_garbage fault */
	bool dev_error; /* cycler_error fault */
	bool unplugged; /* cycler_unplugged fault */
	bool timeout_logged;
	double set_A; /* + charge */
	double vmax_V, vmin_V;
	double actual_A;
	int mode; /* 0 off, 1 CC, 2 CV */
	int64_t last_cmd_us;
	unsigned alive;
	unsigned steps;
};

struct sim {
	struct pack_cfg cfg;
	char *bms_dbc_path, *cyc_dbc_path; /* NULL: the fixtures */
	struct sim_pack_info info;
	enum ocv_chem chem;
	unsigned n; /* series elements */
	unsigned cells_per_module, n_probes;
	struct cell_param par[SIM_MAX_CELLS];
	struct cell_state st[SIM_MAX_CELLS];
	double soc_offset[SIM_MAX_CELLS]; /* truth: start SOC - initial_soc */
	double sensor_offset_V[SIM_MAX_CELLS]; /* BMS reading - true voltage */
	struct cell_stepk k;
	double v_charge_max_V, v_discharge_min_V; /* chemistry limits */
	double r0_sum_ohm; /* pack R0 at 25 C, for the cycler's CV */

	struct clock_virt vclk;
	struct clock clk;
	int64_t t_us;
	struct sim_rng noise;
	bool noise_on;

	double current_A; /* pack current during the last step */
	double pack_V;	  /* terminal voltage after the last step */
	bool ext_source;  /* current imposed by sim_plant_set_current */
	double ext_current_A;

	size_t next_fault; /* cfg.faults sorted by time */
	struct sim_bms bms;
	struct sim_persona *persona; /* bms = PROFILE, NULL: sim_bms.dbc */
	FILE *answer_log;	     /* sim_set_answer_log, NULL: none */
	struct sim_gbt *gbt;	     /* bms = gbt27930, else NULL */
	struct sim_cyc cyc;
	struct instr instr;
	/* Held during sim_advance when a thread serves the SCPI supply on a
	 * pty (sim_scpi.c), NULL otherwise. */
	pthread_mutex_t *mu;
};

/* sim_bms.c */
int sim_bms_attach(struct sim *s, struct canbus *bus, const char *dbc_path);
void sim_bms_rx(struct sim *s, const struct canframe *f);
void sim_bms_step(struct sim *s); /* after physics: checks and frames */
bool sim_bms_closed(const struct sim *s);
void sim_bms_release(struct sim_bms *b);

/* sim_persona.c: the BMS speaking a profile's protocol */
int sim_persona_load(struct sim *s); /* cfg.bms, checked; no-op if unset */
int sim_persona_attach(struct sim *s);
void sim_persona_rx(struct sim *s, const struct canframe *f);
void sim_persona_step(struct sim *s); /* ISO-TP timers up to s->t_us */
void sim_persona_publish(struct sim *s);
unsigned sim_persona_probes(const struct sim_persona *p);
const char *sim_persona_profile(const struct sim_persona *p);
void sim_persona_free(struct sim_persona *p);

/* sim_gbt.c: the BMS speaking GB/T 27930 (bms = gbt27930) */
int sim_gbt_load(struct sim *s);
void sim_gbt_attach(struct sim *s);
void sim_gbt_rx(struct sim *s, const struct canframe *f);
void sim_gbt_step(struct sim *s, double I_meas); /* after supervision */
void sim_gbt_fault(struct sim *s, const struct pack_fault *f);
void sim_gbt_free(struct sim_gbt *g);

/* sim_cycler.c */
int sim_cyc_attach(struct sim *s, struct canbus *bus, const char *dbc_path);
void sim_cyc_rx(struct sim *s, const struct canframe *f);
/* the current the cycler drives during the next step */
double sim_cyc_current(struct sim *s, bool circuit_closed);
void sim_cyc_publish(struct sim *s);
void sim_cyc_release(struct sim_cyc *c);
void sim_cyc_touch(struct sim *s); /* a command arrived: feed the watchdog */

/* sim_instr.c */
void sim_instr_init(struct sim *s);

/* shared helpers */
int sim_send(struct canbus *bus, const struct canframe *f);
int sim_load_dbc(const char *path, const char *fixture, struct dbc **out);
double sim_terminal_V(const struct sim *s);

#endif
