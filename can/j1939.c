/* SPDX-License-Identifier: Apache-2.0 */
/* j1939.c - pick a J1939 backend by bus name, check arguments once, and
 * the identifier packing every backend and decoder shares. */
#define LOG_PREFIX "j1939"
#include "j1939.h"

#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "j1939_backend.h"

bool j1939_pgn_pdu1(uint32_t pgn)
{
	return ((pgn >> 8) & 0xFF) < 240;
}

uint32_t j1939_id(uint8_t prio, uint32_t pgn, uint8_t dst, uint8_t src)
{
	uint32_t id =
	    ((uint32_t)(prio & 7) << 26) | ((pgn & 0x3FFFF) << 8) | src;

	if (j1939_pgn_pdu1(pgn))
		id = (id & ~0xFF00u) | ((uint32_t)dst << 8);
	return id;
}

void j1939_id_split(uint32_t id, uint8_t *prio, uint32_t *pgn, uint8_t *dst,
		    uint8_t *src)
{
	uint32_t p = (id >> 8) & 0x3FFFF;

	*prio = (uint8_t)((id >> 26) & 7);
	*src = (uint8_t)id;
	if (j1939_pgn_pdu1(p)) {
		*dst = (uint8_t)(p & 0xFF);
		p &= 0x3FF00;
	} else {
		*dst = J1939_ADDR_GLOBAL;
	}
	*pgn = p;
}

int j1939_open(const char *conn, uint8_t addr, struct j1939 **out)
{
	*out = NULL;
	if (!conn || !*conn || strlen(conn) >= CANBUS_NAME_MAX) {
		log_err("bad J1939 bus name '%s' (expected 'mem:NAME' or an "
			"interface such as 'can0')",
			conn ? conn : "");
		return BENCH_ERR_ARG;
	}
	if (addr >= J1939_ADDR_NULL) {
		log_err("'%s': J1939 source address 0x%02X is not a unicast "
			"address (0x00..0xFD)",
			conn, addr);
		return BENCH_ERR_ARG;
	}
	if (strncmp(conn, "mem:", 4) == 0)
		return j1939_user_open(conn, addr, out);
	return j1939_socketcan_open(conn, addr, out);
}

void j1939_close(struct j1939 *j)
{
	if (j)
		j->ops->close(j);
}

const char *j1939_name(const struct j1939 *j)
{
	return j->name;
}

const char *j1939_kind(const struct j1939 *j)
{
	return j->ops->kind;
}

int j1939_send(struct j1939 *j, uint32_t pgn, uint8_t prio, uint8_t dst,
	       const uint8_t *buf, size_t len)
{
	if (len == 0 || len > J1939_MAX_LEN || pgn > J1939_PGN_MAX ||
	    prio > 7) {
		log_err("'%s': cannot send PGN 0x%X, priority %u, %zu bytes "
			"(PGN up to 0x3FFFF, priority 0..7, 1..%d bytes)",
			j->name, (unsigned)pgn, prio, len, J1939_MAX_LEN);
		return BENCH_ERR_ARG;
	}
	if (j1939_pgn_pdu1(pgn))
		pgn &= ~0xFFu; /* PS is the destination, not part of the PGN */
	return j->ops->send(j, pgn, prio, dst, buf, len);
}

int j1939_recv(struct j1939 *j, struct j1939_msg *m, int timeout_ms)
{
	return j->ops->recv(j, m, timeout_ms);
}

int j1939_fd(const struct j1939 *j)
{
	return j->ops->fd(j);
}
