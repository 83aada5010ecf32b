/* SPDX-License-Identifier: Apache-2.0 */
/* test_vehframe_cycle.c - cyclic vehicle frames over virtual time: periods
 * and phases, alive counters and their wrap, the checksum of every
 * algorithm row, no bursts after a late tick, nothing before start. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/vehframe.h"
#include "can/checksum.h"
#include "common/rc.h"
#include "support.h"

struct sent {
	int64_t t_us;
	struct canframe f;
};

#define MAX_SENT 4096
static struct sent sent[MAX_SENT];
static size_t n_sent;

/* Call vehframe_due every tick_us from t0 (inclusive) to t1 (exclusive). */
static void run(struct vehframe *v, int64_t t0, int64_t t1, int64_t tick_us)
{
	struct canframe out[16];

	for (int64_t t = t0; t < t1; t += tick_us) {
		size_t n = vehframe_due(v, t, out, 16);

		for (size_t i = 0; i < n; i++) {
			cr_assert_lt(n_sent, MAX_SENT);
			sent[n_sent].t_us = t;
			sent[n_sent++].f = out[i];
		}
	}
}

static size_t count_id(uint32_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < n_sent; i++)
		n += sent[i].f.id == id;
	return n;
}

static struct vehframe *make(const struct vehframe_model *m)
{
	struct vehframe *v;

