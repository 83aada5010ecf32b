/* SPDX-License-Identifier: Apache-2.0 */
/* telemetry.h - publish a run to an MQTT broker, never in the control path.
 *
 * The control loop hands statuses and events to a bounded ring
 * (runfile/ring.h) and never waits; a publisher thread of its own drains
 * it, connects (and reconnects with exponential back-off, capped), and
 * publishes through the seam app/mq.h. Statuses are kept latest-only
 * (retained on the broker anyway), events wait in a bounded backlog; what
 * is never published is counted (telemetry_dropped). At the end the final
 * status (and a grade) are published once the broker is reachable, for at
 * most linger_s. Topics and payloads: docs/telemetry.md.
 */
#ifndef BENCH_APP_TELEMETRY_H
#define BENCH_APP_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/run_status.h"
#include "runfile/runschema.h"

struct ctl;

#define TELEMETRY_LINGER_S 10.0

struct telemetry_cfg {
	const char *url; /* mqtt://HOST:PORT | mqtts://HOST:PORT */
	const char *ca, *cert, *key, *username, *password_file; /* or NULL */
	const char *lab;					/* or NULL */
	const char *bench_id; /* the topic's <bench-id> */
	double linger_s;      /* < 0: TELEMETRY_LINGER_S */
	/* false (`bench grade`): no online topic and no last will, the
	 * bench's own process owns them */
	bool announce;
};

struct telemetry;

/* Copies cfg; the thread starts connecting at once. Fails only on a bad
 * URL or an unreadable password file, never because of the broker. */
int telemetry_start(const struct telemetry_cfg *cfg, struct telemetry **out);

/* Control path (never blocks): the status once per second of test time,
 * every event. */
void telemetry_tick(struct telemetry *t, const struct ctl *c, int64_t t_us);
void telemetry_event(void *t, const struct run_event *ev);

/* Messages not published so far (ring full, statuses superseded while the
 * broker was away, events beyond the backlog). For the run's end: it first
 * waits (2 s at most) for the thread to take what is queued. */
uint64_t telemetry_dropped(const struct telemetry *t);

/* The final status (retained, QoS 1) and a grade (grade JSON, retained). */
void telemetry_final(struct telemetry *t, const struct run_status *st);
int telemetry_grade(struct telemetry *t, const char *json);

/* Wait (at most linger_s) until the final status and grade are
 * delivered, then say offline and stop. false: something was not
 * delivered (logged). NULL is fine. */
bool telemetry_close(struct telemetry *t);

#endif
