/* SPDX-License-Identifier: Apache-2.0 */
/* loop_sim.c - virtual-time loop for `bench run --sim`. */
#define LOG_PREFIX "loop"

#include <errno.h>
#include <time.h>

#include "bench/ctl.h"
#include "app/loop.h"
#include "app/telemetry.h"
#include "bench/sim/sim.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"

/* At full speed the wall clock is read only every this many ticks. */
#define HOUSEKEEPING_TICKS 64
#define HOUSEKEEPING_WALL_US 200000

static void sleep_until(int64_t mono_us)
{
	struct timespec ts = {.tv_sec = mono_us / 1000000,
			      .tv_nsec = (mono_us % 1000000) * 1000};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

int loop_sim_run(struct loop_io *io, struct sim *sim, double speed)
{
	struct clock mono;
	int64_t t = io->t0_us;
	int64_t pace_t0 = t, pace_wall0, last_hk;
	bool replaying = io->replay_until_us > 0;
	unsigned ticks = 0;

	clock_mono_init(&mono);
	pace_wall0 = clock_now_us(&mono);
	last_hk = pace_wall0;
	while (!ctl_done(io->ctl)) {
		t += SIM_STEP_US;
		TRY(sim_advance(sim, t));
		TRY(loop_drain(io->ctl, io->bms_bus, t));
		if (io->cyc_bus)
			TRY(loop_drain(io->ctl, io->cyc_bus, t));
		ctl_tick(io->ctl, t);
		if (!replaying)
			telemetry_tick(io->tm, io->ctl, t);
		if (replaying && t >= io->replay_until_us) {
			replaying = false;
			ctl_attach_log(io->ctl, io->log, io->log_skip_steps);
			if (io->quiet)
				*io->quiet = false;
			log_info("replayed the simulation to test time %.1f s; "
				 "continuing the run",
				 t / 1e6);
			pace_t0 = t;
			pace_wall0 = clock_now_us(&mono);
		}
		if (speed > 0 && !replaying) {
			int64_t due =
			    pace_wall0 + (int64_t)((t - pace_t0) / speed);

			sleep_until(due);
		}
		if (speed > 0 || ++ticks % HOUSEKEEPING_TICKS == 0) {
			int64_t now = clock_now_us(&mono);

			if (now - last_hk >= HOUSEKEEPING_WALL_US) {
				last_hk = now;
				loop_housekeeping(io);
			}
		}
	}
	return BENCH_OK;
}
