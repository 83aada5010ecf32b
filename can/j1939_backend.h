/* SPDX-License-Identifier: Apache-2.0 */
/* j1939_backend.h - private to the J1939 backends (not for callers).
 * Each backend embeds struct j1939 first in its endpoint struct. */
#ifndef BENCH_CAN_J1939_BACKEND_H
#define BENCH_CAN_J1939_BACKEND_H

#include "canbus_backend.h"
#include "j1939.h"

struct j1939_ops {
	const char *kind; /* j1939_kind() */
	void (*close)(struct j1939 *j);
	int (*send)(struct j1939 *j, uint32_t pgn, uint8_t prio, uint8_t dst,
		    const uint8_t *buf, size_t len);
	int (*recv)(struct j1939 *j, struct j1939_msg *m, int timeout_ms);
	int (*fd)(const struct j1939 *j);
};

struct j1939 {
	const struct j1939_ops *ops;
	char name[CANBUS_NAME_MAX]; /* bus name as opened */
	uint8_t addr;
};

int j1939_user_open(const char *conn, uint8_t addr, struct j1939 **out);
int j1939_socketcan_open(const char *iface, uint8_t addr, struct j1939 **out);

#endif
