/* SPDX-License-Identifier: Apache-2.0 */
/* poller.c - the diagnostic poll scheduler (see poller.h). */
#define LOG_PREFIX "poller"
#include "poller.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

struct ent_rt {
	int64_t last_us;  /* start of the last completed poll */
	int64_t start_us; /* first send of the poll in progress */
	bool polled;	  /* last_us is valid */
	bool retry;	  /* send again at once */
	uint8_t tries;	  /* sends of the poll in progress */
};

struct ecu_rt {
	struct uds_client c;
	int cur;	      /* entry outstanding, -1 = none */
	struct uds_req stale; /* the last request given up (its late answer is
				 no foreign tester) */
	bool has_stale;
	int64_t quiet_until_us, backoff_until_us;
};

struct poller {
	struct poller_cfg cfg;
	int64_t backoff_us;
	enum poller_state state;
	poller_send_fn send;
	poller_report_fn report;
	void *ctx;
	struct ent_rt *ent;
	struct ecu_rt *ecu;
};

int poller_new(const struct poller_cfg *cfg, poller_send_fn send,
	       poller_report_fn report, void *ctx, struct poller **out)
{
	struct poller *p;
	size_t i;

	*out = NULL;
	for (i = 0; i < cfg->n_entries; i++) {
		const struct poller_entry *e = &cfg->entries[i];

		if (e->ecu >= cfg->n_ecus || e->req.len == 0) {
			log_err("poll entry %zu '%s': %s", i,
				e->name ? e->name : "",
				e->req.len ? "no such ECU" : "empty request");
			return BENCH_ERR_ARG;
		}
	}
	p = calloc(1, sizeof(*p));
	if (p) {
		p->ent = calloc(cfg->n_entries + 1, sizeof(*p->ent));
		p->ecu = calloc(cfg->n_ecus + 1, sizeof(*p->ecu));
	}
	if (!p || !p->ent || !p->ecu) {
		log_err("cannot make a poller: out of memory");
		poller_free(p);
		return BENCH_ERR_MEM;
	}
	p->cfg = *cfg;
	p->backoff_us =
	    (int64_t)(cfg->backoff_ms ? cfg->backoff_ms : 5000) * 1000;
	p->send = send;
	p->report = report;
	p->ctx = ctx;
	for (i = 0; i < cfg->n_ecus; i++) {
		uds_client_init(&p->ecu[i].c, cfg->ecus[i].p2_ms,
				cfg->ecus[i].p2star_ms);
		p->ecu[i].cur = -1;
	}
	*out = p;
	return BENCH_OK;
}

void poller_free(struct poller *p)
{
	if (!p)
		return;
	free(p->ent);
	free(p->ecu);
	free(p);
}

void poller_set_state(struct poller *p, enum poller_state s)
{
	if ((unsigned)s < POLLER_NSTATES)
		p->state = s;
}

/* A poll is over (answered, or given up): the period counts from its start. */
static void finish(struct poller *p, size_t i, int rc,
		   const struct uds_reply *rep)
{
	struct ent_rt *r = &p->ent[i];

	r->last_us = r->start_us;
	r->polled = true;
	r->retry = false;
	r->tries = 0;
	p->report(p->ctx, &p->cfg.entries[i], rc, rep);
}

static void expire(struct poller *p, unsigned ecu, int64_t now_us)
{
	struct ecu_rt *er = &p->ecu[ecu];
	const struct poller_entry *e;
	size_t i;

	if (er->cur < 0 || uds_client_poll(&er->c, now_us) == BENCH_OK)
		return;
	i = (size_t)er->cur;
	e = &p->cfg.entries[i];
	er->cur = -1;
	er->stale = e->req;
	er->has_stale = true;
	if (p->ent[i].tries <= e->retries) {
		log_dbg("'%s' on %s: no answer, try %u of %u", e->name,
			p->cfg.ecus[ecu].name, p->ent[i].tries + 1u,
			e->retries + 1u);
		p->ent[i].retry = true;
		return;
	}
	log_warn("'%s' on %s: no answer after %u tries", e->name,
		 p->cfg.ecus[ecu].name, p->ent[i].tries);
	finish(p, i, BENCH_ERR_TIMEOUT, NULL);
}

