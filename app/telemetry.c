/* SPDX-License-Identifier: Apache-2.0 */
/* telemetry.c - the bounded queue and the publisher thread (telemetry.h). */
#define LOG_PREFIX "telemetry"

#include "app/telemetry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/mq.h"
#include "app/telemetry_json.h"
#include "bench/ctl.h"
#include "common/log.h"
#include "common/rc.h"
#include "runfile/ring.h"

#define TM_RING_SLOTS 1024
#define TM_BACKLOG 256	/* events waiting for the broker */
#define TM_PAYLOAD 2048 /* a status is about 600 bytes */
#define TM_POLL_MS 20
#define TM_BACKOFF_MIN_MS 200
#define TM_BACKOFF_MAX_MS 5000
#define TM_STATUS_EVERY_US 1000000

enum tm_kind { TM_STATUS, TM_EVENT, TM_FINAL };

struct tm_msg {
	enum tm_kind kind;
	union {
		struct run_status st;
		struct run_event ev;
	} u;
};

struct telemetry {
	/* configuration, copied */
	char url[256], ca[512], cert[512], key[512], pwfile[512];
	char user[64], lab[64], bench_id[64];
	double linger_s;
	bool announce;
	char t_status[160], t_event[160], t_grade[160], t_online[160];

	struct ring *ring; /* control thread -> publisher */
	struct mq *mq;
	pthread_t thread;
	bool thread_started;
	atomic_bool closing, done, delivered;
	atomic_uint_fast64_t ring_dropped, thread_dropped;
	int64_t next_status_us; /* control thread only */

	pthread_mutex_t lock; /* guards grade_in */
	char *grade_in;

