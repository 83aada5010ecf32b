/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_serve.c - `bench sim`'s serving loop: the BMS on a bus and the
 * SCPI supply on a real pseudo-terminal, the pack as its plant, paced
 * virtual time, the cycler_timeout fault silencing the supply, clean stop. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

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

/* Send one line, wait up to timeout_s for one reply line. */
static int ask(int fd, const char *cmd, char *reply, size_t cap,
	       double timeout_s)
{
	size_t n = 0;
	double end = mono_s() + timeout_s;

	cr_assert_eq(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	while (mono_s() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, 20) == 1) {
			ssize_t k = read(fd, reply + n, cap - 1 - n);
			if (k > 0)
				n += (size_t)k;
			reply[n] = 0;
			if (n && reply[n - 1] == '\n')
				return (int)n;
		}
	}
	reply[n] = 0;
	return -1;
}

static void heartbeat(struct canbus *bench, unsigned *alive)
{
	struct canframe f = {.id = 0x310, .len = 8};
	struct canbus_ev ev;

	f.data[0] = 1;
	f.data[1] = (uint8_t)((*alive)++ & 15);
	canbus_send(bench, &f);
	while (canbus_recv(bench, &ev, 0) == 1)
		;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_serve, .timeout = 60);

Test(sim_serve, scpi_supply_on_a_pty_drives_the_pack)
{
	char *dir = tmpdir_new("serve"), link[512], reply[256];
	char *pack = tmpfile_write(dir, "p.ini",
				   "[pack]\nchemistry = nmc\nseries = 8\n"
				   "rated_capacity_ah = 50\ninitial_soc = 0.5\n"
				   "[fault cycler_timeout]\nat = 60 s\n");
	struct server v = {0};
	struct canbus *bench;
	struct termios tio;
	pthread_t th;
	unsigned alive = 0;
	int fd = -1;
	double I = 0;

	snprintf(link, sizeof(link), "%s/scpi", dir);
	cr_assert_eq(sim_load(pack, NULL, &v.s), 0);
	cr_assert_eq(canbus_open("mem:serve", NULL, &bench), 0);
	v.o.can = "mem:serve";
	v.o.scpi_link = link;
	v.o.speed = 20; /* 60 s virtual = 3 s wall */
	v.o.stop = &v.stop;
	cr_assert_eq(pthread_create(&th, NULL, serve_thread, &v), 0);
	for (double end = mono_s() + 5; fd < 0 && mono_s() < end;) {
		fd = open(link, O_RDWR | O_NOCTTY);
		if (fd < 0)
			poll(NULL, 0, 10);
	}
	cr_assert_geq(fd, 0, "no pty linked at %s", link);
	tcgetattr(fd, &tio);
	cfmakeraw(&tio);
	tcsetattr(fd, TCSANOW, &tio);

	cr_assert_gt(ask(fd, "*IDN?\n", reply, sizeof(reply), 2), 0);
	cr_assert(strstr(reply, "BENCH-SIM"), "%s", reply);
	cr_assert_gt(ask(fd, "SYST:REM;VOLT 40;CURR 10;OUTP ON;*OPC?\n", reply,
			 sizeof(reply), 2),
		     0);
	/* the heartbeat closes the contactors; the supply charges at CURR */
	for (double end = mono_s() + 2.5; mono_s() < end && I < 9.9;) {
		heartbeat(bench, &alive);
		poll(NULL, 0, 5);
		if (ask(fd, "MEAS:CURR?\n", reply, sizeof(reply), 1) > 0)
			I = atof(reply);
	}
	cr_assert_float_eq(I, 10.0, 0.1, "MEAS:CURR? %s", reply);
	cr_assert_gt(ask(fd, "MEAS:VOLT?\n", reply, sizeof(reply), 1), 0);
	cr_assert(atof(reply) > 8 * 3.4 && atof(reply) < 8 * 4.0, "%s", reply);

	/* at 60 s virtual the supply stops answering */
	while (sim_now_us(v.s) < 61000000)
		heartbeat(bench, &alive), poll(NULL, 0, 5);
	cr_assert_lt(ask(fd, "*IDN?\n", reply, sizeof(reply), 0.5), 0,
		     "answered after cycler_timeout: %s", reply);

	v.stop = 1;
	pthread_join(th, NULL);
	cr_assert_eq(v.rc, BENCH_OK);
	cr_assert_eq(access(link, F_OK), -1, "symlink left behind");
	close(fd);
	canbus_close(bench);
	sim_free(v.s);
	free(pack);
	free(dir);
}

Test(sim_serve, cycler_unplugged_hangs_up_the_line)
{
	char *dir = tmpdir_new("serve"), link[512], reply[256], c;
	char *pack = tmpfile_write(dir, "p.ini",
				   "[pack]\nchemistry = nmc\nseries = 8\n"
				   "rated_capacity_ah = 50\n"
				   "[fault cycler_unplugged]\nat = 20 s\n");
	struct server v = {0};
	struct termios tio;
	pthread_t th;
	struct pollfd p;
	int fd = -1;

	snprintf(link, sizeof(link), "%s/scpi", dir);
	cr_assert_eq(sim_load(pack, NULL, &v.s), 0);
	v.o.can = "mem:unplug";
	v.o.scpi_link = link;
	v.o.speed = 20; /* 20 s virtual = 1 s wall */
	v.o.stop = &v.stop;
	cr_assert_eq(pthread_create(&th, NULL, serve_thread, &v), 0);
	for (double end = mono_s() + 5; fd < 0 && mono_s() < end;) {
		fd = open(link, O_RDWR | O_NOCTTY);
		if (fd < 0)
			poll(NULL, 0, 10);
	}
	cr_assert_geq(fd, 0, "no pty linked at %s", link);
	tcgetattr(fd, &tio);
	cfmakeraw(&tio);
	tcsetattr(fd, TCSANOW, &tio);
	cr_assert_gt(ask(fd, "*IDN?\n", reply, sizeof(reply), 2), 0);

	while (sim_now_us(v.s) < 21000000)
		poll(NULL, 0, 5);
	/* the master is closed: the slave hangs up, reads fail */
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 1000), 1);
	cr_assert(p.revents & (POLLHUP | POLLERR), "revents 0x%x", p.revents);
	cr_assert_leq(read(fd, &c, 1), 0, "the line still reads");
	cr_assert_eq(access(link, F_OK), -1, "link still there");

	/* the BMS goes on: the serve loop keeps running until stopped */
	v.stop = 1;
	pthread_join(th, NULL);
	cr_assert_eq(v.rc, BENCH_OK);
	close(fd);
	sim_free(v.s);
	free(pack);
	free(dir);
}
