/* SPDX-License-Identifier: Apache-2.0 */
/* labhub.h - `bench lab serve`'s state: every bench's row, and the
 * server-sent-event clients that follow it (docs/telemetry.md).
 *
 * The MQTT thread feeds messages in and never waits on a client: each
 * client has a bounded queue, and a full queue drops its oldest event and
 * counts it. The HTTP threads take from their client's queue. */
#ifndef BENCH_APP_LABHUB_H
#define BENCH_APP_LABHUB_H

#include <stddef.h>

#define LABHUB_MAX_BENCHES 256

struct labhub;
struct labhub_client;

/* max_clients SSE clients at a time, queue_len events each (>= 1). */
int labhub_new(unsigned max_clients, unsigned queue_len, struct labhub **out);
/* After every client left. */
void labhub_free(struct labhub *h);

/* One MQTT message (bench/<id>/<kind>); a change is queued to every
 * client as that bench's whole row. */
void labhub_message(struct labhub *h, const char *topic, const char *payload,
		    size_t len);

/* {"benches":[row...]} sorted by bench id, malloc'd; NULL: no memory. */
char *labhub_json(struct labhub *h);

/* A new SSE client, its queue holding every bench's row; NULL when
 * max_clients follow already (or no memory). */
struct labhub_client *labhub_join(struct labhub *h);
void labhub_leave(struct labhub_client *c);

/* The next SSE text to send, malloc'd: "event: bench\ndata: ROW\n\n",
 * preceded by ": dropped N\n" when N events were dropped since; after
 * wait_ms without one, a keep-alive comment. NULL once labhub_stop was
 * called (or no memory). */
char *labhub_next(struct labhub_client *c, int wait_ms);

/* Wake every waiting client: the server stops. */
void labhub_stop(struct labhub *h);

#endif
