/* SPDX-License-Identifier: Apache-2.0 */
/* loop_real.c - epoll loop for a real bench (or a simulator process on a
 * real CAN interface): CAN sockets, timerfd tick, signalfd, control socket.
 * Nothing spins: the loop sleeps in epoll_wait until something is due. */
#define LOG_PREFIX "loop"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bench/ctl.h"
#include "app/ctlsock.h"
#include "app/loop.h"
#include "app/telemetry.h"
#include "can/canbus.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"

enum { SRC_BMS = 1, SRC_CYC, SRC_TIMER, SRC_SIG, SRC_SOCK };

static int watch(int ep, int fd, int src)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)src};

	if (fd < 0)
		return BENCH_OK;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_err("epoll_ctl: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

static int setup(struct loop_io *io, int ep, int tfd, int64_t tick_us)
{
	/* clang-format off */
	struct itimerspec its = {
		.it_interval = {.tv_sec = tick_us / 1000000,
				.tv_nsec = (tick_us % 1000000) * 1000},
	};
	/* clang-format on */

	its.it_value = its.it_interval;
	if (timerfd_settime(tfd, 0, &its, NULL) < 0) {
		log_err("timerfd_settime: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	TRY(watch(ep, canbus_fd(io->bms_bus), SRC_BMS));
	if (io->cyc_bus)
		TRY(watch(ep, canbus_fd(io->cyc_bus), SRC_CYC));
	TRY(watch(ep, tfd, SRC_TIMER));
	TRY(watch(ep, io->sig_fd, SRC_SIG));
	if (io->sock)
		TRY(watch(ep, ctlsock_fd(io->sock), SRC_SOCK));
	return BENCH_OK;
}

int loop_real_run(struct loop_io *io, int64_t tick_us)
{
	struct epoll_event evs[8];
	struct clock mono;
	int64_t start;
	int ep, tfd, rc;

	clock_mono_init(&mono);
	start = clock_now_us(&mono);
	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep < 0 || tfd < 0) {
		log_err("epoll/timerfd: %s", strerror(errno));
		rc = BENCH_ERR_IO;
		goto out;
	}
	rc = setup(io, ep, tfd, tick_us);
	while (rc == BENCH_OK && !ctl_done(io->ctl)) {
		int n = epoll_wait(ep, evs, 8, 1000);
		int64_t t;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("epoll_wait: %s", strerror(errno));
			rc = BENCH_ERR_IO;
			break;
		}
		t = io->t0_us + clock_now_us(&mono) - start;
		for (int i = 0; i < n; i++) {
			uint64_t expirations;

			switch (evs[i].data.u32) {
			case SRC_BMS:
				rc = loop_drain(io->ctl, io->bms_bus, t);
				break;
			case SRC_CYC:
				rc = loop_drain(io->ctl, io->cyc_bus, t);
				break;
			case SRC_TIMER:
				if (read(tfd, &expirations,
					 sizeof(expirations)) > 0) {
					/* A bus without an fd (in-process) is
					 * polled on the tick. */
					if (canbus_fd(io->bms_bus) < 0)
						rc = loop_drain(io->ctl,
								io->bms_bus, t);
					if (io->cyc_bus &&
					    canbus_fd(io->cyc_bus) < 0)
						rc = loop_drain(io->ctl,
								io->cyc_bus, t);
					ctl_tick(io->ctl, t);
					telemetry_tick(io->tm, io->ctl, t);
					loop_housekeeping(io);
				}
				break;
			default: /* signal or control socket */
				loop_housekeeping(io);
				break;
			}
			if (rc < 0)
				break;
		}
		if (rc > 0)
			rc = BENCH_OK;
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (ep >= 0)
		close(ep);
	return rc;
}
