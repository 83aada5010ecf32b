/* SPDX-License-Identifier: Apache-2.0 */
/* instruments_bench.c - SCPI cycler figures: what one control tick costs
 * with a SCPI supply on a serial line (here a pty to the simulated supply
 * in a thread: no baud-rate delay, so this is the software's share), and
 * how fast the strict parsers and the simulated supply's parser run. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/instr.h"
#include "bench/instr/scpi/protocol.h"
#include "bench/sim/scpi_server.h"
#include "common/clock.h"
#include "common/log.h"

static struct scpi_server *srv;
static int master;
static atomic_bool stop;

static double plant_v(void *ctx)
{
	(void)ctx;
	return 350.0;
}

static void *serve(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		if (scpi_server_serve_fd(srv, master, 5) < 0)
			break;
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += t[i];
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("  %-34s %8.0f /s  mean %6.1f us  p50 %6.1f us  p99 %6.1f us\n",
	       what, n / sum, sum / n * 1e6, t[n / 2] * 1e6,
	       t[n * 99 / 100] * 1e6);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	struct scpi_plant plant = {NULL, plant_v, NULL, NULL};
	struct instr_cfg cfg = {
	    .kind = "scpi", .model = "generic", .timeout_ms = 1000};
	double *t = calloc((size_t)n, sizeof(double));
	char path[64], conn[80], reply[128];
	struct instr_state st;
	struct clock clk;
	struct instr *in;
	pthread_t th;
	int keep;
	double t0, v;

	log_set_level(LOG_WARN);
	clock_mono_init(&clk);
	if (!t || scpi_server_new(NULL, &plant, &clk, &srv) < 0 ||
	    scpi_server_open_pty(path, sizeof(path), &master, &keep) < 0)
		return 1;
	pthread_create(&th, NULL, serve, NULL);
	snprintf(conn, sizeof(conn), "pty:%s", path);
	cfg.port = conn;
	if (instr_open(&cfg, &in) < 0)
		return 1;
	in->ops->set_voltage(in, 400000, 280000);
	printf("SCPI supply over a pty (software only, no baud delay), %d "
	       "calls:\n",
	       n);
	for (int i = 0; i < n; i++) {
		t0 = now_s();
		if (in->ops->measure(in, &st) < 0)
			return 1;
		t[i] = now_s() - t0;
	}
	report("measure (4 queries)", t, n);
	for (int i = 0; i < n; i++) {
		t0 = now_s();
		if (in->ops->set_current(in, 10000 + (i & 1) * 500) < 0)
			return 1;
		t[i] = now_s() - t0;
	}
	report("set_current (command + SYST:ERR?)", t, n);
	printf("  at 115200 baud add ~%.1f ms per measure for the bytes on "
	       "the wire\n",
	       (4 * (12 + 10)) * 10 / 115200.0 * 1000);
	instr_close(in);
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	close(master);
	close(keep);

	printf("parsers, in process:\n");
	t0 = now_s();
	for (int i = 0; i < n * 100; i++)
		scpi_parse_number("-123.456 A", 'A', &v);
	printf("  %-34s %8.2f M/s\n", "scpi_parse_number",
	       n * 100 / (now_s() - t0) / 1e6);
	t0 = now_s();
	for (int i = 0; i < n * 100; i++)
		scpi_server_exec_line(srv, "MEASure:VOLTage?", reply,
				      sizeof(reply));
	printf("  %-34s %8.2f M/s\n", "simulated supply, MEASure:VOLTage?",
	       n * 100 / (now_s() - t0) / 1e6);
	scpi_server_free(srv);
	free(t);
	return 0;
}
