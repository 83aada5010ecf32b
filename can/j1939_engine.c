/* SPDX-License-Identifier: Apache-2.0 */
/* j1939_engine.c - J1939-21 transport, pure (see j1939_engine.h). */
#define LOG_PREFIX "j1939"
#include "j1939_engine.h"

#include <string.h>

#include "common/log.h"
#include "common/rc.h"

static void put_pgn(uint8_t *p, uint32_t pgn)
{
	p[0] = (uint8_t)pgn;
	p[1] = (uint8_t)(pgn >> 8);
	p[2] = (uint8_t)(pgn >> 16);
}

static uint32_t get_pgn(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)(p[2] & 3) << 16;
}

static uint8_t npkt_of(size_t len)
{
	return (uint8_t)((len + 6) / 7);
}

static int emit_frame(struct j1939_engine *e, uint8_t prio, uint32_t pgn,
		      uint8_t dst, const uint8_t *data, size_t len)
{
	struct canframe f = {0};

	f.id = CANFRAME_EFF | j1939_id(prio, pgn, dst, e->addr);
	f.len = (uint8_t)len;
	memcpy(f.data, data, len);
	return e->emit(e->ctx, &f);
}

/* TP.CM: control byte, four bytes that depend on it, the PGN moved */
static int send_cm(struct j1939_engine *e, uint8_t prio, uint8_t dst,
		   const uint8_t head[5], uint32_t pgn)
{
	uint8_t d[8];

	memcpy(d, head, 5);
	put_pgn(d + 5, pgn);
	return emit_frame(e, prio, J1939_PGN_TP_CM, dst, d, sizeof(d));
}

static int send_abort(struct j1939_engine *e, uint8_t prio, uint8_t dst,
		      uint8_t reason, uint32_t pgn)
{
	const uint8_t h[5] = {J1939_TP_ABORT, reason, 0xFF, 0xFF, 0xFF};

	e->tx_abort = reason;
	return send_cm(e, prio, dst, h, pgn);
}

static int send_dt(struct j1939_engine *e, uint8_t prio, uint8_t dst,
		   const uint8_t *buf, uint16_t len, uint8_t seq)
{
	size_t off = (size_t)(seq - 1) * 7, n = len - off;
	uint8_t d[8];

	memset(d, 0xFF, sizeof(d));
	d[0] = seq;
	memcpy(d + 1, buf + off, n < 7 ? n : 7);
	return emit_frame(e, prio, J1939_PGN_TP_DT, dst, d, sizeof(d));
}

void j1939_engine_init(struct j1939_engine *e, uint8_t addr, j1939_emit_fn emit,
		       void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	e->emit = emit;
	e->ctx = ctx;
}

static void tx_end(struct j1939_engine *e, int rc)
{
	e->tx_phase = J1939_TX_IDLE;
	e->tx_rc = rc;
}

static void enqueue(struct j1939_engine *e, uint32_t pgn, uint8_t src,
		    uint8_t dst, uint8_t prio, const uint8_t *data,
		    uint16_t len)
{
	struct j1939_msg *m;

	if (e->q_count == J1939_RX_QUEUE) {
		if (e->q_dropped++ == 0)
			log_warn("0x%02X: receive queue full, dropping PGN "
				 "0x%X from 0x%02X",
				 e->addr, (unsigned)pgn, src);
		return;
	}
	m = &e->q[(e->q_head + e->q_count++) % J1939_RX_QUEUE];
	m->pgn = pgn;
	m->src = src;
	m->dst = dst;
	m->prio = prio;
	m->len = len;
	memcpy(m->data, data, len);
}

