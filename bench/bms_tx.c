/* SPDX-License-Identifier: Apache-2.0 */
/* bms_tx.c - the bench's heartbeat and contactor request frame. */
#define LOG_PREFIX "bms_tx"

#include "bms_tx.h"

#include <stdlib.h>
#include <string.h>

#include "bench/profile.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/log.h"
#include "common/rc.h"

struct bms_tx {
	struct canbus *bus;
	const struct dbc_msg *msg;
	const struct dbc_sig *contactor, *alive;
	int32_t open_val, close_val;
	int64_t period_us;
	int64_t next_us;
	bool close_req;
	uint64_t alive_count;
	bool send_failed; /* log a failing bus once, not every period */
};

static int find_sig(const struct dbc *db, const struct dbc_msg *m,
		    const char *name, const struct dbc_sig **out)
{
	*out = NULL;
	if (!*name)
		return BENCH_OK;
	*out = dbc_sig_by_name(m, name);
	if (!*out) {
		log_err("signal '%s' not in message '%s' of '%s'", name,
			m->name, db->path ? db->path : "DBC");
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int bms_tx_new(const struct dbc *db, const struct profile *p,
	       struct canbus *bus, struct bms_tx **out)
{
	struct bms_tx *tx;
	const struct dbc_msg *m;
	int rc;

	*out = NULL;
	if (!p->tx_message[0])
		return BENCH_OK;
	m = dbc_msg_by_name(db, p->tx_message);
	if (!m) {
		log_err("bench tx message '%s' not in '%s'", p->tx_message,
			db->path ? db->path : "DBC");
		return BENCH_ERR_ARG;
	}
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return BENCH_ERR_MEM;
	tx->bus = bus;
	tx->msg = m;
	tx->open_val = p->tx_contactor_open;
	tx->close_val = p->tx_contactor_close;
	tx->period_us =
	    (int64_t)(p->tx_period_ms ? p->tx_period_ms : 100) * 1000;
	rc = find_sig(db, m, p->tx_contactor_signal, &tx->contactor);
	if (rc == BENCH_OK)
		rc = find_sig(db, m, p->tx_alive_signal, &tx->alive);
	if (rc < 0) {
		free(tx);
		return rc;
	}
	*out = tx;
	return BENCH_OK;
}

void bms_tx_free(struct bms_tx *tx)
{
	free(tx);
}

static uint64_t alive_mask(const struct dbc_sig *s)
{
	return s->len >= 64 ? ~0ull : (1ull << s->len) - 1;
}

static int send_now(struct bms_tx *tx, int64_t t_us)
{
	struct canframe f = {
	    .id = tx->msg->id, .len = tx->msg->size, .fd = tx->msg->fd};
	int rc;

	if (tx->contactor)
		cansig_encode(tx->contactor, f.data, f.len,
			      tx->close_req ? tx->close_val : tx->open_val);
	if (tx->alive)
		cansig_put_raw(tx->alive, f.data, f.len,
			       tx->alive_count++ & alive_mask(tx->alive));
	tx->next_us = t_us + tx->period_us;
	rc = canbus_send(tx->bus, &f);
	if (rc < 0 && !tx->send_failed)
		log_warn("cannot send '%s' on '%s': %s (the BMS will miss "
			 "the bench heartbeat)",
			 tx->msg->name, canbus_name(tx->bus),
			 bench_strerror(rc));
	tx->send_failed = rc < 0;
	return rc;
}

int bms_tx_set_contactor(struct bms_tx *tx, bool close, int64_t t_us)
{
	if (!tx)
		return BENCH_OK;
	tx->close_req = close;
	return send_now(tx, t_us);
}

bool bms_tx_contactor_requested(const struct bms_tx *tx)
{
	return tx && tx->close_req;
}

int bms_tx_poll(struct bms_tx *tx, int64_t t_us)
{
	if (!tx || t_us < tx->next_us)
		return BENCH_OK;
	return send_now(tx, t_us);
}
