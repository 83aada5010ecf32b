/* SPDX-License-Identifier: Apache-2.0 */
/* labhub.c - bench rows and per-client bounded SSE queues under one
 * mutex; the MQTT thread only ever holds it to copy a row. */
#define LOG_PREFIX "lab"

#include "app/labhub.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/labrow.h"
#include "common/json.h"
#include "common/log.h"
#include "common/rc.h"

#define LABHUB_ROW_MAX 8192 /* a row with every string escaped at worst */

struct labhub_client {
	struct labhub *h;
	char **q; /* ring of queue_len SSE events */
	unsigned head, n;
	unsigned long long dropped; /* not reported yet */
};

struct labhub {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a queue got an event, or stop */
	struct lab_row rows[LABHUB_MAX_BENCHES];
	unsigned n_rows, queue_len, max_clients;
	struct labhub_client **clients;
	bool stopping;
};

int labhub_new(unsigned max_clients, unsigned queue_len, struct labhub **out)
{
	struct labhub *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;

	*out = NULL;
	if (!h || !queue_len ||
	    !(h->clients = calloc(max_clients, sizeof(*h->clients)))) {
		free(h);
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	h->queue_len = queue_len;
	h->max_clients = max_clients;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	*out = h;
	return BENCH_OK;
}

void labhub_free(struct labhub *h)
{
	if (!h)
		return;
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h->clients);
	free(h);
}

static struct lab_row *row_of(struct labhub *h, const char *id)
{
	struct lab_row *r;

	for (unsigned k = 0; k < h->n_rows; k++)
		if (!strcmp(h->rows[k].id, id))
			return &h->rows[k];
	if (h->n_rows == LABHUB_MAX_BENCHES)
		return NULL;
	r = &h->rows[h->n_rows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	return r;
}

/* "event: bench\ndata: ROW\n\n", malloc'd */
static char *row_event(const struct lab_row *r)
{
	static const char pre[] = "event: bench\ndata: ";
	char *buf = malloc(sizeof(pre) + LABHUB_ROW_MAX + 2);
	struct json j;
	int n;

	if (!buf)
		return NULL;
	memcpy(buf, pre, sizeof(pre) - 1);
	json_init_buf(&j, buf + sizeof(pre) - 1, LABHUB_ROW_MAX);
	labrow_json(r, &j);
	n = json_finish(&j);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	memcpy(buf + sizeof(pre) - 1 + n, "\n\n", 3);
	return buf;
}

/* lock held; takes ev */
static void push(struct labhub *h, struct labhub_client *c, char *ev)
{
	if (c->n == h->queue_len) {
		free(c->q[c->head]);
		c->head = (c->head + 1) % h->queue_len;
		c->n--;
		c->dropped++;
	}
	c->q[(c->head + c->n) % h->queue_len] = ev;
	c->n++;
}

void labhub_message(struct labhub *h, const char *topic, const char *payload,
		    size_t len)
{
	char id[64], *js = NULL;
	const char *kind;
	struct lab_row *r;

	if (!labrow_topic(topic, id, sizeof(id), &kind) ||
	    !(js = strndup(payload, len)))
		goto out;
	pthread_mutex_lock(&h->lock);
	r = row_of(h, id);
	if (r && labrow_take(r, kind, js)) {
		for (unsigned k = 0; k < h->max_clients; k++) {
			char *ev;

			if (!h->clients[k] || !(ev = row_event(r)))
				continue;
			push(h, h->clients[k], ev);
		}
		pthread_cond_broadcast(&h->wake);
	}
	pthread_mutex_unlock(&h->lock);
out:
	free(js);
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct lab_row *)a)->id,
		      ((const struct lab_row *)b)->id);
}

char *labhub_json(struct labhub *h)
{
	size_t cap;
	char *buf;
	struct json j;

	pthread_mutex_lock(&h->lock);
	qsort(h->rows, h->n_rows, sizeof(h->rows[0]), cmp_row);
	cap = 64 + (size_t)h->n_rows * LABHUB_ROW_MAX;
	buf = malloc(cap);
	if (buf) {
		json_init_buf(&j, buf, cap);
		json_obj(&j);
		json_key(&j, "benches");
		json_arr(&j);
		for (unsigned k = 0; k < h->n_rows; k++)
			labrow_json(&h->rows[k], &j);
		json_end(&j);
		json_end(&j);
		if (json_finish(&j) < 0) {
			free(buf);
			buf = NULL;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return buf;
}

struct labhub_client *labhub_join(struct labhub *h)
{
	struct labhub_client *c = calloc(1, sizeof(*c));
	unsigned slot;

	if (!c || !(c->q = calloc(h->queue_len, sizeof(*c->q)))) {
		free(c);
		return NULL;
	}
	c->h = h;
	pthread_mutex_lock(&h->lock);
	for (slot = 0; slot < h->max_clients && h->clients[slot]; slot++)
		;
	if (slot == h->max_clients) {
		pthread_mutex_unlock(&h->lock);
		free(c->q);
		free(c);
		return NULL;
	}
	h->clients[slot] = c;
	qsort(h->rows, h->n_rows, sizeof(h->rows[0]), cmp_row);
	for (unsigned k = 0; k < h->n_rows; k++) {
		char *ev = row_event(&h->rows[k]);

		if (ev)
			push(h, c, ev);
	}
	pthread_mutex_unlock(&h->lock);
	return c;
}

void labhub_leave(struct labhub_client *c)
{
	struct labhub *h;

	if (!c)
		return;
	h = c->h;
	pthread_mutex_lock(&h->lock);
	for (unsigned k = 0; k < h->max_clients; k++)
		if (h->clients[k] == c)
			h->clients[k] = NULL;
	pthread_mutex_unlock(&h->lock);
	for (; c->n; c->n--, c->head = (c->head + 1) % h->queue_len)
		free(c->q[c->head]);
	free(c->q);
	free(c);
}

char *labhub_next(struct labhub_client *c, int wait_ms)
{
	struct labhub *h = c->h;
	struct timespec until;
	char *ev = NULL, *out = NULL;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&h->lock);
	while (!h->stopping && !c->n && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&h->wake, &h->lock, &until);
	if (h->stopping) {
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	if (c->n) {
		ev = c->q[c->head];
		c->head = (c->head + 1) % h->queue_len;
		c->n--;
		if (c->dropped &&
		    asprintf(&out, ": dropped %llu\n%s", c->dropped, ev) >= 0) {
			c->dropped = 0;
			free(ev);
			ev = out;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return ev ? ev : strdup(": keep-alive\n\n");
}

void labhub_stop(struct labhub *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
}
