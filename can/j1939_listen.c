/* SPDX-License-Identifier: Apache-2.0 */
/* j1939_listen.c - passive J1939-21 reassembly (see j1939_listen.h). */
#include "j1939_listen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "j1939_engine.h"

void j1939_listen_init(struct j1939_listen *l, j1939_listen_msg_fn on_msg,
		       j1939_listen_ev_fn on_ev, void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->on_msg = on_msg;
	l->on_ev = on_ev;
	l->ctx = ctx;
}

const char *j1939_abort_reason_name(uint8_t reason)
{
	static const char *const names[] = {
	    [1] = "already in a transfer",
	    [2] = "no resources",
	    [3] = "timeout",
	    [4] = "CTS while sending data",
	    [5] = "retransmit limit",
	    [6] = "unexpected data packet",
	    [7] = "bad sequence number",
	    [8] = "duplicate sequence number",
	    [9] = "message too large",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "other";
}

static uint32_t get_pgn(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)(p[2] & 0x03) << 16;
}

static void ev(struct j1939_listen *l, enum j1939_listen_ev kind, int64_t t_us,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void ev(struct j1939_listen *l, enum j1939_listen_ev kind, int64_t t_us,
	       const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (l->on_ev)
		l->on_ev(l->ctx, kind, what, t_us);
}

/* "BAM from 0xF4 for PGN 0x1100" / "RTS/CTS 0xF4->0x56 for PGN 0x1100" */
static const char *name_of(const struct j1939_listen_slot *s, char *buf,
			   size_t n)
{
	if (s->bam)
		snprintf(buf, n, "BAM from 0x%02X for PGN 0x%X", s->src,
			 (unsigned)s->pgn);
	else
		snprintf(buf, n, "RTS/CTS 0x%02X->0x%02X for PGN 0x%X", s->src,
			 s->dst, (unsigned)s->pgn);
	return buf;
}

static struct j1939_listen_slot *find(struct j1939_listen *l, uint8_t src,
				      uint8_t dst, bool bam)
{
	for (unsigned i = 0; i < J1939_LISTEN_SLOTS; i++) {
		struct j1939_listen_slot *s = &l->slot[i];

		if (s->phase != J1939_LISTEN_IDLE && s->src == src &&
		    s->bam == bam && (bam || s->dst == dst))
			return s;
	}
	return NULL;
}

static struct j1939_listen_slot *free_slot(struct j1939_listen *l)
{
	for (unsigned i = 0; i < J1939_LISTEN_SLOTS; i++)
		if (l->slot[i].phase == J1939_LISTEN_IDLE)
			return &l->slot[i];
	return NULL;
}

static void expire(struct j1939_listen *l, int64_t t_us)
{
	static const char *const waited[] = {
	    [J1939_LISTEN_WAIT_CTS] = "CTS",
	    [J1939_LISTEN_DATA] = "TP.DT",
	    [J1939_LISTEN_WAIT_EOMA] = "EOMA",
	};
	char nm[64];

	for (unsigned i = 0; i < J1939_LISTEN_SLOTS; i++) {
		struct j1939_listen_slot *s = &l->slot[i];

		if (s->phase == J1939_LISTEN_IDLE || t_us <= s->due_us)
			continue;
		if (s->phase == J1939_LISTEN_WAIT_EOMA)
			ev(l, J1939_LISTEN_TIMEOUT, t_us,
			   "%s: no EOMA after the last packet",
			   name_of(s, nm, sizeof(nm)));
		else
			ev(l, J1939_LISTEN_TIMEOUT, t_us,
			   "%s: %s for packet %u of %u did not come in time",
			   name_of(s, nm, sizeof(nm)), waited[s->phase],
			   s->next_seq, s->npkt);
		s->phase = J1939_LISTEN_IDLE;
	}
}

static void deliver(struct j1939_listen *l, uint32_t pgn, uint8_t src,
		    uint8_t dst, uint8_t prio, const uint8_t *d, uint16_t len,
		    int64_t t_us)
{
	l->msg.pgn = pgn;
	l->msg.src = src;
	l->msg.dst = dst;
	l->msg.prio = prio;
	l->msg.len = len;
	memcpy(l->msg.data, d, len);
	if (l->on_msg)
		l->on_msg(l->ctx, &l->msg, t_us);
}

static void on_start(struct j1939_listen *l, const uint8_t *d, uint8_t src,
		     uint8_t dst, uint8_t prio, bool bam, int64_t t_us)
{
	uint16_t len = (uint16_t)(d[1] | d[2] << 8);
	uint32_t pgn = get_pgn(d + 5);
	struct j1939_listen_slot *s = find(l, src, dst, bam);
	const char *kind = bam ? "BAM" : "RTS";
	char nm[64];

	if (s && s->phase == J1939_LISTEN_WAIT_EOMA)
		ev(l, J1939_LISTEN_RESTART, t_us,
		   "%s: a new %s before its EOMA", name_of(s, nm, sizeof(nm)),
		   kind);
	else if (s)
		ev(l, J1939_LISTEN_RESTART, t_us,
		   "%s: a new %s at packet %u of %u",
		   name_of(s, nm, sizeof(nm)), kind, s->next_seq, s->npkt);
	if (s)
		s->phase = J1939_LISTEN_IDLE;
	if (len <= 8 || len > J1939_MAX_LEN || d[3] != (len + 6) / 7) {
		ev(l, J1939_LISTEN_BAD_SIZE, t_us,
		   "%s 0x%02X->0x%02X for PGN 0x%X: %u bytes in %u packets",
		   kind, src, dst, (unsigned)pgn, len, d[3]);
		return;
	}
	s = free_slot(l);
	if (!s) {
		ev(l, J1939_LISTEN_BUSY, t_us,
		   "%s 0x%02X->0x%02X for PGN 0x%X: more than %u transfers "
		   "open",
		   kind, src, dst, (unsigned)pgn, J1939_LISTEN_SLOTS);
		return;
	}
	memset(s->buf, 0xFF, len);
	s->bam = bam;
	s->src = src;
	s->dst = dst;
	s->prio = prio;
	s->pgn = pgn;
	s->len = len;
	s->npkt = d[3];
	s->next_seq = 1;
	s->window_end = bam ? s->npkt : 0;
	s->phase = bam ? J1939_LISTEN_DATA : J1939_LISTEN_WAIT_CTS;
	s->due_us = t_us + (bam ? J1939_T1_US : J1939_T3_US);
}

/* The receiver's CTS: packets n from seq, or hold with n = 0. */
static void on_cts(struct j1939_listen *l, const uint8_t *d, uint8_t src,
		   uint8_t dst, int64_t t_us)
{
	struct j1939_listen_slot *s = find(l, dst, src, false);
	unsigned n = d[1], seq = d[2];
	char nm[64];

	if (!s) {
		ev(l, J1939_LISTEN_STRAY, t_us,
		   "CTS 0x%02X->0x%02X for PGN 0x%X with no transfer open", src,
		   dst, (unsigned)get_pgn(d + 5));
		return;
	}
	if (n == 0) {
		s->phase = J1939_LISTEN_WAIT_CTS;
		s->due_us = t_us + J1939_T4_US;
		return;
	}
	if (seq == 0 || seq + n - 1 > s->npkt) {
		ev(l, J1939_LISTEN_BAD_SIZE, t_us,
		   "%s: CTS asks for packets %u..%u of %u",
		   name_of(s, nm, sizeof(nm)), seq, seq + n - 1, s->npkt);
		s->phase = J1939_LISTEN_IDLE;
		return;
	}
	s->next_seq = (uint8_t)seq; /* a packet asked for again is re-sent */
	s->window_end = (uint8_t)(seq + n - 1);
	s->phase = J1939_LISTEN_DATA;
	s->due_us = t_us + J1939_T2_US;
}

static void on_eoma(struct j1939_listen *l, const uint8_t *d, uint8_t src,
		    uint8_t dst, int64_t t_us)
{
	struct j1939_listen_slot *s = find(l, dst, src, false);
	uint16_t len = (uint16_t)(d[1] | d[2] << 8);
	char nm[64];

	if (!s || s->phase != J1939_LISTEN_WAIT_EOMA) {
		ev(l, J1939_LISTEN_STRAY, t_us,
		   "EOMA 0x%02X->0x%02X for PGN 0x%X before the last packet",
		   src, dst, (unsigned)get_pgn(d + 5));
		if (s)
			s->phase = J1939_LISTEN_IDLE;
		return;
	}
	if (len != s->len || d[3] != s->npkt)
		ev(l, J1939_LISTEN_BAD_SIZE, t_us,
		   "%s: EOMA for %u bytes in %u packets, the RTS said %u in %u",
		   name_of(s, nm, sizeof(nm)), len, d[3], s->len, s->npkt);
	s->phase = J1939_LISTEN_IDLE;
}

static void on_abort(struct j1939_listen *l, const uint8_t *d, uint8_t src,
		     uint8_t dst, int64_t t_us)
{
	struct j1939_listen_slot *s = find(l, src, dst, false);
	char nm[64];

	if (!s)
		s = find(l, dst, src, false);
	if (s) {
		ev(l, J1939_LISTEN_ABORT, t_us,
		   "%s: aborted by 0x%02X, reason %u (%s)",
		   name_of(s, nm, sizeof(nm)), src, d[1],
		   j1939_abort_reason_name(d[1]));
		s->phase = J1939_LISTEN_IDLE;
		return;
	}
	ev(l, J1939_LISTEN_ABORT, t_us,
	   "abort 0x%02X->0x%02X for PGN 0x%X, reason %u (%s), no transfer "
	   "open",
	   src, dst, (unsigned)get_pgn(d + 5), d[1],
	   j1939_abort_reason_name(d[1]));
}

static void on_cm(struct j1939_listen *l, const struct canframe *f, uint8_t src,
		  uint8_t dst, uint8_t prio, int64_t t_us)
{
	const uint8_t *d = f->data;

	if (f->len < 8) {
		ev(l, J1939_LISTEN_BAD_SIZE, t_us,
		   "TP.CM 0x%02X->0x%02X of %u bytes (8 needed)", src, dst,
		   f->len);
		return;
	}
	switch (d[0]) {
	case J1939_TP_RTS:
		on_start(l, d, src, dst, prio, false, t_us);
		break;
	case J1939_TP_BAM:
		on_start(l, d, src, J1939_ADDR_GLOBAL, prio, true, t_us);
		break;
	case J1939_TP_CTS:
		on_cts(l, d, src, dst, t_us);
		break;
	case J1939_TP_EOMA:
		on_eoma(l, d, src, dst, t_us);
		break;
	case J1939_TP_ABORT:
		on_abort(l, d, src, dst, t_us);
		break;
	default:
		ev(l, J1939_LISTEN_STRAY, t_us,
		   "TP.CM 0x%02X->0x%02X with control byte 0x%02X", src, dst,
		   d[0]);
		break;
	}
}

static void on_dt(struct j1939_listen *l, const struct canframe *f, uint8_t src,
		  uint8_t dst, int64_t t_us)
{
	bool bam = dst == J1939_ADDR_GLOBAL;
	struct j1939_listen_slot *s = find(l, src, dst, bam);
	uint8_t seq = f->len ? f->data[0] : 0;
	size_t off, n;
	char nm[64];

	if (!s || s->phase == J1939_LISTEN_WAIT_EOMA) {
		ev(l, J1939_LISTEN_STRAY, t_us,
		   "TP.DT %u 0x%02X->0x%02X without an RTS or BAM", seq, src,
		   dst);
		return;
	}
	if (seq != s->next_seq) {
		ev(l, J1939_LISTEN_BAD_SEQ, t_us,
		   "%s: packet %u where %u was due", name_of(s, nm, sizeof(nm)),
		   seq, s->next_seq);
		s->phase = J1939_LISTEN_IDLE;
		return;
	}
	off = (size_t)(seq - 1) * 7;
	n = s->len - off < 7 ? s->len - off : 7;
	if ((size_t)f->len < n + 1) {
		ev(l, J1939_LISTEN_BAD_SIZE, t_us,
		   "%s: packet %u of %u bytes, %zu needed",
		   name_of(s, nm, sizeof(nm)), seq, f->len, n + 1);
		s->phase = J1939_LISTEN_IDLE;
		return;
	}
	memcpy(s->buf + off, f->data + 1, n);
	s->next_seq++;
	s->due_us = t_us + J1939_T1_US;
	if (seq == s->npkt) {
		s->phase = s->bam ? J1939_LISTEN_IDLE : J1939_LISTEN_WAIT_EOMA;
		s->due_us = t_us + J1939_T3_US;
		deliver(l, s->pgn, s->src, s->dst, s->prio, s->buf, s->len,
			t_us);
	} else if (!s->bam && s->phase == J1939_LISTEN_DATA &&
		   seq == s->window_end) {
		s->phase = J1939_LISTEN_WAIT_CTS;
		s->due_us = t_us + J1939_T3_US;
	}
}

void j1939_listen_frame(struct j1939_listen *l, const struct canframe *f,
			int64_t t_us)
{
	uint8_t prio, dst, src;
	uint32_t pgn;

	expire(l, t_us);
	if (!(f->id & CANFRAME_EFF) ||
	    (f->id & (CANFRAME_RTR | CANFRAME_ERR)) || f->len > 8)
		return;
	j1939_id_split(f->id & CANFRAME_EFF_MASK, &prio, &pgn, &dst, &src);
	if (pgn == J1939_PGN_TP_CM)
		on_cm(l, f, src, dst, prio, t_us);
	else if (pgn == J1939_PGN_TP_DT)
		on_dt(l, f, src, dst, t_us);
	else
		deliver(l, pgn, src, dst, prio, f->data, f->len, t_us);
}

void j1939_listen_end(struct j1939_listen *l, int64_t t_us)
{
	char nm[64];

	expire(l, t_us);
	for (unsigned i = 0; i < J1939_LISTEN_SLOTS; i++) {
		struct j1939_listen_slot *s = &l->slot[i];

		if (s->phase == J1939_LISTEN_IDLE)
			continue;
		/* the capture stopped between the last packet and its EOMA:
		 * the group was delivered, nothing is missing */
		if (s->phase != J1939_LISTEN_WAIT_EOMA)
			ev(l, J1939_LISTEN_TIMEOUT, t_us,
			   "%s: the capture ended at packet %u of %u",
			   name_of(s, nm, sizeof(nm)), s->next_seq, s->npkt);
		s->phase = J1939_LISTEN_IDLE;
	}
}