int j1939_engine_send(struct j1939_engine *e, uint8_t prio, uint32_t pgn,
		      uint8_t dst, const uint8_t *buf, size_t len,
		      int64_t now_us)
{
	uint8_t h[5];
	int rc;

	if (len == 0 || len > J1939_MAX_LEN)
		return BENCH_ERR_ARG;
	if (len <= 8)
		return emit_frame(e, prio, pgn, dst, buf, len);
	if (e->tx_phase != J1939_TX_IDLE)
		return BENCH_ERR_STATE;
	memcpy(e->tx_buf, buf, len);
	e->tx_len = (uint16_t)len;
	e->tx_npkt = npkt_of(len);
	e->tx_pgn = pgn;
	e->tx_prio = prio;
	e->tx_dst = dst;
	e->tx_abort = 0;
	h[0] = dst == J1939_ADDR_GLOBAL ? J1939_TP_BAM : J1939_TP_RTS;
	h[1] = (uint8_t)len;
	h[2] = (uint8_t)(len >> 8);
	h[3] = e->tx_npkt;
	h[4] = 0xFF; /* RTS: no limit on packets per CTS; BAM: reserved */
	rc = send_cm(e, prio, dst, h, pgn);
	if (rc < 0) {
		tx_end(e, rc);
		return rc;
	}
	e->tx_rc = 1;
	if (dst == J1939_ADDR_GLOBAL) {
		e->tx_phase = J1939_TX_BAM;
		e->tx_next = 1;
		e->tx_due_us = now_us + J1939_BAM_GAP_US;
	} else {
		e->tx_phase = J1939_TX_WAIT_CTS;
		e->tx_due_us = now_us + J1939_T3_US;
	}
	return BENCH_OK;
}

int j1939_engine_tx_result(const struct j1939_engine *e)
{
	return e->tx_rc;
}

static struct j1939_rx_slot *slot_of(struct j1939_engine *e, uint8_t src,
				     bool bam)
{
	struct j1939_rx_slot *free_slot = NULL;
	size_t i;

	for (i = 0; i < J1939_RX_SLOTS; i++) {
		struct j1939_rx_slot *s = &e->rx[i];

		if (s->active && s->src == src && s->bam == bam)
			return s;
		if (!s->active && !free_slot)
			free_slot = s;
	}
	return free_slot;
}

static void rx_fail(struct j1939_engine *e, struct j1939_rx_slot *s, int rc)
{
	s->active = false;
	e->rx_rc = rc;
}

/* CTS for up to max_per_cts packets from seq */
static int grant(struct j1939_engine *e, struct j1939_rx_slot *s, uint8_t seq,
		 uint8_t max_per_cts, int64_t now_us)
{
	unsigned n = (unsigned)s->npkt - seq + 1;
	uint8_t h[5] = {J1939_TP_CTS, 0, seq, 0xFF, 0xFF};

	if (max_per_cts && n > max_per_cts)
		n = max_per_cts;
	h[1] = (uint8_t)n;
	s->block_end = (uint8_t)(seq + n - 1);
	s->due_us = now_us + J1939_T2_US;
	return send_cm(e, s->prio, s->src, h, s->pgn);
}

static void rx_start(struct j1939_engine *e, const uint8_t *d, uint8_t src,
		     uint8_t prio, bool bam, int64_t now_us)
{
	uint16_t len = (uint16_t)(d[1] | d[2] << 8);
	uint32_t pgn = get_pgn(d + 5);
	struct j1939_rx_slot *s = slot_of(e, src, bam);
	bool ok = len > 8 && len <= J1939_MAX_LEN && d[3] == npkt_of(len);

	if (!s || !ok) {
		log_warn("0x%02X: %s from 0x%02X for PGN 0x%X, %u bytes in %u "
			 "packets: refused",
			 e->addr, bam ? "BAM" : "RTS", src, (unsigned)pgn, len,
			 d[3]);
		if (s)
			s->active = false;
		if (!bam)
			send_abort(e, prio, src, J1939_ABORT_RESOURCES, pgn);
		return;
	}
	memset(s->buf, 0xFF, len);
	s->active = true;
	s->bam = bam;
	s->src = src;
	s->prio = prio;
	s->pgn = pgn;
	s->len = len;
	s->npkt = d[3];
	s->next_seq = 1;
	if (bam) {
		s->block_end = s->npkt;
		s->due_us = now_us + J1939_T1_US;
		return;
	}
	s->max_per_cts = d[4] == 0xFF ? 0 : d[4];
	if (grant(e, s, 1, s->max_per_cts, now_us) < 0)
		rx_fail(e, s, BENCH_ERR_IO);
}