	n_sent = 0;
	cr_assert_eq(vehframe_new(m, &v), BENCH_OK);
	return v;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(vehframe, .timeout = 60);

Test(vehframe, periods_and_phase_over_virtual_time)
{
	static const struct vehframe_def fr[] = {
	    {.name = "10 ms", .id = 0x1F2, .dlc = 8, .period_ms = 10},
	    {.name = "50 ms", .id = 0x12D, .dlc = 8, .period_ms = 50},
	    {.name = "100 ms +30",
	     .id = CANFRAME_EFF | 0x18FF50E5,
	     .dlc = 4,
	     .period_ms = 100,
	     .phase_ms = 30},
	};
	const struct vehframe_model m = {fr, 3, {0}, {0}};
	struct vehframe *v = make(&m);

	vehframe_start(v, 0);
	run(v, 0, 1000000, 1000);
	cr_expect_eq(count_id(0x1F2), 100);
	cr_expect_eq(count_id(0x12D), 20);
	cr_expect_eq(count_id(CANFRAME_EFF | 0x18FF50E5), 10);
	for (size_t i = 0; i < n_sent; i++) {
		if (sent[i].f.id == 0x12D)
			cr_expect_eq(sent[i].t_us % 50000, 0, "at %lld",
				     (long long)sent[i].t_us);
		if (sent[i].f.id & CANFRAME_EFF) {
			cr_expect_eq(sent[i].t_us % 100000, 30000);
			cr_expect_eq(sent[i].f.len, 4);
		}
	}
	/* a coarser tick (7 ms) sends each frame once per period or tick,
	 * never two of one id in one call */
	vehframe_free(v);
	v = make(&m);
	vehframe_start(v, 0);
	run(v, 0, 1001000, 7000);
	cr_expect_eq(count_id(0x12D), 20);
	for (size_t i = 1; i < n_sent; i++)
		for (size_t j = 0; j < i; j++)
			if (sent[j].t_us == sent[i].t_us)
				cr_expect_neq(sent[j].f.id, sent[i].f.id);
	vehframe_free(v);
}

Test(vehframe, nothing_before_start_and_no_burst_after_a_late_tick)
{
	static const struct vehframe_def fr[] = {
	    {.name = "10 ms", .id = 0x200, .dlc = 8, .period_ms = 10},
	};
	const struct vehframe_model m = {fr, 1, {0}, {0}};
	struct vehframe *v = make(&m);
	struct canframe out[16];

	cr_expect_eq(vehframe_due(v, 0, out, 16), 0);
	cr_expect_eq(vehframe_due(v, 500000, out, 16), 0);
	vehframe_start(v, 1000000);
	cr_expect_eq(vehframe_due(v, 1000000, out, 16), 1);
	/* the loop stalled 95 ms: one frame, then the period again */
	cr_expect_eq(vehframe_due(v, 1095000, out, 16), 1);
	cr_expect_eq(vehframe_due(v, 1104000, out, 16), 0);
	cr_expect_eq(vehframe_due(v, 1105000, out, 16), 1);
	vehframe_free(v);
}

/* Kia/Hyundai 64 kWh 0x200: byte 5 runs 17, 57, 97, D7 = a 2-bit counter
 * in its top bits (payload bits 46..47). BMW-style 0..14 counter in the low
 * nibble of byte 1 (modulus 15), and one that straddles bytes 1..2. */
Test(vehframe, counters_wrap_at_their_modulus)
{
	static const struct vehframe_def fr[] = {
	    {.name = "kia 0x200",
	     .id = 0x200,
	     .dlc = 8,
	     .period_ms = 10,
	     .payload = {0, 0, 0, 0, 0, 0x17, 0, 0},
	     .counter = {.bit = 46, .width = 2, .step = 1}},
	    {.name = "bmw 0x10B",
	     .id = 0x10B,
	     .dlc = 3,
	     .period_ms = 10,
	     .payload = {0, 0x10, 0xFF},
	     .counter = {.bit = 8, .width = 4, .modulus = 15, .step = 1}},
	    {.name = "straddle",
	     .id = 0x300,
	     .dlc = 3,
	     .period_ms = 10,
	     .payload = {0xFF, 0xFF, 0xFF},
	     .counter = {.bit = 12, .width = 8, .step = 3, .start = 250}},
	};
	const struct vehframe_model m = {fr, 3, {0}, {0}};
	struct vehframe *v = make(&m);
	static const uint8_t kia[] = {0x17, 0x57, 0x97, 0xD7, 0x17, 0x57};
	size_t k = 0, b = 0, s = 0;
	unsigned want_s = 250;

	vehframe_start(v, 0);
	run(v, 0, 200000, 10000);
	for (size_t i = 0; i < n_sent; i++) {
		const struct canframe *f = &sent[i].f;

		if (f->id == 0x200 && k < sizeof(kia))
			cr_expect_eq(f->data[5], kia[k++]);
		if (f->id == 0x10B) {
			cr_expect_eq(f->data[1], 0x10 | (b % 15), "frame %zu",
				     b);
			cr_expect_eq(f->data[2], 0xFF);
			b++;
		}
		if (f->id == 0x300) {
			unsigned got = (unsigned)(f->data[1] >> 4 |
						  (f->data[2] & 0x0F) << 4);

			cr_expect_eq(got, want_s);
			cr_expect_eq(f->data[1] & 0x0F, 0x0F);
			cr_expect_eq(f->data[2] & 0xF0, 0xF0);
			want_s = (want_s + 3) % 256;
			s++;
		}
	}
	cr_expect_eq(k, sizeof(kia));
	cr_expect_eq(b, 20); /* wrapped after 14 at least once */
	cr_expect_eq(s, 20);
	vehframe_free(v);
}

/* Every checksum row: the sent frame's checksum byte equals the row
 * computed independently over the sent bytes, for several counter values;
 * BYD 0x12D against the values worked out by hand. */
Test(vehframe, checksum_right_for_each_algorithm)
{
	size_t n_alg;
	const struct checksum_alg *alg = checksum_table(&n_alg);
	struct vehframe_def fr[16];
	struct vehframe *v;

	cr_assert_leq(n_alg, 16);
	memset(fr, 0, sizeof(fr));
	for (size_t i = 0; i < n_alg; i++) {
		fr[i] = (struct vehframe_def){
		    .name = alg[i].name,
		    .id = 0x100 + (uint32_t)i,
		    .dlc = 8,
		    .period_ms = 10,
		    .payload = {0xA0, 0x28, 0x02, 0xA0, 0x0C, 0x71, 0x0F, 0},
		    .counter = {.bit = 52, .width = 4, .step = 1},
		    .csum = {alg[i].name, -1, -1, -1}};
		if (alg[i].store < 7) /* BMW: CRC in byte 0 over 1..2 */
			fr[i].counter.bit = 12;
	}
	const struct vehframe_model m = {fr, n_alg, {0}, {0}};
	v = make(&m);
	vehframe_start(v, 0);
	run(v, 0, 60000, 10000);
	cr_expect_eq(n_sent, 6 * n_alg);
	for (size_t i = 0; i < n_sent; i++) {
		const struct canframe *f = &sent[i].f;
		const struct checksum_alg *a = &alg[f->id - 0x100];

		cr_expect_eq(f->data[a->store],
			     checksum_compute(a, f->id, f->data + a->first,
					      (size_t)(a->last - a->first + 1)),
			     "%s frame %zu", a->name, i);
		if (!strcmp(a->name, "sum8-inv") && (f->data[6] >> 4) == 0)
			cr_expect_eq(f->data[7], 0x09);
		if (!strcmp(a->name, "sum8-inv") && (f->data[6] >> 4) == 5)
			cr_expect_eq(f->data[7], 0xB9);
	}
	vehframe_free(v);
}

Test(vehframe, frames_that_do_not_fit_stay_due)
{
	static const struct vehframe_def fr[] = {
	    {.name = "a", .id = 0x1, .dlc = 1, .period_ms = 10},
	    {.name = "b", .id = 0x2, .dlc = 1, .period_ms = 10},
	    {.name = "c", .id = 0x3, .dlc = 1, .period_ms = 10},
	};
	const struct vehframe_model m = {fr, 3, {0}, {0}};
	struct vehframe *v = make(&m);
	struct canframe out[2];

	vehframe_start(v, 0);
	cr_expect_eq(vehframe_due(v, 0, out, 2), 2);
	cr_expect_eq(out[1].id, 0x2u);
	cr_expect_eq(vehframe_due(v, 1000, out, 2), 1);
	cr_expect_eq(out[0].id, 0x3u);
	cr_expect_eq(vehframe_due(v, 2000, out, 2), 0);
	vehframe_free(v);
}
