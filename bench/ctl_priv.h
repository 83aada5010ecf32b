/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_priv.h - the controller's state, shared by ctl.c (phases, inputs,
 * safety) and ctl_out.c (cycler commands, contactors, log records). */
#ifndef BENCH_CTL_PRIV_H
#define BENCH_CTL_PRIV_H

#include "bench/ctl.h"
#include "bench/packstate.h"
#include "bench/pollrun.h"
#include "bench/profile.h"
#include "bench/soa.h"
#include "bench/step.h"
#include "bench/vehframe.h"
#include "bench/vehdef.h"
#include "bench/instr.h"
#include "runfile/runschema.h"

/* The current reads zero below this (mA) once the output is off. */
#define CTL_ZERO_mA 500
/* Longest wait for the current to read zero in SAFING. */
#define CTL_SAFING_MAX_US (10 * 1000000LL)
/* A source is fresh when heard from within this. */
#define CTL_FRESH_US (1500 * 1000LL)

struct ctl_cmd_state {
	bool valid; /* something was commanded yet */
	bool output_on;
	enum step_mode mode;
	int32_t current_mA, cv_mV, volt_high_mV, volt_low_mV;
	int64_t changed_us; /* setpoint or output last changed */
	bool failed;	    /* last command failed (logged once) */
	/* The cycler refused a command or garbled the answer to it
	 * (BENCH_ERR_PROTO): what it drives is unknown, the next tick
	 * stops the run safely (bench:CYCLER_ERROR). */
	const char *refused; /* which command, NULL if none */
};

struct ctl {
	struct ctl_cfg cfg;
	struct packstate *ps;
	struct soa_limits lim;
	struct soa soa;
	struct step_engine eng;
	struct step_out out; /* last step engine output */
	bool eng_started;
	enum ctl_phase phase;
	enum ctl_end end;
	char end_reason[256];
	char end_code[40];

	/* Cycler. */
	struct instr_state meas;
	int64_t cycler_last_us; /* last good measurement, -1 none */
	int64_t next_measure_us;
	int64_t measure_every_us;
	struct ctl_cmd_state cmd;
	int64_t zero_cmd_us;

	int64_t now_us; /* latest input or tick */

	/* Safety inputs. */
	int64_t start_us; /* monitoring start, -1 before first input */
	uint32_t pack_seq;
	uint32_t state_seq; /* BMS contactor/fault frames received */
	int64_t contactor_req_us;
	bool fault_active[PROFILE_MAX_FAULTS];
	bool operator_stop, signal_stop;
	int64_t cells_t_us; /* newest complete cell set */
	uint32_t last_cell_set, last_temp_set;
	enum canbus_state bus_state;

	/* Polled pack. */
	struct pollrun *poll;
	struct gbtrun *gbt;   /* a GB/T pack's charge sessions, else NULL */
	uint32_t poll_warned; /* bit per pollrun_ev: reported since an answer */
	bool has_broadcast;   /* the profile maps broadcast BMS frames */

	/* The car the bench impersonates (NULL: the profile has none). */
	struct vehframe *veh;
	struct vehframe_def veh_defs[VEH_MAX_FRAMES];
	struct vehframe_model veh_model;
	bool veh_on;	      /* frames enabled (first tick) */
	bool veh_close_req;   /* the close sequence was played */
	bool veh_send_failed; /* logged once */

	/* Logging. */
	int64_t next_log_us;
	float *cell_V, *temp_C;
	uint64_t samples;
	uint64_t steps_logged; /* step rows, counted also without a log */
	uint32_t skip_steps;   /* rows a killed run already wrote */
	bool log_failed;
	int64_t safing_start_us;

	/* Operator view. */
	char step_text[80];
	double unix_start_s;
};

/* ctl.c */
/* Raise a row of the fault table from the controller itself (not from
 * soa_check): the row decides severity and cause (bench/diag_cfg.c); an
 * abort starts the abort sequence, a warning is recorded. */
void ctl_raise(struct ctl *c, int64_t t_us, enum diag_id id,
	       const char *message);
/* The abort sequence for an event the fault table decided. */
void ctl_abort(struct ctl *c, int64_t t_us, const struct diag_event *ev);
/* What the step engine sees: best pack voltage and current (0 when no
 * source is fresh), extreme cells and probe, the BMS's limits. */
void ctl_fill_meas(struct ctl *c, int64_t t_us, struct step_meas *m);

/* ctl_veh.c: the profile's vehicle frames (docs/profiles.md) */
int ctl_veh_new(struct ctl *c);
void ctl_veh_free(struct ctl *c);
/* Enable the frames on the first call, then send those due. */
void ctl_veh_tick(struct ctl *c, int64_t t_us);
/* Does the profile close the contactors with [contactor_close]? */
bool ctl_veh_closes(const struct ctl *c);
/* Play the close / open sequence from t_us; its first frames go out now. */
void ctl_veh_close(struct ctl *c, int64_t t_us);
void ctl_veh_open(struct ctl *c, int64_t t_us);
/* A close or open sequence still has steps to run. */
bool ctl_veh_busy(const struct ctl *c);

/* ctl_out.c */
void ctl_cmd_apply(struct ctl *c, const struct step_cmd *cmd, int64_t t_us);
void ctl_cmd_safe_off(struct ctl *c, int64_t t_us);
void ctl_measure(struct ctl *c, int64_t t_us, bool force);
/* Best pack voltage/current: the cycler's when fresh, else the BMS's. */
bool ctl_pack_mV(const struct ctl *c, int64_t t_us, int32_t *mV);
bool ctl_current_mA(const struct ctl *c, int64_t t_us, int32_t *mA);
void ctl_event(struct ctl *c, int64_t t_us, const char *severity,
	       const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void ctl_log_sample(struct ctl *c, int64_t t_us);
void ctl_log_step(struct ctl *c, const struct run_step *st);
void ctl_note(struct ctl *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