static void on_dt(struct j1939_engine *e, const struct canframe *f, uint8_t src,
		  bool bam, int64_t now_us)
{
	struct j1939_rx_slot *s = slot_of(e, src, bam);
	uint8_t seq = f->data[0];
	size_t off, n;

	if (!s || !s->active)
		return;
	if (seq != s->next_seq) {
		log_warn("0x%02X: TP.DT from 0x%02X for PGN 0x%X: packet %u, "
			 "expected %u: transfer dropped",
			 e->addr, src, (unsigned)s->pgn, seq, s->next_seq);
		if (!bam)
			send_abort(e, s->prio, src, J1939_ABORT_BAD_SEQ,
				   s->pgn);
		rx_fail(e, s, BENCH_ERR_PROTO);
		return;
	}
	off = (size_t)(seq - 1) * 7;
	n = s->len - off;
	if (n > 7)
		n = 7;
	if (n > (size_t)(f->len - 1))
		n = (size_t)(f->len - 1);
	memcpy(s->buf + off, f->data + 1, n);
	s->next_seq++;
	s->due_us = now_us + J1939_T1_US;
	if (seq == s->npkt) {
		uint8_t h[5] = {J1939_TP_EOMA, (uint8_t)s->len,
				(uint8_t)(s->len >> 8), s->npkt, 0xFF};

		s->active = false;
		if (!bam && send_cm(e, s->prio, src, h, s->pgn) < 0) {
			rx_fail(e, s, BENCH_ERR_IO);
			return;
		}
		enqueue(e, s->pgn, src, bam ? J1939_ADDR_GLOBAL : e->addr,
			s->prio, s->buf, s->len);
	} else if (!bam && seq == s->block_end) {
		if (grant(e, s, (uint8_t)(seq + 1), s->max_per_cts, now_us) < 0)
			rx_fail(e, s, BENCH_ERR_IO);
	}
}

/* the peer's CTS for our transfer: send the packets it asks for */
static void on_cts(struct j1939_engine *e, const uint8_t *d, int64_t now_us)
{
	unsigned n = d[1], first = d[2], last = first + n - 1, seq;

	if (n == 0) { /* hold the connection open */
		e->tx_phase = J1939_TX_WAIT_CTS;
		e->tx_due_us = now_us + J1939_T4_US;
		return;
	}
	if (first == 0 || last > e->tx_npkt) {
		log_warn("0x%02X: CTS from 0x%02X asks for packets %u..%u of "
			 "%u: aborted",
			 e->addr, e->tx_dst, first, last, e->tx_npkt);
		send_abort(e, e->tx_prio, e->tx_dst, J1939_ABORT_BAD_SEQ,
			   e->tx_pgn);
		tx_end(e, BENCH_ERR_PROTO);
		return;
	}
	for (seq = first; seq <= last; seq++) {
		int rc = send_dt(e, e->tx_prio, e->tx_dst, e->tx_buf, e->tx_len,
				 (uint8_t)seq);

		if (rc < 0) {
			tx_end(e, rc);
			return;
		}
	}
	e->tx_phase =
	    last == e->tx_npkt ? J1939_TX_WAIT_EOMA : J1939_TX_WAIT_CTS;
	e->tx_due_us = now_us + J1939_T3_US;
}

static void on_abort(struct j1939_engine *e, const uint8_t *d, uint8_t src,
		     uint32_t pgn)
{
	struct j1939_rx_slot *s = slot_of(e, src, false);
	int rc =
	    d[1] == J1939_ABORT_TIMEOUT ? BENCH_ERR_TIMEOUT : BENCH_ERR_PROTO;

	log_warn("0x%02X: 0x%02X aborted the transfer of PGN 0x%X "
		 "(reason %u)",
		 e->addr, src, (unsigned)pgn, d[1]);
	if ((e->tx_phase == J1939_TX_WAIT_CTS ||
	     e->tx_phase == J1939_TX_WAIT_EOMA) &&
	    src == e->tx_dst && pgn == e->tx_pgn) {
		e->tx_abort = d[1];
		tx_end(e, rc);
	}
	if (s && s->active && s->pgn == pgn) {
		e->tx_abort = d[1];
		rx_fail(e, s, rc);
	}
}

