/* SPDX-License-Identifier: Apache-2.0 */
/* capture_synth.h - synthetic CAN captures for `bench pack decode` tests:
 * frames and ISO-TP PDUs (segmented as an ECU would, with the tester's
 * flow control in between) collected with their times, then written as a
 * candump log or a Vector ASC log. Header-only (static inline). */
#ifndef BENCH_TESTS_CAPTURE_SYNTH_H
#define BENCH_TESTS_CAPTURE_SYNTH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can/canframe.h"
#include "can/canlog.h"

#define CAP_MAX 8192

struct cap {
	struct canframe f[CAP_MAX];
	int64_t t_us[CAP_MAX];
	unsigned n;
	int64_t now_us; /* the next frame's time; each frame adds 1 ms */
};

static inline void cap_frame(struct cap *c, uint32_t id, const uint8_t *b,
			     unsigned len)
{
	struct canframe *f = &c->f[c->n];

	if (c->n == CAP_MAX)
		abort();
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->len = (uint8_t)len;
	memcpy(f->data, b, len);
	c->t_us[c->n++] = c->now_us;
	c->now_us += 1000;
}

/* One PDU on id, padded to 8 bytes with pad; a multi-frame PDU gets the
 * receiver's flow control "30 00 19" on fc_id after its first frame.
 * drop_cf: the consecutive frame (1-based) left out, 0 = none. */
static inline void cap_isotp(struct cap *c, uint32_t id, uint32_t fc_id,
			     const uint8_t *pdu, size_t n, uint8_t pad,
			     unsigned drop_cf)
{
	uint8_t b[8];
	size_t off;
	unsigned sn = 1, k = 0;

	memset(b, pad, 8);
	if (n <= 7) {
		b[0] = (uint8_t)n;
		memcpy(b + 1, pdu, n);
		cap_frame(c, id, b, 8);
		return;
	}
	b[0] = (uint8_t)(0x10 | (n >> 8));
	b[1] = (uint8_t)n;
	memcpy(b + 2, pdu, 6);
	cap_frame(c, id, b, 8);
	{
		const uint8_t fc[8] = {0x30, 0x00, 0x19, pad,
				       pad,  pad,  pad,	 pad};
		cap_frame(c, fc_id, fc, 8);
	}
	for (off = 6; off < n; off += 7) {
		size_t m = n - off < 7 ? n - off : 7;

		memset(b, pad, 8);
		b[0] = (uint8_t)(0x20 | (sn & 0x0F));
		memcpy(b + 1, pdu + off, m);
		sn++;
		if (++k != drop_cf)
			cap_frame(c, id, b, 8);
	}
}

/* A request and its reply (reply NULL: never answered). */
static inline void cap_poll(struct cap *c, uint32_t tx, uint32_t rx,
			    const uint8_t *req, size_t req_n,
			    const uint8_t *rep, size_t rep_n, uint8_t pad,
			    unsigned drop_cf)
{
	cap_isotp(c, tx, rx, req, req_n, pad, 0);
	c->now_us += 5000;
	if (rep)
		cap_isotp(c, rx, tx, rep, rep_n, pad, drop_cf);
	c->now_us += 100000;
}

static inline char *cap_candump(const struct cap *c)
{
	char *text = malloc((size_t)c->n * CANLOG_LINE_MAX + 1), *p = text;
	struct canlog_rec rec;

	for (unsigned i = 0; i < c->n; i++) {
		canlog_rec_set(&rec, 1700000000000000 + c->t_us[i], "can0",
			       &c->f[i]);
		p += canlog_format(&rec, p, CANLOG_LINE_MAX);
	}
	*p = '\0';
	return text;
}

static inline char *cap_asc(const struct cap *c)
{
	char *text = malloc((size_t)c->n * 96 + 256), *p = text;

	p += sprintf(p, "date Tue Nov 14 10:13:20.123 pm 2023\n"
			"base hex  timestamps absolute\n"
			"internal events logged\n"
			"Begin Triggerblock Tue Nov 14 10:13:20.123 pm 2023\n");
	for (unsigned i = 0; i < c->n; i++) {
		const struct canframe *f = &c->f[i];

		p += sprintf(p, "   %.6f 1  %X             Rx   d %u",
			     (double)c->t_us[i] / 1e6, f->id, f->len);
		for (unsigned k = 0; k < f->len; k++)
			p += sprintf(p, " %02X", f->data[k]);
		p += sprintf(p, "\n");
	}
	sprintf(p, "End TriggerBlock\n");
	return text;
}

#endif
