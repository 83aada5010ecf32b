/* SPDX-License-Identifier: Apache-2.0 */
/* canbus.c - pick a bus backend by connection string, forward calls to it,
 * and map SocketCAN error frames to bus states.
 */
#define LOG_PREFIX "canbus"
#include "canbus.h"

#include <string.h>

#include "canbus_backend.h"
#include "common/log.h"
#include "common/rc.h"

static const struct canbus_opts default_opts;

int canbus_open(const char *conn, const struct canbus_opts *opts,
		struct canbus **out)
{
	*out = NULL;
	if (!conn || !*conn) {
		log_err("empty CAN connection string (expected 'mem:NAME' or "
			"an interface such as 'can0')");
		return BENCH_ERR_ARG;
	}
	if (strlen(conn) >= CANBUS_NAME_MAX) {
		log_err("CAN connection string '%s' too long (max %d)", conn,
			CANBUS_NAME_MAX - 1);
		return BENCH_ERR_ARG;
	}
	if (!opts)
		opts = &default_opts;
	if (strncmp(conn, "mem:", 4) == 0)
		return canbus_mem_open(conn + 4, opts, out);
	return canbus_socketcan_open(conn, opts, out);
}

void canbus_close(struct canbus *bus)
{
	if (bus)
		bus->ops->close(bus);
}

const char *canbus_name(const struct canbus *bus)
{
	return bus->name;
}

int canbus_send(struct canbus *bus, const struct canframe *f)
{
	return bus->ops->send(bus, f);
}

int canbus_recv(struct canbus *bus, struct canbus_ev *ev, int timeout_ms)
{
	return bus->ops->recv(bus, ev, timeout_ms);
}

int canbus_fd(const struct canbus *bus)
{
	return bus->ops->fd(bus);
}

int canbus_set_filter(struct canbus *bus, const uint32_t *ids, size_t n)
{
	return bus->ops->set_filter(bus, ids, n);
}

const char *canbus_state_name(enum canbus_state s)
{
	switch (s) {
	case CANBUS_ACTIVE:
		return "error-active";
	case CANBUS_WARNING:
		return "error-warning";
	case CANBUS_PASSIVE:
		return "error-passive";
	case CANBUS_OFF:
		return "bus-off";
	case CANBUS_STOPPED:
		return "stopped";
	case CANBUS_UNKNOWN:
		break;
	}
	return "unknown";
}

enum canbus_state canbus_errframe_state(const struct canframe *f,
					enum canbus_state prev)
{
	uint32_t cls = f->id & CANFRAME_EFF_MASK;
	uint8_t crtl = f->len > 1 ? f->data[1] : 0;

	if (cls & CANBUS_ERR_BUSOFF)
		return CANBUS_OFF;
	if (cls & CANBUS_ERR_RESTARTED)
		return CANBUS_ACTIVE;
	if (cls & CANBUS_ERR_CRTL) {
		if (crtl &
		    (CANBUS_ERR_CRTL_RX_PASSIVE | CANBUS_ERR_CRTL_TX_PASSIVE))
			return CANBUS_PASSIVE;
		if (crtl &
		    (CANBUS_ERR_CRTL_RX_WARNING | CANBUS_ERR_CRTL_TX_WARNING))
			return CANBUS_WARNING;
		if (crtl & CANBUS_ERR_CRTL_ACTIVE)
			return CANBUS_ACTIVE;
	}
	return prev;
}

void canbus_errframe_make(enum canbus_state s, enum canbus_state prev,
			  struct canframe *f)
{
	memset(f, 0, sizeof(*f));
	f->id = CANFRAME_ERR;
	f->len = 8;
	switch (s) {
	case CANBUS_ACTIVE:
		if (prev == CANBUS_OFF || prev == CANBUS_STOPPED) {
			f->id |= CANBUS_ERR_RESTARTED;
		} else {
			f->id |= CANBUS_ERR_CRTL;
			f->data[1] = CANBUS_ERR_CRTL_ACTIVE;
		}
		break;
	case CANBUS_WARNING:
		f->id |= CANBUS_ERR_CRTL;
		f->data[1] =
		    CANBUS_ERR_CRTL_RX_WARNING | CANBUS_ERR_CRTL_TX_WARNING;
		break;
	case CANBUS_PASSIVE:
		f->id |= CANBUS_ERR_CRTL;
		f->data[1] =
		    CANBUS_ERR_CRTL_RX_PASSIVE | CANBUS_ERR_CRTL_TX_PASSIVE;
		break;
	case CANBUS_OFF:
		f->id |= CANBUS_ERR_BUSOFF;
		break;
	case CANBUS_STOPPED:
	case CANBUS_UNKNOWN:
		/* no error frame class for these: an empty error frame */
		break;
	}
}
