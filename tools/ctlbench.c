/* SPDX-License-Identifier: Apache-2.0 */
/* ctlbench.c - controller benchmarks (tools/bench.d/ctl.sh builds it):
 *
 *   frames: BMS bursts of the simulated 96-cell BMS (32 cell frames, 14
 *           temperature frames, pack status, limits, state) fed through
 *           ctl_on_frame + ctl_tick as fast as possible with the HDF5 log
 *           attached at 10 Hz of test time; prints frames/s and the
 *           writer ring's dropped samples.
 *   reaction: a running controller gets bursts in which one cell is over
 *           its hard limit; the time from the ctl_on_frame call of the
 *           frame that trips the debounce to the cycler's zero-current
 *           command, p50/p99 over many trials.
 *
 * Wall-clock figures from CLOCK_MONOTONIC; nothing here fails on speed.
 */
#define LOG_PREFIX "ctlbench"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bms_tx.h"
#include "bench/ctl.h"
#include "runfile/h5log.h"
#include "bench/instr.h"
#include "bench/profile.h"
#include "bench/recipe.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"

#define SERIES 96
#define PROBES 16
#define TICK_US 100000

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A cycler that obeys at once and remembers when it was told zero. */
struct fake {
	int32_t current_mA;
	bool on;
	int64_t zero_ns;
};

static int f_identify(struct instr *in, char *buf, int len)
{
	(void)in;
	snprintf(buf, (size_t)len, "bench,fake,0,1");
	return BENCH_OK;
}

static int f_set_current(struct instr *in, int32_t mA)
{
	struct fake *f = in->priv;

	if (mA == 0 && f->current_mA != 0)
		f->zero_ns = now_ns();
	f->current_mA = mA;
	return BENCH_OK;
}

static int f_set_voltage(struct instr *in, int32_t hi, int32_t lo)
{
	(void)in;
	(void)hi;
	(void)lo;
	return BENCH_OK;
}

static int f_set_output(struct instr *in, bool on)
{
	((struct fake *)in->priv)->on = on;
	return BENCH_OK;
}

static int f_measure(struct instr *in, struct instr_state *st)
{
	struct fake *f = in->priv;

	st->mask = INSTR_VOLTAGE | INSTR_CURRENT | INSTR_OUTPUT;
	st->voltage_mV = 355000;
	st->current_mA = f->on ? f->current_mA : 0;
	st->output_on = f->on;
	return BENCH_OK;
}

static void f_close(struct instr *in)
{
	(void)in;
}

/* clang-format off */
static const struct instr_ops fake_ops = {
	.name = "fake",
	.identify = f_identify,
	.set_current = f_set_current,
	.set_voltage = f_set_voltage,
	.set_output = f_set_output,
	.measure = f_measure,
	.close = f_close,
};
/* clang-format on */

struct burst {
	struct canframe f[64];
	unsigned n;
	unsigned ov_frame; /* index of the frame carrying cell 50 */
};

static void put(const struct dbc *db, const char *msg, const char *sig,
		struct canframe *f, double v)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, msg);

	f->id = m->id;
	f->len = m->size;
	cansig_encode(dbc_sig_by_name(m, sig), f->data, f->len, v);
}

/* One 100 ms burst of the simulated BMS; cell 50 at cell50_V. */
static void make_burst(const struct dbc *db, double cell50_V, struct burst *b)
{
	char name[32];

	memset(b, 0, sizeof(*b));
	for (unsigned blk = 0; blk < SERIES / 3; blk++) {
		struct canframe *f = &b->f[b->n++];

		put(db, "BMS_CellVoltages", "CellV_Block", f, blk);
		for (unsigned k = 0; k < 3; k++) {
			unsigned cell = blk * 3 + k + 1;

			snprintf(name, sizeof(name), "Cell%03u_V", cell);
			put(db, "BMS_CellVoltages", name, f,
			    cell == 50 ? cell50_V : 3.700);
			if (cell == 50)
				b->ov_frame = b->n - 1;
		}
	}
	for (unsigned blk = 0; blk * 7 < PROBES; blk++) {
		struct canframe *f = &b->f[b->n++];

		put(db, "BMS_Temperatures", "Temp_Block", f, blk);
		for (unsigned k = 0; k < 7 && blk * 7 + k < PROBES; k++) {
			snprintf(name, sizeof(name), "Temp%03u_C",
				 blk * 7 + k + 1);
			put(db, "BMS_Temperatures", name, f, 25);
		}
	}
	put(db, "BMS_PackStatus", "Pack_Voltage", &b->f[b->n], 355.2);
	put(db, "BMS_PackStatus", "Pack_Current", &b->f[b->n], 0);
	put(db, "BMS_PackStatus", "Pack_SOC", &b->f[b->n++], 50);
	put(db, "BMS_Limits", "BMS_CCL", &b->f[b->n], 150);
	put(db, "BMS_Limits", "BMS_DCL", &b->f[b->n++], 300);
	put(db, "BMS_State", "Contactor_State", &b->f[b->n++], 2);
}

struct rig {
	struct dbc *db;
	struct profile prof;
	struct recipe recipe;
	struct fake fake;
	struct instr in;
	struct canbus *bus; /* the heartbeat goes here, nobody listens */
	struct bms_tx *tx;
};

static struct ctl *new_ctl(struct rig *r, struct h5log *log)
{
	/* clang-format off */
	struct ctl_cfg cc = {
		.recipe = &r->recipe,
		.profile = &r->prof,
		.bms_dbc = r->db,
		.cycler = &r->in,
		.log = log,
		.pack_id = "bench",
		.ambient_C = 25,
	};
	/* clang-format on */
	struct ctl *c;

