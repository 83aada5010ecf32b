/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_rig.h - a controller on hand-made BMS frames (the simulated BMS's
 * DBC, 96 cells) with a recording fake cycler, a heartbeat on a mem bus and
 * a real run file: shared by the controller's unit tests. Header-only. */
#ifndef BENCH_TESTS_CTL_RIG_H
#define BENCH_TESTS_CTL_RIG_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "bench/bms_tx.h"
#include "bench/ctl.h"
#include "runfile/h5log.h"
#include "bench/instr.h"
#include "bench/profile.h"
#include "bench/recipe.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

#define SERIES 96
#define PROBES 16
#define TICK_US 100000

/* Everything that happens, in order: cycler calls and what the abort
 * event saw on the bus when it was recorded. */
static char calls[4096];

static inline void rec(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(calls);

	va_start(ap, fmt);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
}

struct fake {
	int32_t current_mA;
	bool on;
	bool dead;
	bool refuse; /* set_current: taken, then reported refused */
};

static struct fake fk;
static struct bms_tx *tx;

/* A test file may have the contactors follow something other than the
 * heartbeat's request (the BMS reports it, the fake judges the order by
 * it), and see the other frames the bench sends (vehicle frames) as
 * note() drains them. */
static bool (*rig_contactor_closed)(void);
static void (*rig_frame_hook)(const struct canframe *f);

static inline bool rig_closed(void)
{
	return rig_contactor_closed ? rig_contactor_closed()
				    : bms_tx_contactor_requested(tx);
}

static inline int f_set_current(struct instr *in, int32_t mA)
{
	(void)in;
	if (mA == 0 && fk.on && !rig_closed())
		rec("zero-after-open;");
	else if (mA == 0)
		rec("zero;");
	fk.current_mA = mA;
	return fk.refuse ? BENCH_ERR_PROTO : BENCH_OK;
}

static inline int f_set_voltage(struct instr *in, int32_t hi, int32_t lo)
{
	(void)in;
	(void)hi;
	(void)lo;
	return BENCH_OK;
}

static inline int f_set_output(struct instr *in, bool on)
{
	(void)in;
	/* current flowing means the contactors were closed: opening them
	 * before the output is off breaks the current under load */
	if (!on && fk.on && !rig_closed())
		rec("off-after-open;");
	else
		rec(on ? "on;" : "off;");
	fk.on = on;
	return BENCH_OK;
}

static inline int f_measure(struct instr *in, struct instr_state *st)
{
	(void)in;
	if (fk.dead)
		return BENCH_ERR_TIMEOUT;
	st->mask = INSTR_VOLTAGE | INSTR_CURRENT;
	st->voltage_mV = 355000;
	st->current_mA = fk.on ? fk.current_mA : 0;
	return BENCH_OK;
}

/* clang-format off */
static const struct instr_ops fake_ops = {
	.name = "fake",
	.set_current = f_set_current,
	.set_voltage = f_set_voltage,
	.set_output = f_set_output,
	.measure = f_measure,
};
/* clang-format on */

/* The recipe setup() parses; a test file may point it elsewhere. */
static const char *rig_recipe = "log every 1 s\n"
				"Discharge at C/3 for 10 hours\n";

/* The bench file's [bms] restart_ms the controller is built with. */
static uint32_t rig_bus_restart_ms;
/* A test file may add polls to the profile and give their links. */
static void (*rig_profile_hook)(struct profile *p);
static struct isotp *const *rig_poll_links;

static struct dbc *db;
static struct profile prof;
static struct recipe recipe;
static struct instr in = {.ops = &fake_ops};
static struct canbus *bus, *peer;
static struct ctl *c;
static struct h5log *log5;
static char *h5path;

