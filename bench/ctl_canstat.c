/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_canstat.c - the SocketCAN interfaces' state as the kernel reports
 * it (state, bitrate, error counters, read through libsocketcan by the
 * can/ backend), recorded as bench:CAN_STATUS info events: at run start,
 * at run end, and on every bus state change. */
#define LOG_PREFIX "ctl"

#include <stdio.h>
#include <string.h>

#include "bench/ctl_priv.h"
#include "can/canbus.h"
#include "common/log.h"
#include "common/rc.h"

bool ctl_is_socketcan(const char *bus)
{
	return bus && bus[0] && strcmp(bus, "sim") && strncmp(bus, "mem:", 4);
}

static void one(struct ctl *c, const char *iface)
{
	struct canif_status st;

	if (canif_get_status(iface, &st) < 0) {
		ctl_event(c, c->now_us, "warning", "bench:CAN_STATUS",
			  "%s: status unreadable", iface);
		return;
	}
	if (st.is_virtual) {
		ctl_event(c, c->now_us, "info", "bench:CAN_STATUS",
			  "%s: state %s, virtual (no bitrate), txerr 0, "
			  "rxerr 0",
			  iface, canbus_state_name(st.state));
		return;
	}
	ctl_event(c, c->now_us, "info", "bench:CAN_STATUS",
		  "%s: state %s, bitrate %u bit/s, txerr %u, rxerr %u", iface,
		  canbus_state_name(st.state), st.bitrate, st.txerr, st.rxerr);
}

void ctl_can_status(struct ctl *c)
{
	for (size_t i = 0; i < CTL_MAX_CAN_IFACES; i++)
		if (ctl_is_socketcan(c->cfg.can_ifaces[i]))
			one(c, c->cfg.can_ifaces[i]);
}