	memset(&r->fake, 0, sizeof(r->fake));
	if (bms_tx_new(r->db, &r->prof, r->bus, &r->tx) < 0)
		exit(1);
	cc.bms_tx = r->tx;
	if (ctl_new(&cc, &c) < 0)
		exit(1);
	return c;
}

static void feed(struct ctl *c, const struct burst *b, int64_t t_us)
{
	for (unsigned i = 0; i < b->n; i++)
		ctl_on_frame(c, &b->f[i], t_us);
	ctl_tick(c, t_us);
}

static void quiet_sink(void *ctx, enum log_level l, const char *p,
		       const char *m)
{
	(void)ctx;
	(void)l;
	(void)p;
	(void)m;
}

static int bench_frames(struct rig *r, const char *h5, double seconds)
{
	struct run_meta meta = {.series = SERIES,
				.n_probes = PROBES,
				.parallel = 1,
				.modules = 8,
				.rated_capacity_ah = 94};
	struct h5log_stats st;
	struct h5log *log;
	struct burst b;
	struct ctl *c;
	uint64_t frames = 0;
	int64_t t = 0, t0, el;

	snprintf(meta.pack_id, sizeof(meta.pack_id), "bench");
	snprintf(meta.chemistry, sizeof(meta.chemistry), "nmc");
	snprintf(meta.status, sizeof(meta.status), "running");
	if (h5log_create(h5, &meta, NULL, &log) < 0)
		return 1;
	c = new_ctl(r, log);
	make_burst(r->db, 3.700, &b);
	t0 = now_ns();
	do {
		for (int k = 0; k < 100; k++) {
			t += TICK_US;
			feed(c, &b, t);
			frames += b.n;
		}
		el = now_ns() - t0;
	} while (el < (int64_t)(seconds * 1e9));
	h5log_flush(log);
	h5log_get_stats(log, &st);
	if (ctl_done(c)) {
		fprintf(stderr, "controller stopped: %s\n", ctl_end_reason(c));
		return 1;
	}
	printf("control loop: %.0f frames/s (%llu frames, %.1f h of test "
	       "time in %.2f s, %.0fx real time); log samples written %llu, "
	       "dropped %llu\n",
	       frames / (el / 1e9), (unsigned long long)frames, t / 3.6e9,
	       el / 1e9, (t / 1e6) / (el / 1e9),
	       (unsigned long long)st.samples_written,
	       (unsigned long long)st.samples_dropped);
	h5log_close(log, "complete", "benchmark");
	ctl_free(c);
	bms_tx_free(r->tx);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int bench_reaction(struct rig *r, int trials)
{
	struct burst ok, ov;
	int64_t *lat = calloc((size_t)trials, sizeof(int64_t));
	int n = 0;

	make_burst(r->db, 3.700, &ok);
	make_burst(r->db, 4.400, &ov);
	for (int i = 0; i < trials; i++) {
		struct ctl *c = new_ctl(r, NULL);
		int64_t t = 0;

		/* until current flows */
		for (int k = 0; k < 50 && !r->fake.on; k++)
			feed(c, &ok, t += TICK_US);
		if (!r->fake.on) {
			fprintf(stderr, "controller never switched on\n");
			return 1;
		}
		for (int k = 0;
		     k < 20 && !ctl_done(c) && r->fake.current_mA != 0; k++) {
			t += TICK_US;
			for (unsigned j = 0; j < ov.n; j++) {
				int64_t t0 = now_ns();

				ctl_on_frame(c, &ov.f[j], t);
				if (r->fake.current_mA == 0) {
					lat[n++] = r->fake.zero_ns - t0;
					break;
				}
			}
			if (r->fake.current_mA)
				ctl_tick(c, t);
		}
		ctl_free(c);
		bms_tx_free(r->tx);
	}
	if (!n) {
		fprintf(stderr, "no over-voltage abort seen\n");
		return 1;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
	printf("safety reaction (over-voltage frame -> zero-current "
	       "command, in process, %d trials): p50 %.1f us, p99 %.1f us, "
	       "max %.1f us\n",
	       n, lat[n / 2] / 1e3, lat[(n * 99) / 100] / 1e3,
	       lat[n - 1] / 1e3);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	struct dbc_opts dopts = {.quiet = true};
	struct rig r = {0};
	const char *h5 = argc > 1 ? argv[1] : "/tmp/ctlbench.h5";
	double seconds = argc > 2 ? atof(argv[2]) : 3.0;

	log_set_sink(quiet_sink, NULL);
	if (dbc_load_file("fixtures/dbc/sim_bms.dbc", &dopts, &r.db) < 0 ||
	    profile_for_sim("nmc", SERIES, 1, 8, PROBES, 94,
			    "fixtures/dbc/sim_bms.dbc", &r.prof) < 0 ||
	    recipe_parse("log every 100 ms\n"
			 "Discharge at C/3 for 1000 hours\n",
			 "bench", &r.recipe) < 0) {
		fprintf(stderr, "setup failed (run from the repo root)\n");
		return 1;
	}
	if (canbus_open("mem:ctlbench", NULL, &r.bus) < 0)
		return 1;
	r.in.ops = &fake_ops;
	r.in.priv = &r.fake;
	if (bench_frames(&r, h5, seconds) || bench_reaction(&r, 2000))
		return 1;
	unlink(h5);
	return 0;
}
