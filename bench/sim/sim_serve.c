/* SPDX-License-Identifier: Apache-2.0 */
/* sim_serve.c - run the simulated pack as its own bus node. */
#define LOG_PREFIX "sim-serve"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "can/canbus.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"
#include "scpi_server.h"
#include "sim.h"
#include "sim_scpi.h"
#include "sim_serve.h"

struct serve {
	struct sim *s;
	struct canbus *bms_bus, *cyc_bus;
	struct scpi_server *scpi;
	int scpi_fd, keep_fd;
	bool linked;
	volatile int *stop;
};

/* A real UART, raw 115200 8N1 (the QEMU guest's /dev/ttyS2). */
static int open_uart(const char *path, int *fd_out)
{
	struct termios tio;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		tio.c_cflag |= CLOCAL | CREAD;
		if (tcsetattr(fd, TCSANOW, &tio)) {
			log_err("cannot configure '%s': %s", path,
				strerror(errno));
			close(fd);
			return BENCH_ERR_IO;
		}
	}
	*fd_out = fd;
	return BENCH_OK;
}

static int open_scpi(struct serve *v, const struct sim_serve_opts *o)
{
	char slave[256];

	if (o->scpi_link) {
		TRY(scpi_server_open_pty(slave, sizeof(slave), &v->scpi_fd,
					 &v->keep_fd));
		if (unlink(o->scpi_link) && errno != ENOENT) {
			log_err("cannot replace '%s': %s", o->scpi_link,
				strerror(errno));
			return BENCH_ERR_IO;
		}
		if (symlink(slave, o->scpi_link)) {
			log_err("cannot link '%s' to '%s': %s", o->scpi_link,
				slave, strerror(errno));
			return BENCH_ERR_IO;
		}
		v->linked = true;
		log_info("SCPI supply on %s -> %s", o->scpi_link, slave);
	} else {
		TRY(open_uart(o->scpi_port, &v->scpi_fd));
		log_info("SCPI supply on %s", o->scpi_port);
	}
	return sim_scpi_server_new(v->s, &v->scpi);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Serve the SCPI line (if any) until wall time `due` (0 = just once). */
static int wait_until(struct serve *v, double due)
{
	do {
		double left = due > 0 ? due - mono_s() : 0;
		int ms = left > 0 ? (int)(left * 1000) + 1 : 0;

		if (v->scpi) {
			if (scpi_server_serve_fd(v->scpi, v->scpi_fd, ms)) {
				log_err("SCPI line closed");
				return BENCH_ERR_IO;
			}
		} else if (ms > 0) {
			poll(NULL, 0, ms);
		}
	} while (due > 0 && mono_s() < due && !*v->stop);
	return BENCH_OK;
}

/* cycler_unplugged: the line goes away (the driver sees a hangup); the
 * BMS goes on. */
static void unplug(struct serve *v, const struct sim_serve_opts *o)
{
	log_info("cycler_unplugged: closing the supply's serial line");
	scpi_server_free(v->scpi);
	v->scpi = NULL;
	close(v->scpi_fd);
	v->scpi_fd = -1;
	if (v->keep_fd >= 0)
		close(v->keep_fd);
	v->keep_fd = -1;
	if (v->linked)
		unlink(o->scpi_link);
	v->linked = false;
}

static int serve_loop(struct serve *v, const struct sim_serve_opts *o)
{
	double t0 = mono_s();
	int64_t t_us = 0;

	while (!*o->stop) {
		t_us += SIM_STEP_US;
		if (o->duration_us && t_us > o->duration_us)
			break;
		TRY(wait_until(v,
			       o->speed > 0 ? t0 + t_us * 1e-6 / o->speed : 0));
		TRY(sim_advance(v->s, t_us));
		if (v->scpi && sim_scpi_faults(v->scpi, v->s))
			unplug(v, o);
	}
	return BENCH_OK;
}

int sim_serve(struct sim *s, const struct sim_serve_opts *o)
{
	struct serve v = {
	    .s = s, .scpi_fd = -1, .keep_fd = -1, .stop = o->stop};
	int rc;

	rc = canbus_open(o->can, NULL, &v.bms_bus);
	if (rc < 0)
		goto out;
	rc = sim_attach_bms(s, v.bms_bus);
	if (rc < 0)
		goto out;
	if (o->cycler_can) {
		if (!strcmp(o->cycler_can, o->can)) {
			rc = sim_attach_cycler_can(s, v.bms_bus);
		} else {
			rc = canbus_open(o->cycler_can, NULL, &v.cyc_bus);
			if (rc == BENCH_OK)
				rc = sim_attach_cycler_can(s, v.cyc_bus);
		}
		if (rc < 0)
			goto out;
	}
	if (o->scpi_link || o->scpi_port) {
		rc = open_scpi(&v, o);
		if (rc < 0)
			goto out;
	}
	rc = serve_loop(&v, o);
out:
	if (v.scpi)
		scpi_server_free(v.scpi);
	if (v.scpi_fd >= 0)
		close(v.scpi_fd);
	if (v.keep_fd >= 0)
		close(v.keep_fd);
	if (v.linked)
		unlink(o->scpi_link);
	if (v.cyc_bus)
		canbus_close(v.cyc_bus);
	if (v.bms_bus)
		canbus_close(v.bms_bus);
	return rc;
}
