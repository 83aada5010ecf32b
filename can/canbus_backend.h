/* SPDX-License-Identifier: Apache-2.0 */
/* canbus_backend.h - private to the canbus backends (not for callers).
 *
 * canbus.c picks a backend by connection string and forwards every call
 * through its ops table; each backend embeds struct canbus first in its own
 * endpoint struct. The error-frame helpers translate SocketCAN error frames
 * into bus states, shared by the socketcan and in-process backends so that
 * both deliver identical CANBUS_EV_STATE events.
 */
#ifndef BENCH_CAN_CANBUS_BACKEND_H
#define BENCH_CAN_CANBUS_BACKEND_H

#include "canbus.h"

struct canbus_ops {
	const char *kind;
	void (*close)(struct canbus *bus);
	int (*send)(struct canbus *bus, const struct canframe *f);
	int (*recv)(struct canbus *bus, struct canbus_ev *ev, int timeout_ms);
	int (*fd)(const struct canbus *bus);
	int (*set_filter)(struct canbus *bus, const uint32_t *ids, size_t n);
};

#define CANBUS_NAME_MAX 64

struct canbus {
	const struct canbus_ops *ops;
	char name[CANBUS_NAME_MAX]; /* connection string as opened */
};

int canbus_mem_open(const char *net, const struct canbus_opts *opts,
		    struct canbus **out);
int canbus_socketcan_open(const char *iface, const struct canbus_opts *opts,
			  struct canbus **out);

/* Error-frame classes and controller bits: the values of <linux/can/error.h>
 * (canbus_socketcan.c asserts they match), kept here so the in-process bus
 * can build the same frames without the kernel headers. */
#define CANBUS_ERR_CRTL 0x00000004u
#define CANBUS_ERR_BUSOFF 0x00000040u
#define CANBUS_ERR_RESTARTED 0x00000100u
#define CANBUS_ERR_CRTL_RX_WARNING 0x04
#define CANBUS_ERR_CRTL_TX_WARNING 0x08
#define CANBUS_ERR_CRTL_RX_PASSIVE 0x10
#define CANBUS_ERR_CRTL_TX_PASSIVE 0x20
#define CANBUS_ERR_CRTL_ACTIVE 0x40

/* The state an error frame reports, given the state before it (error frames
 * for bus errors or overflows leave the state as it was). */
enum canbus_state canbus_errframe_state(const struct canframe *f,
					enum canbus_state prev);
/* The error frame the kernel sends on entering state s from prev. */
void canbus_errframe_make(enum canbus_state s, enum canbus_state prev,
			  struct canframe *f);

#endif
