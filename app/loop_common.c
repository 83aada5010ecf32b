/* SPDX-License-Identifier: Apache-2.0 */
/* loop_common.c - what both event loops do: serve the control socket, read
 * the signalfd, refresh the status line, drain a bus into the controller. */
#define LOG_PREFIX "loop"

#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "app/ctlsock.h"
#include "app/loop.h"
#include "app/status.h"
#include "bench/ctl.h"
#include "can/canbus.h"
#include "common/log.h"

static void status_cb(void *ctx, char *buf, size_t len)
{
	struct run_status st;

	ctl_status(ctx, &st);
	status_json(&st, buf, len);
}

void loop_housekeeping(struct loop_io *io)
{
	struct signalfd_siginfo si;
	struct run_status st;
	bool stop = false;

	if (io->sig_fd >= 0 &&
	    read(io->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		io->stop_signal = (int)si.ssi_signo;
		log_warn("%s: stopping safely", strsignal((int)si.ssi_signo));
		ctl_request_stop(io->ctl, true);
	}
	if (io->sock) {
		ctlsock_serve(io->sock, status_cb, io->ctl, &stop);
		if (stop)
			ctl_request_stop(io->ctl, false);
	}
	if (io->out && !(io->quiet && *io->quiet)) {
		ctl_status(io->ctl, &st);
		status_out_update(io->out, &st, false);
	}
}

int loop_drain(struct ctl *ctl, struct canbus *bus, int64_t t_us)
{
	struct canbus_ev ev;
	int rc;

	while ((rc = canbus_recv(bus, &ev, 0)) == 1) {
		if (ev.kind == CANBUS_EV_FRAME)
			ctl_on_frame(ctl, &ev.frame, t_us);
		else
			ctl_on_bus_state(ctl, ev.state, t_us);
	}
	return rc;
}
