/* SPDX-License-Identifier: Apache-2.0 */
/* Ring: capacity, full/empty, FIFO order, and a two-thread stress that
 * checks no slot is lost or reordered (counts, not timing). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "runfile/ring.h"
#include "common/rc.h"

/* a test that hangs fails instead of blocking the run */
TestSuite(ring, .timeout = 120);

Test(ring, rounds_capacity_up_and_aligns_slots)
{
	struct ring *r = NULL;

	cr_assert_eq(ring_new(5, 3, &r), BENCH_OK);
	cr_assert_eq(ring_capacity(r), 8);
	cr_assert_eq(ring_slot_size(r), 8);
	ring_free(r);
	cr_assert_eq(ring_new(0, 8, &r), BENCH_ERR_ARG);
}

Test(ring, full_returns_null_and_fifo_order)
{
	struct ring *r = NULL;
	uint32_t *slot;

	cr_assert_eq(ring_new(4, sizeof(uint32_t), &r), BENCH_OK);
	cr_assert_null(ring_front(r));
	for (uint32_t i = 0; i < 4; i++) {
		slot = ring_reserve(r);
		cr_assert_not_null(slot);
		*slot = i;
		ring_commit(r);
	}
	cr_assert_null(ring_reserve(r), "a full ring must refuse");
	cr_assert_eq(ring_count(r), 4);
	for (uint32_t i = 0; i < 4; i++) {
		const uint32_t *v = ring_front(r);
		cr_assert_not_null(v);
		cr_assert_eq(*v, i);
		ring_pop(r);
	}
	cr_assert_null(ring_front(r));
	/* wraps around */
	slot = ring_reserve(r);
	cr_assert_not_null(slot);
	*slot = 99;
	ring_commit(r);
	cr_assert_eq(*(const uint32_t *)ring_front(r), 99);
	ring_free(r);
}

#define N_STRESS 200000u

static void *consume(void *arg)
{
	struct ring *r = arg;
	uint64_t expect = 0;

	while (expect < N_STRESS) {
		const uint64_t *v = ring_front(r);
		if (!v) {
			sched_yield(); /* valgrind runs one thread at a time */
			continue;
		}
		if (*v != expect)
			return (void *)1;
		expect++;
		ring_pop(r);
	}
	return NULL;
}

Test(ring, two_threads_keep_every_value_in_order)
{
	struct ring *r = NULL;
	pthread_t th;
	void *res;
	uint64_t i = 0;

	cr_assert_eq(ring_new(64, sizeof(uint64_t), &r), BENCH_OK);
	cr_assert_eq(pthread_create(&th, NULL, consume, r), 0);
	while (i < N_STRESS) {
		uint64_t *slot = ring_reserve(r);
		if (!slot) {
			sched_yield();
			continue;
		}
		*slot = i++;
		ring_commit(r);
	}
	pthread_join(th, &res);
	cr_assert_null(res, "consumer saw a value out of order");
	ring_free(r);
}
