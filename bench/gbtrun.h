/* SPDX-License-Identifier: Apache-2.0 */
/* gbtrun.h - a run's GB/T 27930 charge sessions: the charger's session
 * (gbt_session.h) on the bench's J1939 endpoint, the BMS's measurements
 * into the pack state, its demand as the charge limits
 * (docs/gbt27930.md, "The controller as the charger").
 *
 * Into packstate: BCS pack voltage, current and SOC; its highest cell (at
 * the number BSM gives); BMV cells; BMT probes; BSM's hottest and coldest
 * probe. Cells and probes count as fresh for 25 s (BMV and BMT come every
 * 10 s). The BCL demand (limited by BCP and our CML) is the allowed
 * charge current, and 0 discharge.
 */
#ifndef BENCH_GBTRUN_H
#define BENCH_GBTRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/gbt_session.h"
#include "bench/step.h"

struct j1939;
struct packstate;
struct profile;

/* Something the run file should record: sev "info" | "warning", a code
 * ("bench:GBT_SESSION") and the message. */
typedef void (*gbtrun_event_fn)(void *ctx, const char *sev, const char *code,
				const char *msg, int64_t t_us);

struct gbtrun_cfg {
	struct j1939 *link; /* bound to 0x56 on the BMS bus */
	const struct profile *profile;
	struct packstate *ps;
	gbtrun_event_fn event;
	void *ctx;
};

/* Why the BMS or the session ended a charge in a way that must stop the
 * run: a BSM or BST fault, or the session failing (comm). */
enum gbtrun_fault {
	GBTRUN_OK = 0,
	GBTRUN_BMS_FAULT, /* BSM flag, or BST with a fault reason */
	GBTRUN_COMM,	  /* the session gave up (CEM/BEM, no reconnect) */
	GBTRUN_MISMATCH,  /* BMV/BMT counts differ from the profile */
};

struct gbtrun;

int gbtrun_new(const struct gbtrun_cfg *cfg, struct gbtrun **out);
void gbtrun_free(struct gbtrun *g);

/* Start a session (plug-in); a session already open is left alone. */
void gbtrun_start(struct gbtrun *g, int64_t t_us);
/* End the open session (CST "manual"); none open: nothing. */
void gbtrun_stop(struct gbtrun *g, int64_t t_us);
/* Groups in, the session ticked with our measured output; returns the
 * PACK_UPD_* bits the BMS's values changed. */
unsigned gbtrun_tick(struct gbtrun *g, int64_t t_us, int32_t out_mV,
		     int32_t out_mA);
enum step_session gbtrun_session(const struct gbtrun *g);
/* The BCL voltage demand (limited by BCP and CML), 0 when not charging. */
int32_t gbtrun_volt_max_mV(const struct gbtrun *g);
/* The BMS asks for constant voltage (BCL mode 1): it holds its highest
 * cell, which then reads steady while the others move. */
bool gbtrun_bms_cv(const struct gbtrun *g);
/* A fault to stop the run for (it stays), its message in msg. */
enum gbtrun_fault gbtrun_fault(const struct gbtrun *g, char *msg, size_t len);

#endif