	/* the publisher thread's own */
	struct run_status status;
	bool have_status, status_dirty, status_final;
	int status_mid; /* the final status's QoS 1 message */
	struct run_event backlog[TM_BACKLOG];
	unsigned bl_head, bl_n;
	char last_alarm[240];
	char *grade;
	bool grade_dirty;
	int grade_mid;
	bool sock_open, was_connected, failing;
	unsigned backoff_ms;
	int64_t next_try_ms;
	char payload[TM_PAYLOAD];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static uint64_t dropped(const struct telemetry *t)
{
	return atomic_load(&t->ring_dropped) + atomic_load(&t->thread_dropped);
}

uint64_t telemetry_dropped(const struct telemetry *t)
{
	/* called once the run has ended: let the thread take what is still
	 * queued (2 s at most), so the count the run file keeps includes
	 * the statuses superseded in the queue while the broker was away */
	for (int i = 0; t && ring_count(t->ring) && i < 200; i++)
		sleep_ms(10);
	return t ? dropped(t) : 0;
}

static struct telemetry_json_ctx json_ctx(const struct telemetry *t)
{
	return (struct telemetry_json_ctx){.bench_id = t->bench_id,
					   .lab = t->lab,
					   .dropped = dropped(t),
					   .last_alarm = t->last_alarm};
}

/* ---- control thread ---------------------------------------------------- */

static bool push(struct telemetry *t, const struct tm_msg *m)
{
	struct tm_msg *slot = ring_reserve(t->ring);

	if (!slot) {
		atomic_fetch_add(&t->ring_dropped, 1);
		return false;
	}
	*slot = *m;
	ring_commit(t->ring);
	return true;
}

void telemetry_tick(struct telemetry *t, const struct ctl *c, int64_t t_us)
{
	struct tm_msg m = {.kind = TM_STATUS};

	if (!t || t_us < t->next_status_us)
		return;
	t->next_status_us =
	    t_us - t_us % TM_STATUS_EVERY_US + TM_STATUS_EVERY_US;
	ctl_status(c, &m.u.st);
	push(t, &m);
}

void telemetry_event(void *ctx, const struct run_event *ev)
{
	struct telemetry *t = ctx;
	struct tm_msg m = {.kind = TM_EVENT, .u.ev = *ev};

	if (t)
		push(t, &m);
}

/* ---- publisher thread -------------------------------------------------- */

static void take_msg(struct telemetry *t, const struct tm_msg *m)
{
	switch (m->kind) {
	case TM_FINAL:
		t->status_final = true;
		t->status_mid = 0;
		/* fall through */
	case TM_STATUS:
		/* superseded before it left: lost while the broker is away;
		 * while connected only coalesced (test time outruns wall
		 * time at --speed max), the next one carries the news */
		if (t->status_dirty && !t->was_connected)
			atomic_fetch_add(&t->thread_dropped, 1);
		t->status = m->u.st;
		t->have_status = t->status_dirty = true;
		return;
	case TM_EVENT:
		if (strcmp(m->u.ev.severity, "info"))
			snprintf(t->last_alarm, sizeof(t->last_alarm), "%s: %s",
				 m->u.ev.code, m->u.ev.message);
		if (t->bl_n == TM_BACKLOG) {
			atomic_fetch_add(&t->thread_dropped, 1);
			return;
		}
		t->backlog[(t->bl_head + t->bl_n++) % TM_BACKLOG] = m->u.ev;
		return;
	}
}

static void drain(struct telemetry *t)
{
	const struct tm_msg *m;
	char *g;

	while ((m = ring_front(t->ring))) {
		take_msg(t, m);
		ring_pop(t->ring);
	}
	pthread_mutex_lock(&t->lock);
	g = t->grade_in;
	t->grade_in = NULL;
	pthread_mutex_unlock(&t->lock);
	if (g) {
		free(t->grade);
		t->grade = g;
		t->grade_dirty = true;
		t->grade_mid = 0;
	}
}

static void try_connect(struct telemetry *t)
{
	char err[300];

	if (now_ms() < t->next_try_ms)
		return;
	if (mq_connect(t->mq, err, sizeof(err)) == BENCH_OK) {
		t->sock_open = true;
		return;
	}
	if (!t->failing)
		log_warn("broker %s not reachable (%s): retrying with "
			 "back-off, the run goes on",
			 t->url, err);
	t->failing = true;
	t->next_try_ms = now_ms() + t->backoff_ms;
	t->backoff_ms = t->backoff_ms * 2 > TM_BACKOFF_MAX_MS
			    ? TM_BACKOFF_MAX_MS
			    : t->backoff_ms * 2;
}

static void lost(struct telemetry *t, const char *err)
{
	if (t->was_connected || !t->failing)
		log_warn("broker %s: %s: retrying with back-off", t->url, err);
	t->sock_open = t->was_connected = false;
	t->failing = true;
	t->next_try_ms = now_ms() + t->backoff_ms;
	t->backoff_ms = t->backoff_ms * 2 > TM_BACKOFF_MAX_MS
			    ? TM_BACKOFF_MAX_MS
			    : t->backoff_ms * 2;
}

static int publish_online(struct telemetry *t, bool online)
{
	struct telemetry_json_ctx x = json_ctx(t);
	int n = telemetry_json_online(&x, online, t->payload, TM_PAYLOAD);

	if (n < 0)
		return n;
	return mq_publish(t->mq, t->t_online, t->payload, (size_t)n, 1, true,
			  NULL);
}

/* Newly connected: the retained topics again (latest per topic). */
static void on_connected(struct telemetry *t)
{
	log_info("connected to %s%s", t->url, t->failing ? " (again)" : "");
	t->was_connected = true;
	t->failing = false;
	t->backoff_ms = TM_BACKOFF_MIN_MS;
	if (t->announce)
		publish_online(t, true);
	if (t->have_status)
		t->status_dirty = true;
	if (t->grade)
		t->grade_dirty = true;
}

static void publish_pending(struct telemetry *t)
{
	struct telemetry_json_ctx x = json_ctx(t);
	int n;

	while (t->bl_n && !mq_busy(t->mq)) {
		const struct run_event *ev = &t->backlog[t->bl_head];

		n = telemetry_json_event(&x, t->status.pack_id, ev, t->payload,
					 TM_PAYLOAD);
		if (n >= 0 && mq_publish(t->mq, t->t_event, t->payload,
					 (size_t)n, 1, false, NULL) < 0)
			return;
		t->bl_head = (t->bl_head + 1) % TM_BACKLOG;
		t->bl_n--;
	}
	/* the final status after every event, so it is the last word */
	if (t->status_dirty && !mq_busy(t->mq) &&
	    (!t->status_final || !t->bl_n)) {
		x.dropped = dropped(t);
		n = telemetry_json_status(&x, &t->status, t->payload,
					  TM_PAYLOAD);
		if (n >= 0 &&
		    mq_publish(t->mq, t->t_status, t->payload, (size_t)n,
			       t->status_final ? 1 : 0, true,
			       t->status_final ? &t->status_mid : NULL) == 0)
			t->status_dirty = false;
	}
	if (t->grade_dirty &&
	    mq_publish(t->mq, t->t_grade, t->grade, strlen(t->grade), 1, true,
		       &t->grade_mid) == 0)
		t->grade_dirty = false;
}

/* Everything the end owes the broker has been acknowledged. */
static bool delivered(const struct telemetry *t)
{
	if (t->bl_n || t->status_dirty || t->grade_dirty || ring_count(t->ring))
		return false;
	if (t->status_final &&
	    (!t->status_mid || !mq_acked(t->mq, t->status_mid)))
		return false;
	if (t->grade && (!t->grade_mid || !mq_acked(t->mq, t->grade_mid)))
		return false;
	return true;
}

static void *thread_main(void *arg)
{
	struct telemetry *t = arg;
	int64_t deadline = -1;
	char err[300];

	for (;;) {
		drain(t);
		if (atomic_load(&t->closing) && deadline < 0)
			deadline = now_ms() + (int64_t)(t->linger_s * 1000);
		if (!t->sock_open)
			try_connect(t);
		if (t->sock_open && mq_connected(t->mq)) {
			if (!t->was_connected)
				on_connected(t);
			publish_pending(t);
		}
		if (t->sock_open) {
			if (mq_loop(t->mq, TM_POLL_MS, err, sizeof(err)) < 0)
				lost(t, err);
		} else {
			sleep_ms(TM_POLL_MS);
		}
		if (deadline >= 0 && t->was_connected && delivered(t)) {
			atomic_store(&t->delivered, true);
			break;
		}
		if (deadline >= 0 && now_ms() >= deadline)
			break;
	}
	if (t->sock_open && mq_connected(t->mq)) {
		/* a clean disconnect sends no last will: say it ourselves */
		if (t->announce)
			publish_online(t, false);
		mq_loop(t->mq, TM_POLL_MS, err, sizeof(err));
		mq_disconnect(t->mq);
	}
	atomic_store(&t->done, true);
	return NULL;
}

/* ---- life cycle -------------------------------------------------------- */

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void release(struct telemetry *t)
{
	mq_free(t->mq);
	ring_free(t->ring);
	free(t->grade);
	free(t->grade_in);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int telemetry_start(const struct telemetry_cfg *cfg, struct telemetry **out)
{
	struct telemetry *t = calloc(1, sizeof(*t));
	struct telemetry_json_ctx x;
	char will[512], client[128];
	int n, rc;

	*out = NULL;
	if (!t) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	copy(t->url, sizeof(t->url), cfg->url);
	copy(t->ca, sizeof(t->ca), cfg->ca);
	copy(t->cert, sizeof(t->cert), cfg->cert);
	copy(t->key, sizeof(t->key), cfg->key);
	copy(t->pwfile, sizeof(t->pwfile), cfg->password_file);
	copy(t->user, sizeof(t->user), cfg->username);
	copy(t->lab, sizeof(t->lab), cfg->lab);
	copy(t->bench_id, sizeof(t->bench_id), cfg->bench_id);
	t->linger_s = cfg->linger_s < 0 ? TELEMETRY_LINGER_S : cfg->linger_s;
	t->announce = cfg->announce;
	snprintf(t->t_status, sizeof(t->t_status), "bench/%s/status",
		 t->bench_id);
	snprintf(t->t_event, sizeof(t->t_event), "bench/%s/event", t->bench_id);
	snprintf(t->t_grade, sizeof(t->t_grade), "bench/%s/grade", t->bench_id);
	snprintf(t->t_online, sizeof(t->t_online), "bench/%s/online",
		 t->bench_id);
	t->backoff_ms = TM_BACKOFF_MIN_MS;
	x = json_ctx(t);
	n = telemetry_json_online(&x, false, will, sizeof(will));
	snprintf(client, sizeof(client), "bench-%s-%d%s", t->bench_id,
		 (int)getpid(), t->announce ? "" : "-grade");
	rc = n < 0 ? n
		   : ring_new(TM_RING_SLOTS, sizeof(struct tm_msg), &t->ring);
	if (rc < 0)
		goto fail;
	rc = mq_new(
	    &(struct mq_cfg){.url = t->url,
			     .ca = t->ca,
			     .cert = t->cert,
			     .key = t->key,
			     .username = t->user,
			     .password_file = t->pwfile,
			     .client_id = client,
			     .will_topic = t->announce ? t->t_online : NULL,
			     .will_payload = will},
	    &t->mq);
	if (rc < 0)
		goto fail;
	if (pthread_create(&t->thread, NULL, thread_main, t)) {
		log_err("cannot start the publisher thread");
		rc = BENCH_ERR_IO;
		goto fail;
	}
	t->thread_started = true;
	*out = t;
	return BENCH_OK;
fail:
	release(t);
	return rc;
}

void telemetry_final(struct telemetry *t, const struct run_status *st)
{
	struct tm_msg m = {.kind = TM_FINAL, .u.st = *st};

	/* off the control path: wait for room rather than lose the last
	 * word (the thread drains the ring whatever the broker does) */
	for (int i = 0; t && i < 1000; i++) {
		struct tm_msg *slot = ring_reserve(t->ring);

		if (slot) {
			*slot = m;
			ring_commit(t->ring);
			return;
		}
		sleep_ms(1);
	}
	if (t)
		log_warn("final status not queued");
}

int telemetry_grade(struct telemetry *t, const char *json)
{
	char *g = strdup(json);

	if (!g) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	pthread_mutex_lock(&t->lock);
	free(t->grade_in);
	t->grade_in = g;
	pthread_mutex_unlock(&t->lock);
	return BENCH_OK;
}

bool telemetry_close(struct telemetry *t)
{
	/* the thread's own deadline, plus time for one blocked connect */
	int64_t give_up;
	bool ok;

	if (!t)
		return true;
	atomic_store(&t->closing, true);
	give_up = now_ms() + (int64_t)(t->linger_s * 1000) + 2000;
	while (!atomic_load(&t->done) && now_ms() < give_up)
		sleep_ms(TM_POLL_MS);
	if (!atomic_load(&t->done)) {
		/* stuck connecting to an unanswering host: leave it to the
		 * process's exit rather than wait */
		log_warn("broker %s still connecting; not waiting for it",
			 t->url);
		pthread_detach(t->thread);
		return false;
	}
	pthread_join(t->thread, NULL);
	ok = atomic_load(&t->delivered);
	if (!ok)
		log_warn("final status or grade not delivered to %s within "
			 "%.0f s",
			 t->url, t->linger_s);
	if (dropped(t))
		log_warn("%llu telemetry messages not published",
			 (unsigned long long)dropped(t));
	release(t);
	return ok;
}
