/* SPDX-License-Identifier: Apache-2.0 */
/* isotp_backend.h - private to the ISO-TP backends (not for callers).
 * Each backend embeds struct isotp first in its endpoint struct. */
#ifndef BENCH_CAN_ISOTP_BACKEND_H
#define BENCH_CAN_ISOTP_BACKEND_H

#include "canbus_backend.h"
#include "isotp.h"

struct isotp_ops {
	void (*close)(struct isotp *tp);
	int (*send)(struct isotp *tp, const uint8_t *buf, size_t len);
	int (*recv)(struct isotp *tp, uint8_t *buf, size_t cap, int timeout_ms);
	int (*fd)(const struct isotp *tp);
	const char *kind; /* isotp_kind() */
};

struct isotp {
	const struct isotp_ops *ops;
	char name[CANBUS_NAME_MAX]; /* bus name as opened */
};

int isotp_user_open(const char *conn, uint32_t tx_id, uint32_t rx_id,
		    const struct isotp_opts *o, struct isotp **out);
int isotp_socketcan_open(const char *iface, uint32_t tx_id, uint32_t rx_id,
			 const struct isotp_opts *o, struct isotp **out);

#endif
