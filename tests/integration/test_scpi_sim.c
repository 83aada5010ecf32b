/* SPDX-License-Identifier: Apache-2.0 */
/* test_scpi_sim.c - the whole serial chain as on a bench: the SCPI driver
 * (instr_open, xport "pty:") talks to `bench sim`'s serving loop (the
 * simulated supply on a pty, the simulated pack as its plant), the BMS
 * contactors closed by the bench heartbeat on a mem bus. */
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/instr.h"
#include "bench/sim/sim.h"
#include "bench/sim/sim_serve.h"
#include "can/canbus.h"
#include "common/rc.h"
#include "support.h"

struct server {
	struct sim *s;
	struct sim_serve_opts o;
	volatile int stop;
	int rc;
};

static void *serve_thread(void *arg)
{
	struct server *v = arg;

	v->rc = sim_serve(v->s, &v->o);
	return NULL;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The bench's BMS heartbeat (BENCH_Command, contactors closed) every
 * 5 ms of wall time, so the BMS keeps its contactors closed however long
 * a serial exchange takes. */
static struct canbus *hb_bus;
static volatile int hb_stop;

static void *heartbeat(void *arg)
{
	struct canframe f = {.id = 0x310, .len = 8};
	struct canbus_ev ev;
	unsigned alive = 0;

	(void)arg;
	while (!hb_stop) {
		f.data[0] = 1; /* Bench_ContactorReq = close */
		f.data[1] = (uint8_t)(alive++ & 15);
		canbus_send(hb_bus, &f);
		while (canbus_recv(hb_bus, &ev, 0) == 1)
			;
		poll(NULL, 0, 5);
	}
	return NULL;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(scpi_sim, .timeout = 60);

Test(scpi_sim, driver_discharges_the_simulated_pack_over_a_pty, .timeout = 60)
{
	char *dir = tmpdir_new("scpisim"), link[512], conn[520];
	char *pack = tmpfile_write(dir, "p.ini",
				   "[pack]\nchemistry = nmc\nseries = 8\n"
				   "rated_capacity_ah = 50\ninitial_soc = 0.5\n"
				   "[fault cycler_timeout]\nat = 40 s\n");
	struct instr_cfg cfg = {
	    .kind = "scpi", .model = "generic", .timeout_ms = 1000};
	struct server v = {0};
	struct instr_state st = {0};
	struct instr *in = NULL;
	struct sim_plant p;
	pthread_t th, hb;

	snprintf(link, sizeof(link), "%s/scpi", dir);
	snprintf(conn, sizeof(conn), "pty:%s", link);
	cr_assert_eq(sim_load(pack, NULL, &v.s), BENCH_OK);
	unlink(pack);
	free(pack);
	cr_assert_eq(canbus_open("mem:scpisim", NULL, &hb_bus), BENCH_OK);
	v.o.can = "mem:scpisim";
	v.o.scpi_link = link;
	/* the BMS opens after 1 s of test time without a heartbeat: at 4x a
	 * loaded machine may stall the 5 ms heartbeat for 250 ms (at 20x,
	 * 50 ms did, in CI under load) */
	v.o.speed = 4;
	v.o.stop = &v.stop;
	cr_assert_eq(pthread_create(&th, NULL, serve_thread, &v), 0);
	cr_assert_eq(pthread_create(&hb, NULL, heartbeat, NULL), 0);
	cfg.port = conn;
	for (double end = mono_s() + 5; !in && mono_s() < end;) {
		if (access(link, F_OK) == 0)
			cr_assert_eq(instr_open(&cfg, &in), BENCH_OK);
		else
			poll(NULL, 0, 10);
	}
	cr_assert_not_null(in, "no pty linked at %s", link);
	cr_assert(strstr(in->idn, "BENCH-SIM"), "%s", in->idn);

	cr_assert_eq(in->ops->set_voltage(in, 8 * 4200, 8 * 2500), BENCH_OK);
	cr_assert_eq(in->ops->set_current(in, -20000), BENCH_OK);
	cr_assert_eq(in->ops->set_output(in, true), BENCH_OK);
	/* the pack takes the current once the heartbeat closed the
	 * contactors */
	p.current_A = 0;
	for (double end = mono_s() + 10;
	     mono_s() < end &&
	     (st.current_mA > -19900 || p.current_A > -19.9);) {
		poll(NULL, 0, 5);
		cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
		sim_plant_read(v.s, &p);
	}
	cr_assert_eq(st.current_mA, -20000);
	cr_assert_float_eq(p.current_A, -20.0, 1e-3);
	cr_assert(p.contactors_closed);
	cr_assert(st.voltage_mV > 8 * 3400 && st.voltage_mV < 8 * 4000, "%d mV",
		  st.voltage_mV);

	/* fed by the driver's commands, the supply keeps the current up
	 * until the cycler_timeout fault silences it at 40 s virtual */
	while (sim_now_us(v.s) < 39000000) {
		poll(NULL, 0, 5);
		cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	}
	sim_plant_read(v.s, &p);
	cr_assert_float_eq(p.current_A, -20.0, 1e-3);
	cr_assert(st.output_on);
	while (sim_now_us(v.s) < 41000000)
		poll(NULL, 0, 5);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_ERR_TIMEOUT);
	while (sim_now_us(v.s) < 45000000)
		poll(NULL, 0, 5);
	sim_plant_read(v.s, &p);
	cr_assert_float_eq(p.current_A, 0.0, 1e-9);

	v.stop = 1;
	pthread_join(th, NULL);
	hb_stop = 1;
	pthread_join(hb, NULL);
	cr_assert_eq(v.rc, BENCH_OK);
	/* the pty is gone with the server: a vanished port */
	cr_assert_eq(in->ops->set_output(in, false), BENCH_ERR_IO);
	instr_close(in);
	canbus_close(hb_bus);
	sim_free(v.s);
	rmdir(dir);
	free(dir);
}
