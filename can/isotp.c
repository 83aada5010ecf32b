/* SPDX-License-Identifier: Apache-2.0 */
/* isotp.c - pick an ISO-TP backend by bus name and forward calls to it. */
#define LOG_PREFIX "isotp"
#include "isotp.h"

#include <string.h>

#include "isotp_backend.h"
#include "common/log.h"
#include "common/rc.h"

static const struct isotp_opts default_opts;

static bool id_ok(uint32_t id)
{
	if (id & CANFRAME_EFF)
		return (id & ~(CANFRAME_EFF | CANFRAME_EFF_MASK)) == 0;
	return id <= CANFRAME_SFF_MASK;
}

int isotp_open(const char *conn, uint32_t tx_id, uint32_t rx_id,
	       const struct isotp_opts *opts, struct isotp **out)
{
	*out = NULL;
	if (!conn || !*conn || strlen(conn) >= CANBUS_NAME_MAX) {
		log_err("bad ISO-TP bus name '%s' (expected 'mem:NAME' or an "
			"interface such as 'can0')",
			conn ? conn : "");
		return BENCH_ERR_ARG;
	}
	if (!id_ok(tx_id) || !id_ok(rx_id) || tx_id == rx_id) {
		log_err("'%s': bad ISO-TP ids tx 0x%X rx 0x%X (11-bit, or "
			"29-bit with the extended flag; not equal)",
			conn, (unsigned)tx_id, (unsigned)rx_id);
		return BENCH_ERR_ARG;
	}
	if (!opts)
		opts = &default_opts;
	if (strncmp(conn, "mem:", 4) == 0)
		return isotp_user_open(conn, tx_id, rx_id, opts, out);
	return isotp_socketcan_open(conn, tx_id, rx_id, opts, out);
}

void isotp_close(struct isotp *tp)
{
	if (tp)
		tp->ops->close(tp);
}

const char *isotp_name(const struct isotp *tp)
{
	return tp->name;
}

const char *isotp_kind(const struct isotp *tp)
{
	return tp->ops->kind;
}

int isotp_send(struct isotp *tp, const uint8_t *buf, size_t len)
{
	if (len == 0 || len > ISOTP_MAX_LEN) {
		log_err("'%s': cannot send a PDU of %zu bytes (1..%d)",
			tp->name, len, ISOTP_MAX_LEN);
		return BENCH_ERR_ARG;
	}
	return tp->ops->send(tp, buf, len);
}

int isotp_recv(struct isotp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
	return tp->ops->recv(tp, buf, cap, timeout_ms);
}

int isotp_fd(const struct isotp *tp)
{
	return tp->ops->fd(tp);
}
