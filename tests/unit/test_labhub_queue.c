/* SPDX-License-Identifier: Apache-2.0 */
/* test_labhub_queue.c - `bench lab serve`'s hub: a new event-stream client
 * first gets every bench; a slow client's queue keeps the newest events,
 * counts what it dropped and never makes the feeder wait; the client
 * limit holds; stop ends every stream. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/labhub.h"

static void status(struct labhub *h, const char *id, const char *pack, double t)
{
	char topic[128], js[256];

	snprintf(topic, sizeof(topic), "bench/%s/status", id);
	snprintf(js, sizeof(js),
		 "{\"schema\":\"bench-telemetry/1\",\"bench_id\":\"%s\","
		 "\"pack_id\":\"%s\",\"state\":\"running\",\"t\":%.1f}",
		 id, pack, t);
	labhub_message(h, topic, js, strlen(js));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(labhub_queue, join_gets_every_bench_sorted_then_changes, .timeout = 10)
{
	struct labhub *h;
	struct labhub_client *c;
	char *ev;

	cr_assert_eq(labhub_new(2, 8, &h), 0);
	status(h, "zz", "PK-2", 1);
	status(h, "aa", "PK-1", 1);
	c = labhub_join(h);
	cr_assert_not_null(c);
	ev = labhub_next(c, 1000);
	cr_assert(!strncmp(ev, "event: bench\ndata: {\"bench_id\":\"aa\"", 35),
		  "%s", ev);
	cr_assert(strstr(ev, "\"pack_id\":\"PK-1\""), "%s", ev);
	cr_assert(!strcmp(ev + strlen(ev) - 2, "\n\n"), "%s", ev);
	free(ev);
	ev = labhub_next(c, 1000);
	cr_assert(strstr(ev, "\"bench_id\":\"zz\""), "%s", ev);
	free(ev);
	labhub_message(h, "bench/aa/online", "{\"online\":false}", 16);
	ev = labhub_next(c, 1000);
	cr_assert(strstr(ev, "\"bench_id\":\"aa\",\"online\":false"), "%s", ev);
	free(ev);
	/* an info event changes nothing shown: no event */
	labhub_message(h, "bench/aa/event", "{\"severity\":\"info\"}", 19);
	ev = labhub_next(c, 200);
	cr_assert_str_eq(ev, ": keep-alive\n\n");
	free(ev);
	labhub_leave(c);
	labhub_free(h);
}

Test(labhub_queue, slow_client_drops_oldest_counts_never_blocks, .timeout = 10)
{
	struct labhub *h;
	struct labhub_client *c;
	char *ev, pack[32];
	double t0;

	cr_assert_eq(labhub_new(1, 4, &h), 0);
	c = labhub_join(h);
	cr_assert_not_null(c);
	t0 = now_s();
	for (int k = 0; k < 10000; k++) {
		snprintf(pack, sizeof(pack), "PK-%d", k);
		status(h, "b1", pack, k);
	}
	cr_expect_lt(now_s() - t0, 2.0, "the feeder waited on the client");
	/* the 4 newest, the first one telling how many went */
	ev = labhub_next(c, 1000);
	cr_assert(!strncmp(ev, ": dropped 9996\nevent: bench\n", 28), "%s", ev);
	cr_assert(strstr(ev, "\"pack_id\":\"PK-9996\""), "%s", ev);
	free(ev);
	for (int k = 9997; k < 10000; k++) {
		snprintf(pack, sizeof(pack), "\"pack_id\":\"PK-%d\"", k);
		ev = labhub_next(c, 1000);
		cr_assert(!strncmp(ev, "event: bench\n", 13), "%s", ev);
		cr_assert(strstr(ev, pack), "want %s: %s", pack, ev);
		free(ev);
	}
	labhub_leave(c);
	labhub_free(h);
}

Test(labhub_queue, client_limit_and_stop, .timeout = 10)
{
	struct labhub *h;
	struct labhub_client *a, *b;

	cr_assert_eq(labhub_new(1, 4, &h), 0);
	a = labhub_join(h);
	cr_assert_not_null(a);
	cr_assert_null(labhub_join(h), "a second client past the limit");
	labhub_leave(a);
	b = labhub_join(h);
	cr_assert_not_null(b, "a slot freed by leave is free again");
	labhub_stop(h);
	cr_assert_null(labhub_next(b, 5000));
	labhub_leave(b);
	labhub_free(h);
}

Test(labhub_queue, benches_json_escapes_and_sorts, .timeout = 10)
{
	struct labhub *h;
	char *js;

	cr_assert_eq(labhub_new(1, 4, &h), 0);
	status(h, "b2", "PK-<b>\\\"x", 5);
	status(h, "b1", "PK-1", 7);
	const char *grade = "{\"pack_id\":\"PK-1\",\"grade\":\"A\","
			    "\"status\":\"graded\"}";

	labhub_message(h, "bench/b1/grade", grade, strlen(grade));
	labhub_message(h, "not/a/bench", "{}", 2);
	js = labhub_json(h);
	cr_assert_not_null(js);
	cr_assert(strstr(js, "{\"benches\":[{\"bench_id\":\"b1\""), "%s", js);
	cr_assert(strstr(js, "\"grade\":\"A\",\"grade_status\":\"graded\""),
		  "%s", js);
	cr_assert(strstr(js, "\"pack_id\":\"PK-<b>\\\"x\""), "%s", js);
	cr_assert(strstr(js, "\"bench_id\":\"b2\",\"online\":null"), "%s", js);
	cr_assert(!strstr(js, "\"bench_id\":\"not\""), "%s", js);
	free(js);
	labhub_free(h);
}
