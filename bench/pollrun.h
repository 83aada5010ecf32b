/* SPDX-License-Identifier: Apache-2.0 */
/* pollrun.h - a profile's polls run against a pack: the poller
 * (bench/poller.h) fed from the profile's tables, requests sent and
 * replies received through one ISO-TP endpoint per ECU (can/isotp.h),
 * positive replies decoded into packstate (bench/polldec.h).
 *
 * Whatever goes wrong is a named event, never a crash: a reply shorter
 * than its layout (POLL_REPLY_SHORT), a negative response (POLL_NEGATIVE),
 * no answer after the retries (POLL_TIMEOUT), a failed send or reception
 * (POLL_LINK). The caller turns them into run events and the fault table
 * (bench/ctl.c: POLL_TIMEOUT raises DIAG_POLL_SILENT, debounced). Time is
 * passed in; the endpoints are polled (isotp_recv with 0) each tick.
 */
#ifndef BENCH_POLLRUN_H
#define BENCH_POLLRUN_H

#include <stdint.h>

#include "bench/packstate.h"
#include "bench/polldef.h"

struct isotp;

enum pollrun_ev {
	POLLRUN_OK = 0,	     /* a positive reply decoded */
	POLLRUN_REPLY_SHORT, /* positive, shorter than the layout */
	POLLRUN_NEGATIVE,    /* 7F SID NRC */
	POLLRUN_TIMEOUT,     /* no answer after the retries */
	POLLRUN_LINK,	     /* ISO-TP send or reception failed */
};

/* code: "bench:POLL_TIMEOUT" ... (NULL for POLLRUN_OK); msg names the
 * poll, the ECU and the values. ecu: index into set->ecus. */
typedef void (*pollrun_event_fn)(void *ctx, enum pollrun_ev kind, unsigned ecu,
				 const char *code, const char *msg,
				 int64_t t_us);

struct pollrun;

/* links[i] is the endpoint of set->ecus[i]; set, links and ps outlive
 * the pollrun. */
int pollrun_new(const struct poll_set *set, struct isotp *const *links,
		struct packstate *ps, pollrun_event_fn fn, void *ctx,
		struct pollrun **out);
void pollrun_free(struct pollrun *r);
/* Receive what arrived, then send what is due in state st. Returns the
 * PACK_UPD_* bits the decoded replies changed. */
unsigned pollrun_tick(struct pollrun *r, enum poller_state st, int64_t now_us);
/* Code of an event kind ("bench:POLL_NEGATIVE"), NULL for POLLRUN_OK. */
const char *pollrun_code(enum pollrun_ev kind);

#endif
