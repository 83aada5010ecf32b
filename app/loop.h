/* SPDX-License-Identifier: Apache-2.0 */
/* loop.h - the event loops around the controller core.
 *
 * loop_sim_run: virtual time for the in-process simulator. A fixed control
 * tick of SIM_STEP_US (the simulator's own resolution: nothing changes in
 * between), sim_advance, drain the in-process bus, ctl_tick, log. With a
 * speed it paces against the monotonic clock (speed 1 = real time), with
 * speed 0 ("max") it does not pace at all.
 *
 * loop_real_run: a real bench. epoll over the CAN sockets, a timerfd tick,
 * a signalfd (SIGINT/SIGTERM = safe stop) and the control socket; no busy
 * waiting. Test time is CLOCK_MONOTONIC since the loop started (plus the
 * resumed offset), so wall-clock jumps do not move it.
 *
 * Both serve the control socket and refresh the operator's status line at
 * most every 200 ms of wall time, and return when the controller is done.
 */
#ifndef BENCH_LOOP_H
#define BENCH_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct canbus;
struct ctl;
struct ctlsock;
struct h5log;
struct sim;
struct status_out;
struct telemetry;

struct loop_io {
	struct ctl *ctl;
	struct canbus *bms_bus; /* the controller's endpoint */
	struct canbus *cyc_bus; /* a separate cycler bus, or NULL */
	struct ctlsock *sock;	/* may be NULL */
	struct status_out *out; /* may be NULL */
	int sig_fd;		/* signalfd for SIGINT/SIGTERM, or -1 */
	int stop_signal;	/* set: the signal that stopped the run */
	int64_t t0_us;		/* test time at loop start (resume) */
	/* Simulated resume: run without the log up to replay_until_us, then
	 * attach log (see docs/architecture.md, "resume"). */
	int64_t replay_until_us; /* 0: no replay */
	struct h5log *log;
	uint32_t log_skip_steps;
	bool *quiet;	      /* cleared when the replay ends */
	struct telemetry *tm; /* may be NULL */
};

int loop_sim_run(struct loop_io *io, struct sim *sim, double speed);
int loop_real_run(struct loop_io *io, int64_t tick_us);

/* Shared by both loops (loop_common.c): serve the control socket, read
 * the signalfd, refresh the status line. */
void loop_housekeeping(struct loop_io *io);

/* Shared by both loops (loop_common.c): hand every event queued on bus
 * (frames and bus state changes) to the controller at test time t_us.
 * Returns canbus_recv's last result: 0 when drained, < 0 on a bus error. */
int loop_drain(struct ctl *ctl, struct canbus *bus, int64_t t_us);

#endif