static int64_t due_us(const struct poller *p, size_t i)
{
	const struct ent_rt *r = &p->ent[i];

	if (r->retry || !r->polled)
		return INT64_MIN;
	return r->last_us +
	       (int64_t)p->cfg.entries[i].period_ms[p->state] * 1000;
}

/* The due entry of this ECU to poll next, or -1. */
static int pick(const struct poller *p, unsigned ecu, int64_t now_us)
{
	int best = -1;
	int64_t best_due = 0;
	size_t i;

	for (i = 0; i < p->cfg.n_entries; i++) {
		const struct poller_entry *e = &p->cfg.entries[i];
		int64_t d;

		if (e->ecu != ecu ||
		    (!p->ent[i].retry && e->period_ms[p->state] == 0))
			continue;
		d = due_us(p, i);
		if (d > now_us)
			continue;
		if (best < 0 || e->priority > p->cfg.entries[best].priority ||
		    (e->priority == p->cfg.entries[best].priority &&
		     d < best_due)) {
			best = (int)i;
			best_due = d;
		}
	}
	return best;
}

int poller_tick(struct poller *p, int64_t now_us)
{
	int sent = 0, i, rc;
	unsigned ecu;

	for (ecu = 0; ecu < p->cfg.n_ecus; ecu++) {
		struct ecu_rt *er = &p->ecu[ecu];
		const struct poller_entry *e;

		expire(p, ecu, now_us);
		if (er->cur >= 0 || now_us < er->backoff_until_us ||
		    now_us < er->quiet_until_us)
			continue;
		i = pick(p, ecu, now_us);
		if (i < 0)
			continue;
		e = &p->cfg.entries[i];
		if (p->ent[i].tries++ == 0)
			p->ent[i].start_us = now_us;
		p->ent[i].retry = false;
		rc = p->send(p->ctx, ecu, e->req.data, e->req.len);
		if (rc < 0) {
			finish(p, (size_t)i, rc, NULL);
			continue;
		}
		sent++;
		if (e->req.no_reply) {
			finish(p, (size_t)i, BENCH_OK, NULL);
			continue;
		}
		uds_client_start(&er->c, &e->req, now_us); /* not busy here */
		er->cur = i;
	}
	return sent;
}

static void back_off(struct poller *p, unsigned ecu, int64_t now_us,
		     const char *why)
{
	struct ecu_rt *er = &p->ecu[ecu];

	if (now_us >= er->backoff_until_us)
		log_warn("%s: %s: another tester is active, polls paused for "
			 "%lld ms",
			 p->cfg.ecus[ecu].name, why,
			 (long long)(p->backoff_us / 1000));
	er->backoff_until_us = now_us + p->backoff_us;
}

void poller_on_pdu(struct poller *p, unsigned ecu, const uint8_t *pdu,
		   size_t len, int64_t now_us)
{
	struct ecu_rt *er;
	struct uds_reply rep;
	size_t i;
	int rc;

	if (ecu >= p->cfg.n_ecus)
		return;
	er = &p->ecu[ecu];
	rc = uds_client_on_pdu(&er->c, pdu, len, now_us, &rep);
	if (rc == UDS_EV_NONE)
		return; /* response pending: waiting longer */
	if (rc < 0) {
		if (er->has_stale &&
		    uds_parse(&er->stale, pdu, len, &rep) == BENCH_OK) {
			log_dbg("%s: late answer to a request given up",
				p->cfg.ecus[ecu].name);
			return;
		}
		back_off(p, ecu, now_us, "a reply we did not ask for");
		return;
	}
	i = (size_t)er->cur;
	er->cur = -1;
	er->has_stale = false;
	er->quiet_until_us = now_us + (int64_t)p->cfg.ecus[ecu].gap_ms * 1000;
	finish(p, i, BENCH_OK, &rep);
}

void poller_foreign(struct poller *p, unsigned ecu, int64_t now_us)
{
	if (ecu < p->cfg.n_ecus)
		back_off(p, ecu, now_us, "a request we did not send");
}