static void on_cm(struct j1939_engine *e, const struct canframe *f, uint8_t src,
		  uint8_t dst, uint8_t prio, int64_t now_us)
{
	const uint8_t *d = f->data;
	uint32_t pgn = get_pgn(d + 5);
	bool to_us = dst == e->addr;
	bool ours = (e->tx_phase == J1939_TX_WAIT_CTS ||
		     e->tx_phase == J1939_TX_WAIT_EOMA) &&
		    src == e->tx_dst && pgn == e->tx_pgn;

	switch (d[0]) {
	case J1939_TP_RTS:
		if (to_us)
			rx_start(e, d, src, prio, false, now_us);
		break;
	case J1939_TP_BAM:
		if (!to_us)
			rx_start(e, d, src, prio, true, now_us);
		break;
	case J1939_TP_CTS:
		if (to_us && ours)
			on_cts(e, d, now_us);
		break;
	case J1939_TP_EOMA:
		if (to_us && ours && e->tx_phase == J1939_TX_WAIT_EOMA)
			tx_end(e, BENCH_OK);
		break;
	case J1939_TP_ABORT:
		if (to_us)
			on_abort(e, d, src, pgn);
		break;
	default:
		break;
	}
}

void j1939_engine_on_frame(struct j1939_engine *e, const struct canframe *f,
			   int64_t now_us)
{
	uint8_t prio, dst, src;
	uint32_t pgn;

	if (!(f->id & CANFRAME_EFF) || (f->id & (CANFRAME_RTR | CANFRAME_ERR)))
		return;
	j1939_id_split(f->id & CANFRAME_EFF_MASK, &prio, &pgn, &dst, &src);
	if (src == e->addr || (dst != e->addr && dst != J1939_ADDR_GLOBAL) ||
	    f->len > 8)
		return;
	if (pgn == J1939_PGN_TP_CM) {
		if (f->len == 8)
			on_cm(e, f, src, dst, prio, now_us);
	} else if (pgn == J1939_PGN_TP_DT) {
		if (f->len >= 1)
			on_dt(e, f, src, dst == J1939_ADDR_GLOBAL, now_us);
	} else {
		enqueue(e, pgn, src, dst, prio, f->data, f->len);
	}
}

void j1939_engine_tick(struct j1939_engine *e, int64_t now_us)
{
	size_t i;

	while (e->tx_phase == J1939_TX_BAM && now_us >= e->tx_due_us) {
		int rc = send_dt(e, e->tx_prio, J1939_ADDR_GLOBAL, e->tx_buf,
				 e->tx_len, e->tx_next);

		if (rc < 0 || e->tx_next == e->tx_npkt)
			tx_end(e, rc < 0 ? rc : BENCH_OK);
		e->tx_next++;
		e->tx_due_us += J1939_BAM_GAP_US;
	}
	if ((e->tx_phase == J1939_TX_WAIT_CTS ||
	     e->tx_phase == J1939_TX_WAIT_EOMA) &&
	    now_us >= e->tx_due_us) {
		log_warn("0x%02X: no %s from 0x%02X for PGN 0x%X in time: "
			 "aborted",
			 e->addr,
			 e->tx_phase == J1939_TX_WAIT_CTS ? "CTS" : "EOMA",
			 e->tx_dst, (unsigned)e->tx_pgn);
		send_abort(e, e->tx_prio, e->tx_dst, J1939_ABORT_TIMEOUT,
			   e->tx_pgn);
		tx_end(e, BENCH_ERR_TIMEOUT);
	}
	for (i = 0; i < J1939_RX_SLOTS; i++) {
		struct j1939_rx_slot *s = &e->rx[i];

		if (!s->active || now_us < s->due_us)
			continue;
		log_warn("0x%02X: TP.DT %u of %u from 0x%02X for PGN 0x%X did "
			 "not come in time: transfer dropped",
			 e->addr, s->next_seq, s->npkt, s->src,
			 (unsigned)s->pgn);
		if (!s->bam)
			send_abort(e, s->prio, s->src, J1939_ABORT_TIMEOUT,
				   s->pgn);
		rx_fail(e, s, BENCH_ERR_TIMEOUT);
	}
}

int64_t j1939_engine_next_us(const struct j1939_engine *e)
{
	int64_t t = INT64_MAX;
	size_t i;

	if (e->tx_phase != J1939_TX_IDLE)
		t = e->tx_due_us;
	for (i = 0; i < J1939_RX_SLOTS; i++)
		if (e->rx[i].active && e->rx[i].due_us < t)
			t = e->rx[i].due_us;
	return t;
}

int j1939_engine_take(struct j1939_engine *e, struct j1939_msg *m)
{
	int rc;

	if (e->q_count) {
		*m = e->q[e->q_head];
		e->q_head = (e->q_head + 1) % J1939_RX_QUEUE;
		e->q_count--;
		return 1;
	}
	rc = e->rx_rc;
	e->rx_rc = 0;
	return rc;
}
