/* SPDX-License-Identifier: Apache-2.0 */
/* packdecode.c - a capture through a profile (see packdecode.h). */
#define LOG_PREFIX "packdecode"

#include "bench/packdecode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/polldec.h"
#include "bench/profile.h"
#include "bench/uds.h"
#include "can/isotp_listen.h"
#include "common/json.h"
#include "common/log.h"
#include "common/rc.h"

struct pd_ecu {
	struct isotp_listen tp;
	struct uds_client uds;
	int poll; /* the outstanding request's poll, -1 = none */
	int64_t sent_us;
};

struct packdecode {
	const struct profile *p;
	struct packstate *ps;
	packdecode_event_fn fn;
	void *ctx;
	struct pd_ecu ecus[POLL_MAX_ECUS];
	struct isotp_listen_pdu pdu;
	struct packdecode_stats st;
};

int packdecode_new(const struct profile *p, const struct dbc *db,
		   packdecode_event_fn fn, void *ctx, struct packdecode **out)
{
	struct packstate_map map;
	struct packdecode *d = calloc(1, sizeof(*d));
	int rc;

	if (!d) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	d->p = p;
	d->fn = fn;
	d->ctx = ctx;
	packstate_map_from_profile(p, &map);
	rc = packstate_new(db, &map, &d->ps);
	if (rc < 0) {
		free(d);
		return rc;
	}
	for (unsigned i = 0; i < p->poll.n_ecus; i++) {
		const struct poll_ecu_def *e = &p->poll.ecus[i];

		isotp_listen_init(&d->ecus[i].tp, e->tx_id, e->rx_id, &e->tp);
		uds_client_init(&d->ecus[i].uds, e->p2_ms, e->p2star_ms);
		d->ecus[i].poll = -1;
	}
	*out = d;
	return BENCH_OK;
}

void packdecode_free(struct packdecode *d)
{
	if (!d)
		return;
	packstate_free(d->ps);
	free(d);
}

static void event(struct packdecode *d, unsigned ecu, enum packdecode_ev kind,
		  int64_t t_us, const char *what)
{
	const struct poll_set *s = &d->p->poll;
	const struct poll_def *pd = &s->polls[d->ecus[ecu].poll];
	char req[3 * UDS_REQ_MAX + 1] = "", msg[256];
	size_t n = 0;

	for (unsigned i = 0; i < pd->req.len; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "%s%02X",
				      i ? " " : "", pd->req.data[i]);
	snprintf(msg, sizeof(msg), "poll '%s' (%s) to ECU '%s': %s", pd->name,
		 req, s->ecus[ecu].name, what);
	d->st.events[kind]++;
	if (d->fn)
		d->fn(d->ctx, kind, msg, t_us);
}

/* The outstanding request is over, answered or not. */
static void settle(struct pd_ecu *e)
{
	e->poll = -1;
	uds_client_init(&e->uds, (uint32_t)(e->uds.p2_us / 1000),
			(uint32_t)(e->uds.p2star_us / 1000));
}

static void check_timeout(struct packdecode *d, unsigned i, int64_t t_us)
{
	struct pd_ecu *e = &d->ecus[i];
	char what[96];

	/* a long reply still arriving is not late */
	if (e->poll < 0 || e->tp.dir[ISOTP_LISTEN_REPLY].rx_active ||
	    uds_client_poll(&e->uds, t_us) != BENCH_ERR_TIMEOUT)
		return;
	snprintf(what, sizeof(what), "no reply (request at %.6f s)",
		 (double)e->sent_us / 1e6);
	event(d, i, PACKDECODE_UNANSWERED, t_us, what);
	settle(e);
}

static void on_request(struct packdecode *d, unsigned i, const uint8_t *b,
		       size_t n, int64_t t_us)
{
	const struct poll_set *s = &d->p->poll;
	struct pd_ecu *e = &d->ecus[i];

	for (unsigned k = 0; k < s->n_polls; k++) {
		const struct poll_def *pd = &s->polls[k];

		if (pd->ecu != i || pd->req.len != n ||
		    memcmp(pd->req.data, b, n))
			continue;
		if (e->poll >= 0) {
			event(d, i, PACKDECODE_UNANSWERED, t_us,
			      "no reply before the next request");
			settle(e);
		}
		d->st.requests++;
		e->poll = (int)k;
		e->sent_us = t_us;
		uds_client_start(&e->uds, &pd->req, t_us);
		return;
	}
	/* another tester's request (session, tester present...): ours, if
	 * one waits, may still be answered */
}

static unsigned on_reply(struct packdecode *d, unsigned i, const uint8_t *b,
			 size_t n, int64_t t_us)
{
	struct pd_ecu *e = &d->ecus[i];
	struct uds_reply r;
	unsigned upd = 0;
	char what[96];

	if (e->poll < 0 ||
	    uds_client_on_pdu(&e->uds, b, n, t_us, &r) != UDS_EV_DONE)
		return 0;
	if (r.kind == UDS_NEGATIVE) {
		snprintf(what, sizeof(what), "negative response 0x%02X %s",
			 r.nrc, uds_nrc_name(r.nrc));
		event(d, i, PACKDECODE_NEGATIVE, t_us, what);
	} else if (polldec_reply(d->ps, &d->p->poll, (unsigned)e->poll, r.data,
				 r.len, t_us, &upd) < 0) {
		snprintf(what, sizeof(what),
			 "reply of %zu data bytes, the layout needs %u", r.len,
			 d->p->poll.polls[e->poll].min_len);
		event(d, i, PACKDECODE_SHORT, t_us, what);
	} else {
		d->st.replies++;
	}
	settle(e);
	return upd;
}

