/* SPDX-License-Identifier: Apache-2.0 */
/* gbt_session.h - the charger's side of a GB/T 27930 charging session,
 * pure: the caller passes the time in, feeds the BMS's messages (already
 * reassembled by the J1939 transport, kernel or user space) and sends
 * what the session hands to its send callback to address 0xF4.
 *
 * Stages (docs/gbt27930.md):
 *   HANDSHAKE    CHM every 250 ms until BHM (2015); none in 5 s = a 2011
 *                BMS, which waits for CRM
 *   RECOGNITION  CRM 0x00 until BRM (5 s, CEM BRM); then CRM 0xAA until
 *                BCP (5 s, CEM BCP); BCP checked against our CML range
 *   CONFIG       CTS every 500 ms and CML every 250 ms until BRO 0xAA
 *                (any BRO within 5 s, 0xAA within 60 s, else CEM BRO)
 *   PRECHARGE    CRO 0x00 until the caller says the output is ready
 *   CHARGING     CRO 0xAA until the first BCL, then CCS every 50 ms;
 *                BCL 1 s (CEM BCL) and BCS 5 s (CEM BCS) timeouts; BSM
 *                faults stop, BSM "forbid" pauses (10 min at most)
 *   STOPPING     CST every 10 ms until BSD; BST within 5 s (CEM BST),
 *                BSD within 10 s of BST (CEM BSD)
 *   STATISTICS   CSD every 250 ms, six times, then DONE
 *   ERROR        a timeout: CEM every 250 ms for 3.5 s, or a BEM: 3.5 s
 *                quiet; then RECOGNITION again, at most 3 times, after
 *                which (or after a timeout while stopping) FAILED
 */
#ifndef BENCH_GBT_SESSION_H
#define BENCH_GBT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "gbt.h"

enum gbt_state {
	GBT_ST_IDLE = 0,
	GBT_ST_HANDSHAKE,
	GBT_ST_RECOGNITION,
	GBT_ST_RECOGNISED,
	GBT_ST_CONFIG,
	GBT_ST_PRECHARGE,
	GBT_ST_CHARGING,
	GBT_ST_STOPPING,
	GBT_ST_STATISTICS,
	GBT_ST_ERROR,
	GBT_ST_DONE,
	GBT_ST_FAILED,
};

/* Send one message to the BMS; <0 = could not (logged by the sender). */
typedef int (*gbt_send_fn)(void *ctx, uint32_t pgn, uint8_t prio,
			   const uint8_t *d, size_t len);

struct gbt_session_cfg {
	struct gbt_cml cml;  /* our output range, declared in CML */
	uint32_t charger_no; /* CRM and CSD; 0xFFFFFFFF = not given */
	bool send_cts;	     /* CTS (optional) with the time below */
	struct gbt_cts time; /* fixed: the session has no wall clock */
	bool auto_ready;     /* CRO 0xAA at once (no precharge) */
	bool force_2011;     /* skip CHM: talk 2011 from the start */
};

/* Why the session stopped or failed. Codes sets are bit masks of
 * the 2-bit fields with code 1 (see gbt.h). */
enum gbt_stop_by {
	GBT_STOP_NONE = 0,
	GBT_STOP_BMS,	   /* BST */
	GBT_STOP_CALLER,   /* gbt_session_stop */
	GBT_STOP_BSM,	   /* a BSM fault */
	GBT_STOP_PAUSE,	   /* BSM forbade charging for 10 min */
	GBT_STOP_SOC_FULL, /* SOC 100 % for 2 min */
	GBT_STOP_BCP,	   /* BCP outside our range */
	GBT_STOP_GIVE_UP,  /* 3 reconnections failed */
};

struct gbt_session {
	struct gbt_session_cfg cfg;
	gbt_send_fn send;
	void *ctx;

	enum gbt_state state;
	enum gbt_edition edition;
	int64_t stage_us;    /* when the current stage (or wait) began */
	int64_t next_us[16]; /* per schedule row: next send */
	uint8_t reconnects;  /* comm breaks recovered from */
	uint8_t csd_sent;
	bool bro_seen, bcl_seen, bst_seen, output_ready;
	bool fail_after_error; /* a timeout while stopping: no reconnect */
	int64_t bst_us, last_tick_us;
	struct gbt_codes cst, cem; /* as being sent */

	/* what the BMS told us; *_us = when (0 = never) */
	struct gbt_bhm bhm;
	struct gbt_brm brm;
	struct gbt_bcp bcp;
	struct gbt_bcl bcl;
	struct gbt_bcs bcs;
	struct gbt_bsm bsm;
	struct gbt_bmv bmv;
	struct gbt_bmt bmt;
	struct gbt_bsd bsd;
	int64_t bhm_us, brm_us, bcp_us, bcl_us, bcs_us, bsm_us, bmv_us, bmt_us,
	    bsd_us;
	int64_t pause_us;    /* BSM forbid began, 0 = not paused */
	int64_t soc_full_us; /* SOC 100 % began, 0 = not */

	/* what we report and send */
	uint16_t out_voltage_dV;
	int16_t out_current_dA; /* GB/T sign: negative = charge */
	int64_t charge_start_us;
	double energy_Wh; /* delivered while charging, for CSD */

	/* stop reasons */
	enum gbt_stop_by stop_by;
	uint16_t bst_set, cst_set, cem_set, bem_set;
};

void gbt_session_init(struct gbt_session *s, const struct gbt_session_cfg *c,
		      gbt_send_fn send, void *ctx);
/* Plug-in done: start the handshake. */
void gbt_session_start(struct gbt_session *s, int64_t now_us);
/* One message from the BMS (source 0xF4). Unknown PGNs are ignored. */
void gbt_session_on_msg(struct gbt_session *s, uint32_t pgn, const uint8_t *d,
			size_t len, int64_t now_us);
/* Send what is due and expire timers; call at least every 10 ms. */
void gbt_session_tick(struct gbt_session *s, int64_t now_us);
/* The caller's output: precharge done (CRO 0xAA may go out) and the
 * measured output reported in CCS. */
void gbt_session_output_ready(struct gbt_session *s);
void gbt_session_set_output(struct gbt_session *s, uint16_t voltage_dV,
			    int16_t current_dA);
/* Operator stop (CST "manual"). */
void gbt_session_stop(struct gbt_session *s, int64_t now_us);

/* May current flow? Only while charging, after a BCL, BSM permitting. */
bool gbt_session_output_allowed(const struct gbt_session *s);
/* The demand to apply: the BCL limited by BCP and our CML, as a charge
 * current >= 0; 0 A when output is not allowed. */
void gbt_session_demand(const struct gbt_session *s, uint16_t *voltage_dV,
			uint16_t *charge_dA);
const char *gbt_state_name(enum gbt_state st);

#endif
