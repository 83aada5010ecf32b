/* SPDX-License-Identifier: Apache-2.0 */
/* canbus.h - the CAN bus seam.
 *
 * One interface, backends chosen by connection string:
 *   "mem:NAME"   in-process bus: every endpoint opened with the same NAME
 *                receives what the others send (simulator, tests)
 *   "can0"       SocketCAN raw socket (canbus_socketcan.c, the only file
 *                that includes the kernel CAN headers and libsocketcan)
 */
#ifndef BENCH_CAN_CANBUS_H
#define BENCH_CAN_CANBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canframe.h"

enum canbus_state {
	CANBUS_ACTIVE = 0,
	CANBUS_WARNING,
	CANBUS_PASSIVE,
	CANBUS_OFF,
	CANBUS_STOPPED,
	CANBUS_UNKNOWN,
};

enum canbus_ev_kind {
	CANBUS_EV_FRAME = 0,
	CANBUS_EV_STATE, /* from an error frame or the controller state */
};

struct canbus_ev {
	enum canbus_ev_kind kind;
	int64_t t_us;	       /* socketcan: kernel receive time, CLOCK_REALTIME
				* us (as candump logs); mem: sender's clock */
	struct canframe frame; /* FRAME: the frame; STATE: the error frame */
	enum canbus_state state; /* STATE only */
};

struct canbus_opts {
	bool fd;	 /* enable CAN FD if the interface allows it */
	bool recv_own;	 /* receive own frames (default off) */
	bool err_frames; /* subscribe to error frames */
};

struct canbus;

int canbus_open(const char *conn, const struct canbus_opts *opts,
		struct canbus **out);
void canbus_close(struct canbus *bus);
const char *canbus_name(const struct canbus *bus);
int canbus_send(struct canbus *bus, const struct canframe *f);
/* 1 = event stored, 0 = none within timeout_ms (0 = poll), <0 = error. */
int canbus_recv(struct canbus *bus, struct canbus_ev *ev, int timeout_ms);
/* pollable fd, or -1 for the in-process bus (poll it each tick) */
int canbus_fd(const struct canbus *bus);
/* Kernel-side id filter (exact ids incl. CANFRAME_EFF); n = 0 = all. */
int canbus_set_filter(struct canbus *bus, const uint32_t *ids, size_t n);

/* Interface control through libsocketcan (socketcan backend only). */
struct canif_cfg {
	uint32_t bitrate;      /* 0 = leave */
	uint32_t sample_point; /* per mille, 0 = default */
	uint32_t dbitrate;     /* FD data bitrate, 0 = no FD */
	uint32_t dsample_point;
	uint32_t restart_ms; /* 0 = no automatic restart */
};

struct canif_status {
	enum canbus_state state;
	uint32_t bitrate;
	uint16_t txerr, rxerr;
	bool is_virtual; /* vcan: no bit timing */
};

int canif_configure(const char *iface, const struct canif_cfg *cfg);
int canif_get_status(const char *iface, struct canif_status *st);

const char *canbus_state_name(enum canbus_state s);

/* In-process bus only ("mem:NAME"); BENCH_ERR_SUPP on any other backend.
 *
 * Inject a controller state change as the kernel would report it: every
 * endpoint on the bus that subscribed to error frames receives a
 * CANBUS_EV_STATE event with the matching error frame. While the bus is
 * CANBUS_OFF or CANBUS_STOPPED, frames sent on it are dropped (the bus is
 * dead), until a CANBUS_ACTIVE injection restarts it. */
int canbus_mem_inject_state(struct canbus *bus, enum canbus_state s);

struct clock;
/* The clock stamping frames this endpoint sends (ev.t_us at the receivers);
 * the clock must outlive the endpoint. Default: CLOCK_REALTIME in us. */
int canbus_mem_set_clock(struct canbus *bus, const struct clock *clk);

#endif
