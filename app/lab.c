/* SPDX-License-Identifier: Apache-2.0 */
/* lab.c - `bench lab`: subscribe to the bench/+/ topics, keep
 * one row per bench, print them as a table. */
#define LOG_PREFIX "lab"

#include "app/lab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/labrow.h"
#include "app/mq.h"
#include "app/status.h"
#include "common/log.h"
#include "common/rc.h"

#define LAB_MAX_BENCHES 256
#define LAB_COLLECT_MS 1000 /* --once: retained messages arrive at once */
#define LAB_BACKOFF_MAX_MS 5000

struct lab {
	struct lab_row rows[LAB_MAX_BENCHES];
	unsigned n;
};

static struct lab_row *row_of(struct lab *l, const char *id)
{
	struct lab_row *r;

	for (unsigned k = 0; k < l->n; k++)
		if (!strcmp(l->rows[k].id, id))
			return &l->rows[k];
	if (l->n == LAB_MAX_BENCHES)
		return NULL;
	r = &l->rows[l->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	return r;
}

/* bench/<id>/<kind> */
static void on_msg(void *ctx, const char *topic, const char *payload,
		   size_t len)
{
	struct lab *l = ctx;
	char id[64];
	const char *kind;
	char *js;
	struct lab_row *r;

	if (!labrow_topic(topic, id, sizeof(id), &kind))
		return;
	js = strndup(payload, len);
	r = js ? row_of(l, id) : NULL;
	if (r)
		labrow_take(r, kind, js);
	free(js);
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct lab_row *)a)->id,
		      ((const struct lab_row *)b)->id);
}

static void cell(char *buf, size_t len, double v, double idx)
{
	if (isfinite(v) && isfinite(idx))
		snprintf(buf, len, "%.3f#%d", v, (int)idx);
	else
		snprintf(buf, len, "-");
}

/* An unknown reading (no status yet, a stale current sent as null) is
 * "-", never "nan". */
static void fixed(char *buf, size_t len, const char *fmt, double x)
{
	if (isfinite(x))
		snprintf(buf, len, fmt, x);
	else
		snprintf(buf, len, "-");
}

static void print_table(struct lab *l, FILE *f)
{
	char hms[32], lo[24], hi[24], temp[16], volt[16], amp[16];

	qsort(l->rows, l->n, sizeof(l->rows[0]), cmp_row);
	fprintf(f,
		"%-16s %-7s %-12s %-16s %-24s %11s %8s %8s %-11s %-11s %5s "
		"%s\n",
		"BENCH", "ONLINE", "STATE", "PACK", "STEP", "TIME", "V", "A",
		"MIN CELL", "MAX CELL", "TMAX", "ALARM");
	for (unsigned k = 0; k < l->n; k++) {
		const struct lab_row *r = &l->rows[k];

		status_hms(r->have_status ? r->t : 0, hms, sizeof(hms));
		cell(lo, sizeof(lo), r->vmin, r->cmin);
		cell(hi, sizeof(hi), r->vmax, r->cmax);
		fixed(temp, sizeof(temp), "%.0f", r->tmax);
		fixed(volt, sizeof(volt), "%.1f", r->have_status ? r->v : NAN);
		fixed(amp, sizeof(amp), "%.1f", r->have_status ? r->i : NAN);
		fprintf(f,
			"%-16.16s %-7s %-12.12s %-16.16s %-24.24s %11s %8s "
			"%8s %-11s %-11s %5s %s\n",
			r->id,
			!r->online_known ? "?"
			: r->online	 ? "yes"
					 : "no",
			r->have_status ? r->state : "-", r->pack, r->step,
			r->have_status ? hms : "-", volt, amp, lo, hi, temp,
			r->alarm);
	}
	if (!l->n)
		fprintf(f, "(no bench has published on this broker)\n");
	fflush(f);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lab_connect(struct mq *m, const char *url)
{
	static const char *const topics[] = {"bench/+/status", "bench/+/online",
					     "bench/+/event", "bench/+/grade"};
	char err[300];
	int64_t until = now_ms() + 5000;

	if (mq_connect(m, err, sizeof(err)) < 0) {
		log_err("broker %s: %s", url, err);
		return BENCH_ERR_IO;
	}
	while (!mq_connected(m) && now_ms() < until)
		if (mq_loop(m, 50, err, sizeof(err)) < 0) {
			log_err("broker %s: %s", url, err);
			return BENCH_ERR_IO;
		}
	if (!mq_connected(m)) {
		log_err("broker %s: no answer to CONNECT", url);
		return BENCH_ERR_IO;
	}
	for (size_t k = 0; k < sizeof(topics) / sizeof(topics[0]); k++)
		TRY(mq_subscribe(m, topics[k]));
	return BENCH_OK;
}

int lab_main(const char *url, bool once)
{
	struct lab *l = calloc(1, sizeof(*l));
	struct mq *m = NULL;
	char client[64], err[300];
	unsigned backoff = 200;
	int64_t next_draw = 0, until;
	int rc = 1;

	snprintf(client, sizeof(client), "bench-lab-%d", (int)getpid());
	if (!l ||
	    mq_new(&(struct mq_cfg){.url = url, .client_id = client}, &m) < 0)
		goto out;
	mq_on_message(m, on_msg, l);
	if (lab_connect(m, url) < 0 && once)
		goto out;
	until = now_ms() + LAB_COLLECT_MS;
	for (;;) {
		if (!mq_connected(m)) {
			usleep(backoff * 1000);
			backoff = backoff * 2 > LAB_BACKOFF_MAX_MS
				      ? LAB_BACKOFF_MAX_MS
				      : backoff * 2;
			if (lab_connect(m, url) == 0)
				backoff = 200;
			continue;
		}
		if (mq_loop(m, 50, err, sizeof(err)) < 0) {
			log_warn("broker %s: %s: reconnecting", url, err);
			if (once)
				goto out;
		}
		if (once && now_ms() >= until) {
			print_table(l, stdout);
			rc = 0;
			goto out;
		}
		if (!once && now_ms() >= next_draw) {
			next_draw = now_ms() + 1000;
			fputs("\033[H\033[J", stdout);
			print_table(l, stdout);
		}
	}
out:
	mq_free(m);
	free(l);
	return rc;
}
