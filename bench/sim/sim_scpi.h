/* SPDX-License-Identifier: Apache-2.0 */
/* sim_scpi.h - the simulator's SCPI supply personality, shared by `bench
 * sim --scpi-link` (sim_serve.c) and `bench run --sim` with a bench file
 * whose cycler is `kind = scpi, port = sim` (served here, from a thread,
 * on a pseudo-terminal the controller opens through the "pty:" transport,
 * so the SCPI driver and the serial seam run as on a real bench).
 */
#ifndef BENCH_SIM_SIM_SCPI_H
#define BENCH_SIM_SIM_SCPI_H

#include <stddef.h>

struct scpi_server;
struct sim;
struct sim_scpi;

/* The supply (1000 V, 600 A, 100 A/s, its 3 s watchdog) with the pack as
 * its plant, on the simulator's virtual clock. */
int sim_scpi_server_new(struct sim *s, struct scpi_server **out);

/* Carry the simulator's scheduled cycler faults over to the supply:
 * cycler_timeout silences it, cycler_garbage garbles its answers,
 * cycler_error trips it into a device fault. Returns 1 once
 * cycler_unplugged has fired (the caller closes the line), else 0. */
int sim_scpi_faults(struct scpi_server *srv, const struct sim *s);

/* Serve the supply of s on a new pseudo-terminal from a thread; the
 * slave's path (for "pty:PATH") in slave_path. From now on sim_advance
 * takes a lock the thread shares: call nothing else on s concurrently.
 * Stop with sim_scpi_stop before sim_free. */
int sim_scpi_start(struct sim *s, char *slave_path, size_t cap,
		   struct sim_scpi **out);
/* Stop the thread, close the line, release; NULL is fine. */
void sim_scpi_stop(struct sim_scpi *q);

#endif
