/* SPDX-License-Identifier: Apache-2.0 */
/* scpi_thread.h - the simulated SCPI supply served from a test thread on
 * one fd (a pty master, or a real UART), with a resistive pack behind it.
 * The server is only touched under the lock, so the test thread can read
 * its status or inject a fault while the serving thread runs. Header-only
 * (static inline): shared by test_scpi_pty and the hardware test
 * test_xport_libsp. */
#ifndef BENCH_TESTS_SCPI_THREAD_H
#define BENCH_TESTS_SCPI_THREAD_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "bench/sim/scpi_server.h"

/* A resistive pack: terminal voltage = ocv + r * current. */
struct scpi_rplant {
	double ocv_V, r_ohm, current_A;
};

static inline double scpi_rplant_v(void *ctx)
{
	struct scpi_rplant *p = ctx;

	return p->ocv_V + p->r_ohm * p->current_A;
}

static inline void scpi_rplant_i(void *ctx, double a)
{
	((struct scpi_rplant *)ctx)->current_A = a;
}

struct scpi_thread {
	struct scpi_server *srv;
	int fd;
	pthread_mutex_t lock;
	pthread_t th;
	atomic_bool stop;
	bool running;
};

static inline void *scpi_thread_main(void *arg)
{
	struct scpi_thread *st = arg;

	while (!atomic_load(&st->stop)) {
		int rc;

		pthread_mutex_lock(&st->lock);
		rc = scpi_server_serve_fd(st->srv, st->fd, 5);
		pthread_mutex_unlock(&st->lock);
		if (rc < 0)
			break;
	}
	return NULL;
}

/* Serve srv on fd until scpi_thread_stop; both stay the caller's. */
static inline void scpi_thread_start(struct scpi_thread *st,
				     struct scpi_server *srv, int fd)
{
	st->srv = srv;
	st->fd = fd;
	atomic_store(&st->stop, false);
	pthread_mutex_init(&st->lock, NULL);
	cr_assert_eq(pthread_create(&st->th, NULL, scpi_thread_main, st), 0);
	st->running = true;
}

static inline void scpi_thread_stop(struct scpi_thread *st)
{
	if (!st->running)
		return;
	atomic_store(&st->stop, true);
	pthread_join(st->th, NULL);
	st->running = false;
}

static inline void scpi_thread_status(struct scpi_thread *st,
				      struct scpi_server_status *out)
{
	pthread_mutex_lock(&st->lock);
	scpi_server_get_status(st->srv, out);
	pthread_mutex_unlock(&st->lock);
}

static inline void scpi_thread_fault(struct scpi_thread *st, enum scpi_fault f)
{
	pthread_mutex_lock(&st->lock);
	scpi_server_set_fault(st->srv, f);
	pthread_mutex_unlock(&st->lock);
}

#endif
