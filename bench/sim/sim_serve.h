/* SPDX-License-Identifier: Apache-2.0 */
/* sim_serve.h - the simulated pack as its own process (`bench sim`): the
 * BMS (and optionally the CAN cycler) on real CAN interfaces, the SCPI
 * supply on a pseudo-terminal or a UART, paced against the monotonic clock.
 */
#ifndef BENCH_SIM_SIM_SERVE_H
#define BENCH_SIM_SIM_SERVE_H

#include <stdbool.h>
#include <stdint.h>

struct sim;

struct sim_serve_opts {
	const char *can;	/* BMS bus: "can0", "vcan0", "mem:x" */
	const char *cycler_can; /* CAN cycler bus, NULL = none */
	const char *scpi_link;	/* symlink to a new pty's slave, or NULL */
	const char *scpi_port;	/* serve SCPI on this UART, or NULL */
	double speed;		/* virtual seconds per second; 0 = max */
	int64_t duration_us;	/* stop after this virtual time, 0 = never */
	volatile int *stop;	/* set non-zero (signal handler) to stop */
};

/* Serve until *stop, the duration, or an error. Opens and closes the
 * buses itself and removes the symlink; s is not to be advanced after. */
int sim_serve(struct sim *s, const struct sim_serve_opts *o);

#endif
