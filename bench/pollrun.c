/* SPDX-License-Identifier: Apache-2.0 */
/* pollrun.c - a profile's polls against a pack (see pollrun.h). */
#define LOG_PREFIX "pollrun"

#include "bench/pollrun.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/polldec.h"
#include "bench/poller.h"
#include "can/isotp.h"
#include "common/log.h"
#include "common/rc.h"

struct pollrun {
	const struct poll_set *set;
	struct isotp *const *links;
	struct packstate *ps;
	pollrun_event_fn fn;
	void *ctx;
	struct poller *poller;
	struct poller_ecu ecus[POLL_MAX_ECUS];
	struct poller_entry entries[POLL_MAX_POLLS];
	int64_t now_us;
	unsigned upd;
	uint8_t buf[ISOTP_MAX_LEN];
};

static const char *const codes[] = {
    [POLLRUN_OK] = NULL,
    [POLLRUN_REPLY_SHORT] = "bench:POLL_REPLY_SHORT",
    [POLLRUN_NEGATIVE] = "bench:POLL_NEGATIVE",
    [POLLRUN_TIMEOUT] = "bench:POLL_TIMEOUT",
    [POLLRUN_LINK] = "bench:POLL_LINK",
};

const char *pollrun_code(enum pollrun_ev kind)
{
	return (unsigned)kind < sizeof(codes) / sizeof(codes[0]) ? codes[kind]
								 : NULL;
}

static void event(struct pollrun *r, enum pollrun_ev kind, unsigned ecu,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void event(struct pollrun *r, enum pollrun_ev kind, unsigned ecu,
		  const char *fmt, ...)
{
	char msg[200] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->fn(r->ctx, kind, ecu, pollrun_code(kind), msg, r->now_us);
}

static int send_req(void *ctx, unsigned ecu, const uint8_t *req, size_t len)
{
	struct pollrun *r = ctx;
	int rc = isotp_send(r->links[ecu], req, len);

	if (rc < 0)
		event(r, POLLRUN_LINK, ecu,
		      "%s: request %02X %02X... not sent: %s",
		      r->set->ecus[ecu].name, req[0], len > 1 ? req[1] : 0,
		      bench_strerror(rc));
	return rc;
}

static void report(void *ctx, const struct poller_entry *e, int rc,
		   const struct uds_reply *rep)
{
	struct pollrun *r = ctx;
	unsigned i = (unsigned)(e - r->entries), upd;
	const struct poll_def *d = &r->set->polls[i];
	const char *ecu = r->set->ecus[d->ecu].name;

	if (rc == BENCH_ERR_TIMEOUT) {
		event(r, POLLRUN_TIMEOUT, d->ecu,
		      "poll '%s' on %s: no answer after %u tries", d->name, ecu,
		      d->retries + 1u);
		return;
	}
	if (rc < 0 || !rep)
		return; /* a failed send is reported by send_req */
	if (rep->kind == UDS_NEGATIVE) {
		event(r, POLLRUN_NEGATIVE, d->ecu,
		      "poll '%s' on %s: negative response 0x%02X %s", d->name,
		      ecu, rep->nrc, uds_nrc_name(rep->nrc));
		return;
	}
	if (polldec_reply(r->ps, r->set, i, rep->data, rep->len, r->now_us,
			  &upd) < 0) {
		event(r, POLLRUN_REPLY_SHORT, d->ecu,
		      "poll '%s' on %s: reply of %zu data bytes, the layout "
		      "needs %u",
		      d->name, ecu, rep->len, d->min_len);
		return;
	}
	r->upd |= upd;
	event(r, POLLRUN_OK, d->ecu, "poll '%s' on %s", d->name, ecu);
}

int pollrun_new(const struct poll_set *set, struct isotp *const *links,
		struct packstate *ps, pollrun_event_fn fn, void *ctx,
		struct pollrun **out)
{
	struct poller_cfg cfg;
	struct pollrun *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	r->set = set;
	r->links = links;
	r->ps = ps;
	r->fn = fn;
	r->ctx = ctx;
	for (unsigned i = 0; i < set->n_ecus; i++)
		r->ecus[i] = (struct poller_ecu){
		    set->ecus[i].name, set->ecus[i].p2_ms,
		    set->ecus[i].p2star_ms, set->ecus[i].gap_ms};
	for (unsigned i = 0; i < set->n_polls; i++) {
		const struct poll_def *d = &set->polls[i];
		struct poller_entry *e = &r->entries[i];

		e->name = d->name;
		e->ecu = d->ecu;
		e->req = d->req;
		for (int s = 0; s < POLLER_NSTATES; s++)
			e->period_ms[s] = d->period_ms[s];
		e->priority = d->priority;
		e->retries = d->retries;
	}
	cfg = (struct poller_cfg){r->ecus, set->n_ecus, r->entries,
				  set->n_polls, set->backoff_ms};
	rc = poller_new(&cfg, send_req, report, r, &r->poller);
	if (rc < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return BENCH_OK;
}

void pollrun_free(struct pollrun *r)
{
	if (!r)
		return;
	poller_free(r->poller);
	free(r);
}

unsigned pollrun_tick(struct pollrun *r, enum poller_state st, int64_t now_us)
{
	r->now_us = now_us;
	r->upd = 0;
	for (unsigned i = 0; i < r->set->n_ecus; i++) {
		int n;

		/* a bounded drain: a babbling peer cannot hold the tick */
		for (int k = 0; k < 8; k++) {
			n = isotp_recv(r->links[i], r->buf, sizeof(r->buf), 0);
			if (n == 0)
				break;
			if (n < 0) {
				event(r, POLLRUN_LINK, i,
				      "%s: reception failed: %s",
				      r->set->ecus[i].name, bench_strerror(n));
				break;
			}
			poller_on_pdu(r->poller, i, r->buf, (size_t)n, now_us);
		}
	}
	poller_set_state(r->poller, st);
	poller_tick(r->poller, now_us);
	return r->upd;
}