/* At event time: has the contactor open request already gone out? */
static inline void note(void *ctx, const char *msg)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, "BENCH_Command");
	const struct dbc_sig *s = dbc_sig_by_name(m, "Bench_ContactorReq");
	struct canbus_ev ev;
	bool open_sent = false;

	(void)ctx;
	while (canbus_recv(peer, &ev, 0) == 1)
		if (ev.kind == CANBUS_EV_FRAME && ev.frame.id == m->id)
			open_sent =
			    cansig_decode(s, ev.frame.data, ev.frame.len) == 0;
		else if (ev.kind == CANBUS_EV_FRAME && rig_frame_hook)
			rig_frame_hook(&ev.frame);
	if (!strncmp(msg, "abort", 5))
		rec("event(open_sent=%d);", open_sent);
}

static inline void put(const char *msg, const char *sig, struct canframe *f,
		       double v)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, msg);

	f->id = m->id;
	f->len = m->size;
	cr_assert_eq(cansig_encode(dbc_sig_by_name(m, sig), f->data, f->len, v),
		     BENCH_OK, "%s", sig);
}

/* One 100 ms burst of the simulated BMS with cell 50 at cell50_V. */
static inline void burst(double cell50_V, int64_t t)
{
	struct canframe f;
	char name[32];

	for (unsigned blk = 0; blk < SERIES / 3; blk++) {
		memset(&f, 0, sizeof(f));
		put("BMS_CellVoltages", "CellV_Block", &f, blk);
		for (unsigned k = 0; k < 3; k++) {
			unsigned cell = blk * 3 + k + 1;

			snprintf(name, sizeof(name), "Cell%03u_V", cell);
			put("BMS_CellVoltages", name, &f,
			    cell == 50 ? cell50_V : 3.700);
		}
		ctl_on_frame(c, &f, t);
	}
	for (unsigned blk = 0; blk * 7 < PROBES; blk++) {
		memset(&f, 0, sizeof(f));
		put("BMS_Temperatures", "Temp_Block", &f, blk);
		for (unsigned k = 0; k < 7 && blk * 7 + k < PROBES; k++) {
			snprintf(name, sizeof(name), "Temp%03u_C",
				 blk * 7 + k + 1);
			put("BMS_Temperatures", name, &f, 25);
		}
		ctl_on_frame(c, &f, t);
	}
	memset(&f, 0, sizeof(f));
	put("BMS_PackStatus", "Pack_Voltage", &f, 355.2);
	put("BMS_PackStatus", "Pack_Current", &f, fk.current_mA / 1000.0);
	ctl_on_frame(c, &f, t);
	memset(&f, 0, sizeof(f));
	put("BMS_Limits", "BMS_CCL", &f, 150);
	put("BMS_Limits", "BMS_DCL", &f, 300);
	ctl_on_frame(c, &f, t);
	memset(&f, 0, sizeof(f));
	/* the BMS follows the bench's request */
	put("BMS_State", "Contactor_State", &f, rig_closed() ? 2 : 0);
	ctl_on_frame(c, &f, t);
}

