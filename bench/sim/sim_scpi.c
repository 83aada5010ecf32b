/* SPDX-License-Identifier: Apache-2.0 */
/* sim_scpi.c - the simulated SCPI supply on a pty, served from a thread
 * for the in-process simulator. */
#define LOG_PREFIX "sim-scpi"

#include "sim_scpi.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"
#include "scpi_server.h"
#include "sim_priv.h"

/* How long the thread waits for a command before stepping the supply
 * anyway (its slew and watchdog need a step at least every 100 ms). */
#define SERVE_POLL_MS 20

struct sim_scpi {
	struct sim *s;
	struct scpi_server *srv;
	pthread_mutex_t mu;
	pthread_t th;
	bool started;
	atomic_int stop;
	int master_fd, keep_fd;
};

/* The supply's terminals are behind the pack's contactors: open, it sees
 * no pack (0 V), as the in-process cycler does. */
static double plant_voltage(void *ctx)
{
	struct sim_plant p;

	sim_plant_read(ctx, &p);
	return p.contactors_closed ? p.voltage_V : 0;
}

static void plant_apply(void *ctx, double current_A)
{
	sim_plant_set_current(ctx, current_A);
}

/* what really flows: nothing while the contactors are open */
static double plant_current(void *ctx)
{
	struct sim_plant p;

	sim_plant_read(ctx, &p);
	return p.current_A;
}

int sim_scpi_server_new(struct sim *s, struct scpi_server **out)
{
	/* clang-format off */
	struct scpi_plant plant = {
		.ctx = s,
		.pack_voltage_V = plant_voltage,
		.apply_current_A = plant_apply,
		.pack_current_A = plant_current,
	};
	/* clang-format on */
	/* clang-format off */
	struct scpi_server_cfg cfg = {
		.voltage_max_V = 1000,
		.current_max_A = 600,
		.slew_A_per_s = 100,
	};
	/* clang-format on */

	return scpi_server_new(&cfg, &plant, sim_clock(s), out);
}

int sim_scpi_faults(struct scpi_server *srv, const struct sim *s)
{
	struct sim_plant p;

	sim_plant_read(s, &p);
	if (p.cycler_unplugged)
		return 1;
	if (p.cycler_silent)
		scpi_server_set_fault(srv, SCPI_FAULT_SILENT);
	else if (p.cycler_garbage)
		scpi_server_set_fault(srv, SCPI_FAULT_GARBAGE);
	else if (p.cycler_error)
		scpi_server_set_fault(srv, SCPI_FAULT_ERROR);
	return 0;
}

/* The line is gone but the supply is still on: only its own watchdog
 * turns the output off now. */
static void unplug(struct sim_scpi *q)
{
	log_info("cycler_unplugged: closing the supply's serial line");
	close(q->master_fd);
	close(q->keep_fd);
	q->master_fd = q->keep_fd = -1;
}

static void *serve_main(void *arg)
{
	struct sim_scpi *q = arg;
	bool line = true;

	while (!atomic_load(&q->stop)) {
		struct pollfd p = {.fd = q->master_fd, .events = POLLIN};

		poll(line ? &p : NULL, line ? 1 : 0, SERVE_POLL_MS);
		pthread_mutex_lock(&q->mu);
		if (line && sim_scpi_faults(q->srv, q->s)) {
			unplug(q);
			line = false;
		}
		if (line && scpi_server_serve_fd(q->srv, q->master_fd, 0) < 0)
			line = false;
		if (!line)
			scpi_server_step(q->srv);
		pthread_mutex_unlock(&q->mu);
	}
	return NULL;
}

int sim_scpi_start(struct sim *s, char *slave_path, size_t cap,
		   struct sim_scpi **out)
{
	struct sim_scpi *q = calloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	if (!q) {
		log_err("out of memory for the SCPI supply");
		return BENCH_ERR_MEM;
	}
	q->s = s;
	q->master_fd = q->keep_fd = -1;
	pthread_mutex_init(&q->mu, NULL);
	rc = sim_scpi_server_new(s, &q->srv);
	if (rc == BENCH_OK)
		rc = scpi_server_open_pty(slave_path, cap, &q->master_fd,
					  &q->keep_fd);
	if (rc == BENCH_OK && pthread_create(&q->th, NULL, serve_main, q)) {
		log_err("cannot start the SCPI supply's thread");
		rc = BENCH_ERR_MEM;
	}
	if (rc < 0) {
		sim_scpi_stop(q);
		return rc;
	}
	q->started = true;
	s->mu = &q->mu;
	log_info("simulated SCPI supply on %s", slave_path);
	*out = q;
	return BENCH_OK;
}

void sim_scpi_stop(struct sim_scpi *q)
{
	if (!q)
		return;
	if (q->started) {
		atomic_store(&q->stop, 1);
		pthread_join(q->th, NULL);
		q->s->mu = NULL;
	}
	if (q->master_fd >= 0)
		close(q->master_fd);
	if (q->keep_fd >= 0)
		close(q->keep_fd);
	scpi_server_free(q->srv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
