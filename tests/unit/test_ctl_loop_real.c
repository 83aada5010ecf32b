/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_loop_real.c - the real-bench epoll loop on wall time: a BMS
 * thread talks on an in-process bus (polled on the timerfd tick), the
 * controller closes the contactors and drives current, the control socket
 * answers, and SIGTERM through the signalfd is a safe stop. Test time comes
 * from CLOCK_MONOTONIC only. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "bench/bms_tx.h"
#include "bench/ctl.h"
#include "app/ctlsock.h"
#include "bench/instr.h"
#include "app/loop.h"
#include "bench/profile.h"
#include "bench/recipe.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

#define SERIES 12
#define PROBES 2

static atomic_int cur_mA;
static atomic_bool out_on;
static atomic_bool close_req;
static atomic_bool stop_bms;

static int f_set_current(struct instr *in, int32_t mA)
{
	(void)in;
	cur_mA = mA;
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
	(void)in;
	out_on = on;
	return BENCH_OK;
}

static int f_measure(struct instr *in, struct instr_state *st)
{
	(void)in;
	st->mask = INSTR_VOLTAGE | INSTR_CURRENT;
	st->voltage_mV = 44400;
	st->current_mA = out_on ? cur_mA : 0;
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

static struct dbc *db;

static void put(const char *msg, const char *sig, struct canframe *f, double v)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, msg);

	f->id = m->id;
	f->len = m->size;
	cansig_encode(dbc_sig_by_name(m, sig), f->data, f->len, v);
}

/* The BMS: a burst every 100 ms; follows the bench's contactor request. */
static void *bms_main(void *arg)
{
	struct canbus *peer = arg;
	const struct dbc_msg *cmd = dbc_msg_by_name(db, "BENCH_Command");
	const struct dbc_sig *req = dbc_sig_by_name(cmd, "Bench_ContactorReq");

	while (!stop_bms) {
		struct canbus_ev ev;
		struct canframe f;
		char name[32];

		while (canbus_recv(peer, &ev, 0) == 1)
			if (ev.kind == CANBUS_EV_FRAME &&
			    ev.frame.id == cmd->id)
				close_req = cansig_decode(req, ev.frame.data,
							  ev.frame.len) == 1;
		for (unsigned blk = 0; blk < SERIES / 3; blk++) {
			memset(&f, 0, sizeof(f));
			put("BMS_CellVoltages", "CellV_Block", &f, blk);
			for (unsigned k = 0; k < 3; k++) {
				snprintf(name, sizeof(name), "Cell%03u_V",
					 blk * 3 + k + 1);
				put("BMS_CellVoltages", name, &f, 3.7);
			}
			canbus_send(peer, &f);
		}
		memset(&f, 0, sizeof(f));
		put("BMS_Temperatures", "Temp_Block", &f, 0);
		put("BMS_Temperatures", "Temp001_C", &f, 25);
		put("BMS_Temperatures", "Temp002_C", &f, 26);
		canbus_send(peer, &f);
		memset(&f, 0, sizeof(f));
		put("BMS_PackStatus", "Pack_Voltage", &f, 44.4);
		put("BMS_PackStatus", "Pack_Current", &f,
		    out_on ? cur_mA / 1000.0 : 0);
		canbus_send(peer, &f);
		memset(&f, 0, sizeof(f));
		put("BMS_Limits", "BMS_CCL", &f, 50);
		put("BMS_Limits", "BMS_DCL", &f, 100);
		canbus_send(peer, &f);
		memset(&f, 0, sizeof(f));
		put("BMS_State", "Contactor_State", &f, close_req ? 2 : 0);
		canbus_send(peer, &f);
		usleep(100000);
	}
	return NULL;
}

struct client {
	char sock[256];
	char status[1024];
	int status_rc;
};