static inline void setup(void)
{
	struct dbc_opts dopts = {.quiet = true};
	struct run_meta meta = {.series = SERIES,
				.n_probes = PROBES,
				.parallel = 1,
				.modules = 8,
				.rated_capacity_ah = 94};
	char name[64];
	struct ctl_cfg cc = {0};
	char *dir = tmpdir_new("ctlabort");

	calls[0] = '\0';
	memset(&fk, 0, sizeof(fk));
	cr_assert_eq(dbc_load_file("fixtures/dbc/sim_bms.dbc", &dopts, &db),
		     BENCH_OK, "run from the repo root");
	cr_assert_eq(profile_for_sim("nmc", SERIES, 1, 8, PROBES, 94,
				     "fixtures/dbc/sim_bms.dbc", &prof),
		     BENCH_OK);
	if (rig_profile_hook)
		rig_profile_hook(&prof);
	cr_assert_eq(recipe_parse(rig_recipe, "t.txt", &recipe), BENCH_OK);
	snprintf(name, sizeof(name), "mem:ctlabort-%d", (int)getpid());
	cr_assert_eq(canbus_open(name, NULL, &bus), BENCH_OK);
	cr_assert_eq(canbus_open(name, NULL, &peer), BENCH_OK);
	cr_assert_eq(bms_tx_new(db, &prof, bus, &tx), BENCH_OK);
	cr_assert_not_null(tx);
	h5path = malloc(strlen(dir) + 10);
	sprintf(h5path, "%s/r.h5", dir);
	free(dir);
	snprintf(meta.pack_id, sizeof(meta.pack_id), "t");
	snprintf(meta.chemistry, sizeof(meta.chemistry), "nmc");
	snprintf(meta.status, sizeof(meta.status), "running");
	cr_assert_eq(h5log_create(h5path, &meta, NULL, &log5), BENCH_OK);
	cc.recipe = &recipe;
	cc.profile = &prof;
	cc.bms_dbc = db;
	cc.cycler = &in;
	cc.bms_tx = tx;
	cc.bms_bus = bus;
	cc.log = log5;
	cc.pack_id = "t";
	cc.ambient_C = 25;
	cc.note = note;
	cc.bus_restart_ms = rig_bus_restart_ms;
	cc.poll_links = rig_poll_links;
	cr_assert_eq(ctl_new(&cc, &c), BENCH_OK);
}

/* Close the run file with the controller's verdict (once). */
static inline int close_log(void)
{
	int rc = BENCH_OK;

	if (log5)
		rc = h5log_close(log5, ctl_end_status(c), ctl_end_reason(c));
	log5 = NULL;
	return rc;
}

static inline void teardown(void)
{
	close_log();
	free(h5path);
	profile_release(&prof);
	ctl_free(c);
	bms_tx_free(tx);
	canbus_close(bus);
	canbus_close(peer);
	recipe_release(&recipe);
	dbc_free(db);
}

/* Run to current flowing; returns the test time. */
static inline int64_t start_running(void)
{
	int64_t t = 0;

	for (int k = 0; k < 100 && !fk.on; k++) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
	}
	cr_assert(fk.on, "output never switched on: %s", calls);
	cr_assert_lt(fk.current_mA, 0, "discharging");
	return t;
}

/* Tick until done (the fake reads zero at once); close the file. */
static inline int64_t finish(int64_t t)
{
	for (int k = 0; k < 200 && !ctl_done(c); k++) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
	}
	cr_assert(ctl_done(c));
	cr_assert_eq(close_log(), BENCH_OK);
	return t;
}

/* Bursts and ticks for us (time moves on by us); returns the test time. */
static inline int64_t run_for(int64_t t, int64_t us)
{
	for (int64_t end = t + us; t < end;) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
	}
	return t;
}

/* Every row's current (A) and time (s) of the closed run file: returns
 * the row count, at most max. */
static inline size_t read_rows(double *a, double *t_s, size_t max)
{
	struct runfile *rf;
	size_t n;

	cr_assert_eq(runfile_open(h5path, &rf), BENCH_OK);
	n = runfile_rows(rf);
	if (n > max)
		n = max;
	cr_assert_gt(n, 0);
	cr_assert_eq(runfile_read_col(rf, "current_ampere", 0, n, a), BENCH_OK);
	cr_assert_eq(runfile_read_col(rf, "test_time_second", 0, n, t_s),
		     BENCH_OK);
	runfile_close(rf);
	return n;
}

static inline double last_current(void)
{
	struct runfile *rf;
	double a = NAN;
	size_t n;

	cr_assert_eq(runfile_open(h5path, &rf), BENCH_OK);
	n = runfile_rows(rf);
	cr_assert_gt(n, 0);
	runfile_read_col(rf, "current_ampere", n - 1, 1, &a);
	cr_expect_str_eq(runfile_meta(rf)->status, "aborted");
	runfile_close(rf);
	return a;
}

#endif