static unsigned on_pdu(struct packdecode *d, unsigned i, int64_t t_us)
{
	const struct isotp_listen_pdu *p = &d->pdu;

	if (p->dir == ISOTP_LISTEN_REQUEST) {
		if (p->rc > 0)
			on_request(d, i, p->data, (size_t)p->rc, t_us);
		return 0;
	}
	if (p->rc > 0)
		return on_reply(d, i, p->data, (size_t)p->rc, t_us);
	if (d->ecus[i].poll >= 0) {
		event(d, i, PACKDECODE_LOST, t_us,
		      p->rc == BENCH_ERR_TIMEOUT
			  ? "reply incomplete: a consecutive frame never came"
			  : "reply lost: consecutive frame out of sequence");
		settle(&d->ecus[i]);
	}
	return 0;
}

unsigned packdecode_frame(struct packdecode *d, const struct canframe *f,
			  int64_t t_us)
{
	unsigned upd = packstate_on_frame(d->ps, f, t_us);

	d->st.frames++;
	d->st.broadcast = packstate_snap(d->ps)->frames;
	for (unsigned i = 0; i < d->p->poll.n_ecus; i++) {
		const struct canframe *in = f;

		check_timeout(d, i, t_us);
		while (isotp_listen_frame(&d->ecus[i].tp, in, t_us, &d->pdu)) {
			in = NULL;
			upd |= on_pdu(d, i, t_us);
		}
	}
	return upd;
}

void packdecode_end(struct packdecode *d, int64_t t_us)
{
	for (unsigned i = 0; i < d->p->poll.n_ecus; i++) {
		check_timeout(d, i, t_us);
		if (d->ecus[i].poll >= 0) {
			const struct isotp_engine *rx =
			    &d->ecus[i].tp.dir[ISOTP_LISTEN_REPLY];
			char msg[96];

			/* a logger that drops the last frames (an ELM327's
			 * buffer) leaves a reply begun, not a missing one */
			if (rx->rx_active) {
				snprintf(msg, sizeof(msg),
					 "reply cut off by the end of the "
					 "capture after %u of %u bytes",
					 (unsigned)rx->rx_off,
					 (unsigned)rx->rx_len);
				event(d, i, PACKDECODE_LOST, t_us, msg);
			} else {
				event(d, i, PACKDECODE_UNANSWERED, t_us,
				      "no reply before the capture ended");
			}
			settle(&d->ecus[i]);
		}
	}
}

const struct pack_snap *packdecode_snap(const struct packdecode *d)
{
	return packstate_snap(d->ps);
}

const struct packdecode_stats *packdecode_stats(const struct packdecode *d)
{
	return &d->st;
}

#define NUM "%.6g"

static void key_opt(struct json *j, const char *key, bool have, double v)
{
	json_key(j, key);
	if (have)
		json_num(j, v, NUM);
	else
		json_null(j);
}

void packdecode_json_members(const struct pack_snap *s, struct json *j)
{
	int lo, hi, tlo = -1, thi = pack_snap_temp_max(s);

	json_key(j, "cell_voltage_volt");
	json_arr(j);
	for (unsigned i = 0; i < s->series; i++)
		if (s->cell_seen_us[i])
			json_num(j, s->cell_mV[i] / 1000.0, NUM);
		else
			json_null(j);
	json_end(j);
	json_key(j, "temperature_celsius");
	json_arr(j);
	for (unsigned i = 0; i < s->n_probes; i++)
		if (s->temp_seen_us[i])
			json_num(j, s->temp_ddegC[i] / 10.0, NUM);
		else
			json_null(j);
	json_end(j);
	for (unsigned i = 0; i < s->n_probes; i++)
		if (s->temp_seen_us[i] &&
		    (tlo < 0 || s->temp_ddegC[i] < s->temp_ddegC[tlo]))
			tlo = (int)i;
	pack_snap_cell_minmax(s, &lo, &hi);
	key_opt(j, "voltage_volt", s->have & PACK_HAVE_PACK_V,
		s->pack_mV / 1000.0);
	key_opt(j, "current_ampere", s->have & PACK_HAVE_PACK_I,
		s->pack_mA / 1000.0);
	key_opt(j, "soc_percent", s->have & PACK_HAVE_SOC,
		s->soc_permille / 10.0);
	key_opt(j, "soh_percent", s->have & PACK_HAVE_SOH,
		s->soh_permille / 10.0);
	key_opt(j, "capacity_ah", s->have & PACK_HAVE_CAPACITY,
		s->capacity_mAh / 1000.0);
	key_opt(j, "cell_voltage_min_volt", lo >= 0,
		lo >= 0 ? s->cell_mV[lo] / 1000.0 : 0);
	key_opt(j, "cell_voltage_max_volt", hi >= 0,
		hi >= 0 ? s->cell_mV[hi] / 1000.0 : 0);
	key_opt(j, "temperature_min_celsius", tlo >= 0,
		tlo >= 0 ? s->temp_ddegC[tlo] / 10.0 : 0);
	key_opt(j, "temperature_max_celsius", thi >= 0,
		thi >= 0 ? s->temp_ddegC[thi] / 10.0 : 0);
	key_opt(j, "rated_capacity_ah", s->have & PACK_HAVE_RATED_CAP,
		s->rated_capacity_mAh / 1000.0);
	key_opt(j, "rated_voltage_volt", s->have & PACK_HAVE_RATED_V,
		s->rated_mV / 1000.0);
}
