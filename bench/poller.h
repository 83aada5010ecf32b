/* SPDX-License-Identifier: Apache-2.0 */
/* poller.h - the diagnostic poll scheduler, pure: time passed in.
 *
 * What to poll is data, not code: a table of ECUs and a table of entries
 * (a profile fills them), each entry with its request, a period per bench
 * state (0 = not polled in that state), a priority and a retry count.
 *   - one outstanding request per ECU; when several entries of an ECU are
 *     due, the highest priority goes first, then the longest overdue
 *   - an entry is due one period after its last poll started (never
 *     polled: at once), so a state change takes effect on the next tick
 *   - a request with no answer within P2 (P2* after "response pending") is
 *     sent again up to `retries` times, then reported as a timeout
 *   - another tester on the bus (a reply we did not ask for, or the caller
 *     seeing a request on our ids) pauses every new request to that ECU for
 *     backoff_ms; the ECU would drop or mix up requests from two testers
 * Sending goes through a callback (the caller owns the ISO-TP endpoints);
 * received PDUs come in through poller_on_pdu; every answer or final
 * timeout goes to the report callback with its entry.
 */
#ifndef BENCH_BENCH_POLLER_H
#define BENCH_BENCH_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "uds.h"

enum poller_state {
	POLLER_IDLE = 0,
	POLLER_CHARGING,
	POLLER_DISCHARGING,
	POLLER_NSTATES,
};

struct poller_ecu {
	const char *name;
	uint32_t p2_ms, p2star_ms; /* 0 = 1000 / 5000 */
	uint32_t gap_ms; /* quiet time after an answer before the next request
			  */
};

struct poller_entry {
	const char *name;
	unsigned ecu; /* index into the ECU table */
	struct uds_req req;
	uint32_t period_ms[POLLER_NSTATES]; /* 0 = not in that state */
	uint8_t priority;		    /* higher first */
	uint8_t retries;		    /* extra sends after a timeout */
};

struct poller_cfg {
	const struct poller_ecu *ecus;
	size_t n_ecus;
	const struct poller_entry *entries;
	size_t n_entries;
	uint32_t backoff_ms; /* 0 = 5000 */
};

/* Send req to ECU number ecu; <0 fails this try. */
typedef int (*poller_send_fn)(void *ctx, unsigned ecu, const uint8_t *req,
			      size_t len);
/* rc BENCH_OK: rep is the answer (positive or negative, data valid during
 * the call only; NULL for a request sent without reply); BENCH_ERR_TIMEOUT
 * after the last retry, or the send error: rep is NULL. */
typedef void (*poller_report_fn)(void *ctx, const struct poller_entry *e,
				 int rc, const struct uds_reply *rep);

struct poller;

/* The tables must outlive the poller. BENCH_ERR_ARG names a bad entry. */
int poller_new(const struct poller_cfg *cfg, poller_send_fn send,
	       poller_report_fn report, void *ctx, struct poller **out);
void poller_free(struct poller *p);
void poller_set_state(struct poller *p, enum poller_state s);
/* Expire waits, then send what is due: the number of requests sent. */
int poller_tick(struct poller *p, int64_t now_us);
/* A PDU received from ECU number ecu. */
void poller_on_pdu(struct poller *p, unsigned ecu, const uint8_t *pdu,
		   size_t len, int64_t now_us);
/* Another tester was seen talking to ECU number ecu. */
void poller_foreign(struct poller *p, unsigned ecu, int64_t now_us);

#endif