/* Another "process": asks for status while current flows, then SIGTERM. */
static void *client_main(void *arg)
{
	struct client *cl = arg;

	for (int i = 0; i < 300 && !out_on; i++)
		usleep(10000);
	usleep(300000);
	cl->status_rc = ctlsock_request(cl->sock, "status", cl->status,
					sizeof(cl->status), 2000);
	kill(getpid(), SIGTERM);
	return NULL;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_loop_real, .timeout = 60);

Test(ctl_loop_real, runs_on_wall_time_and_stops_on_sigterm, .timeout = 30)
{
	struct dbc_opts dopts = {.quiet = true};
	struct profile prof;
	struct recipe recipe;
	struct instr in = {.ops = &fake_ops};
	struct canbus *bus, *peer;
	struct bms_tx *tx;
	struct ctlsock *sock;
	struct ctl_cfg cc = {0};
	struct ctl *c;
	struct client cl = {0};
	pthread_t bms, client;
	sigset_t set;
	char name[64];
	struct run_status st;
	struct timespec a, b;
	struct loop_io io = {.sig_fd = -1};

	char *rt = tmpdir_new("ctlloop");

	setenv("BENCH_RUNTIME_DIR", rt, 1);
	free(rt);
	cr_assert_eq(dbc_load_file("fixtures/dbc/sim_bms.dbc", &dopts, &db),
		     BENCH_OK, "run from the repo root");
	cr_assert_eq(profile_for_sim("nmc", SERIES, 1, 1, PROBES, 10,
				     "fixtures/dbc/sim_bms.dbc", &prof),
		     BENCH_OK);
	cr_assert_eq(
	    recipe_parse("Discharge at C/3 for 10 hours\n", "t", &recipe),
	    BENCH_OK);
	snprintf(name, sizeof(name), "mem:ctlloop-%d", (int)getpid());
	cr_assert_eq(canbus_open(name, NULL, &bus), BENCH_OK);
	cr_assert_eq(canbus_open(name, NULL, &peer), BENCH_OK);
	cr_assert_eq(bms_tx_new(db, &prof, bus, &tx), BENCH_OK);
	cc.recipe = &recipe;
	cc.profile = &prof;
	cc.bms_dbc = db;
	cc.cycler = &in;
	cc.bms_tx = tx;
	cc.pack_id = "LOOP-1";
	cc.ambient_C = 25;
	cr_assert_eq(ctl_new(&cc, &c), BENCH_OK);
	cr_assert_eq(ctlsock_open("LOOP-1", &sock), BENCH_OK);
	snprintf(cl.sock, sizeof(cl.sock), "%s", ctlsock_name(sock));

	/* blocked in every thread, read through the signalfd */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	io.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	cr_assert_geq(io.sig_fd, 0);
	pthread_create(&bms, NULL, bms_main, peer);
	pthread_create(&client, NULL, client_main, &cl);

	io.ctl = c;
	io.bms_bus = bus;
	io.sock = sock;
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(loop_real_run(&io, 10000), BENCH_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(client, NULL);
	stop_bms = true;
	pthread_join(bms, NULL);

	cr_expect(ctl_done(c));
	cr_expect_eq(io.stop_signal, SIGTERM);
	cr_expect_str_eq(ctl_end_code(c), "bench:SIGNAL_STOP");
	cr_expect_not(out_on, "output left on");
	cr_expect_eq(cl.status_rc, BENCH_OK);
	cr_expect(strstr(cl.status, "\"pack_id\":\"LOOP-1\""), "%s", cl.status);
	cr_expect(strstr(cl.status, "\"state\":\"running\""), "%s", cl.status);
	/* test time follows the monotonic clock */
	ctl_status(c, &st);
	cr_expect_gt(st.test_s, 0.3);
	cr_expect_leq(st.test_s, (b.tv_sec - a.tv_sec) +
				     (b.tv_nsec - a.tv_nsec) / 1e9 + 0.05);
	ctl_free(c);
	ctlsock_close(sock);
	bms_tx_free(tx);
	canbus_close(bus);
	canbus_close(peer);
	close(io.sig_fd);
	recipe_release(&recipe);
	profile_release(&prof);
	dbc_free(db);
}
