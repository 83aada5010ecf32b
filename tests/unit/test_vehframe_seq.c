/* SPDX-License-Identifier: Apache-2.0 */
/* test_vehframe_seq.c - start/stop sequences run their steps in order at
 * their delays (the BYD close/open sequence as data), enable/disable/once
 * steps, and model errors that name the frame or step. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/vehframe.h"
#include "common/rc.h"
#include "support.h"

/* BYD Atto 3: 0x12D every 50 ms, b6 = counter << 4 | 0xF, b7 = ~sum;
 * 0x441 every 100 ms. Close pattern for 1.15 s, then drive-ready (b2 00,
 * b3 22, b5 31); stop: the shutdown pattern for 1 s, then silence. */
static const struct vehframe_def byd[] = {
    {.name = "0x12D vcu",
     .id = 0x12D,
     .dlc = 8,
     .period_ms = 50,
     .payload = {0xA0, 0x28, 0x02, 0x60, 0x04, 0x31, 0x0F, 0},
     .counter = {.bit = 52, .width = 4, .step = 1},
     .csum = {"sum8-inv", -1, -1, -1}},
    {.name = "0x441 link voltage",
     .id = 0x441,
     .dlc = 8,
     .period_ms = 100,
     .payload = {0, 0, 0, 0, 0x0C, 0x00, 0, 0},
     .csum = {"sum8-inv", -1, -1, -1}},
};
static const struct vehframe_step byd_start[] = {
    {VEHFRAME_SET,
     0,
     {0xA0, 0x28, 0x02, 0xA0, 0x0C, 0x71},
     {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
     1150},
    {VEHFRAME_SET,
     0,
     {[2] = 0x00, [3] = 0x22, [5] = 0x31},
     {[2] = 0xFF, [3] = 0xFF, [5] = 0xFF},
     0},
};
static const struct vehframe_step byd_stop[] = {
    {VEHFRAME_SET,
     0,
     {0xA0, 0x28, 0x02, 0x60, 0x04, 0x31},
     {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
     1000},
    {VEHFRAME_SILENCE, 0, {0}, {0}, 0},
};

static struct canframe last12d;
static int64_t first_with(struct vehframe *v, int64_t t0, int64_t t1,
			  uint8_t b3, uint8_t b5, size_t *n12d)
{
	struct canframe out[8];
	int64_t found = -1;

	for (int64_t t = t0; t < t1; t += 10000) {
		size_t n = vehframe_due(v, t, out, 8);

		for (size_t i = 0; i < n; i++) {
			if (out[i].id != 0x12D)
				continue;
			(*n12d)++;
			last12d = out[i];
			if (found < 0 && out[i].data[3] == b3 &&
			    out[i].data[5] == b5)
				found = t;
		}
	}
	return found;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(vehframe_seq, .timeout = 60);

Test(vehframe_seq, byd_close_then_drive_ready_then_open)
{
	const struct vehframe_model m = {byd, 2, {byd_start, 2}, {byd_stop, 2}};
	struct vehframe *v;
	struct canframe out[8];
	size_t n12d = 0;
	unsigned sum = 0;

	cr_assert_eq(vehframe_new(&m, &v), BENCH_OK);
	vehframe_start(v, 5000000);
	cr_expect(vehframe_seq_running(v));
	/* close pattern from the first frame on */
	cr_expect_eq(vehframe_due(v, 5000000, out, 8), 2);
	cr_expect_eq(out[0].id, 0x12D);
	cr_expect_eq(out[0].data[3], 0xA0);
	cr_expect_eq(out[0].data[6], 0x0F);
	cr_expect_eq(out[0].data[7], 0x09);
	/* drive-ready exactly 1.15 s later, not before */
	cr_expect_eq(first_with(v, 5010000, 7000000, 0x22, 0x31, &n12d),
		     6150000);
	cr_expect_not(vehframe_seq_running(v));
	cr_expect_eq(last12d.data[2], 0x00);
	cr_expect_eq(last12d.data[4], 0x0C); /* untouched by the mask */
	for (int i = 0; i < 8; i++)
		sum += last12d.data[i];
	cr_expect_eq(sum & 0xFF, 0xFF);
	vehframe_stop(v, 8000000);
	n12d = 0;
	cr_expect_eq(first_with(v, 7000000, 8000000, 0x60, 0x31, &n12d), -1);
	cr_expect_eq(first_with(v, 8000000, 8010000, 0x60, 0x31, &n12d),
		     8000000);
	/* shutdown pattern until 9 s, then nothing */
	n12d = 0;
	cr_expect_eq(first_with(v, 8010000, 9000000, 0x60, 0x31, &n12d),
		     8050000);
	cr_expect_eq(n12d, 19);
	n12d = 0;
	first_with(v, 9000000, 12000000, 0, 0, &n12d);
	cr_expect_eq(n12d, 0);
	cr_expect_eq(vehframe_due(v, 12000000, out, 8), 0);
	vehframe_free(v);
}

/* Steps run in order at the sum of the holds before them, whatever the
 * caller's tick; an enabled frame starts at its step's time plus phase. */
Test(vehframe_seq, steps_in_order_with_delays_and_once)
{
	static const struct vehframe_def fr[] = {
	    {.name = "wake",
	     .id = 0x423,
	     .dlc = 8,
	     .period_ms = 100,
	     .off_at_start = true,
	     .payload = {0x07, 0x1D, 0x00, 0x02, 0x5D, 0x80, 0x5D, 0xC8}},
	    {.name = "oneshot", .id = 0x7DF, .dlc = 3},
	};
	static const struct vehframe_step st[] = {
	    {VEHFRAME_ONCE, 1, {0x02, 0x10, 0x03}, {0xFF, 0xFF, 0xFF}, 250},
	    {VEHFRAME_ENABLE, 0, {0}, {0}, 330},
	    {VEHFRAME_ONCE, 1, {0x02, 0x3E, 0x00}, {0xFF, 0xFF, 0xFF}, 70},
	    {VEHFRAME_DISABLE, 0, {0}, {0}, 0},
	};
	const struct vehframe_model m = {fr, 2, {st, 4}, {0}};
	struct vehframe *v;
	struct canframe out[8];
	int64_t t_once[2] = {-1, -1}, t_wake[16];
	size_t n_once = 0, n_wake = 0;

	cr_assert_eq(vehframe_new(&m, &v), BENCH_OK);
	vehframe_start(v, 0);
	for (int64_t t = 0; t < 2000000; t += 3000) {
		size_t n = vehframe_due(v, t, out, 8);

		for (size_t i = 0; i < n; i++) {
			if (out[i].id == 0x7DF) {
				cr_assert_lt(n_once, 2);
				cr_expect_eq(out[i].data[1],
					     n_once ? 0x3E : 0x10);
				t_once[n_once++] = t;
			} else {
				cr_assert_lt(n_wake, 16);
				t_wake[n_wake++] = t;
			}
		}
	}
	cr_expect_eq(n_once, 2);
	cr_expect_eq(t_once[0], 0);
	cr_expect_eq(t_once[1], 582000); /* step at 580 ms, tick 3 ms */
	/* enabled at 250 ms, due every 100 ms from then, disabled at 650 ms
	 * (a step runs before a frame due at the same time): sent at the
	 * first 3 ms tick at or after 250, 350, 450, 550 */
	cr_expect_eq(n_wake, 4);
	cr_expect_eq(t_wake[0], 252000);
	cr_expect_eq(t_wake[1], 351000);
	cr_expect_eq(t_wake[2], 450000);
	cr_expect_eq(t_wake[3], 552000);
	vehframe_free(v);
}

Test(vehframe_seq, model_errors_name_the_frame_or_step)
{
	static const struct vehframe_def bad_csum[] = {
	    {.name = "0x1DB",
	     .id = 0x1DB,
	     .dlc = 8,
	     .period_ms = 10,
	     .csum = {"crc8-nissan", -1, -1, -1}},
	};
	static const struct vehframe_def short_frame[] = {
	    {.name = "short",
	     .id = 0x1DB,
	     .dlc = 4,
	     .period_ms = 10,
	     .csum = {"crc8-leaf", -1, -1, -1}},
	};
	static const struct vehframe_def bad_counter[] = {
	    {.name = "ctr",
	     .id = 0x10B,
	     .dlc = 3,
	     .period_ms = 20,
	     .counter = {.bit = 20, .width = 8}},
	};
	static const struct vehframe_step bad_step[] = {
	    {VEHFRAME_SET, 0, {0}, {0}, 10},
	    {VEHFRAME_ENABLE, 3, {0}, {0}, 10},
	};
	const struct vehframe_model m1 = {bad_csum, 1, {0}, {0}};
	const struct vehframe_model m2 = {short_frame, 1, {0}, {0}};
	const struct vehframe_model m3 = {bad_counter, 1, {0}, {0}};
	const struct vehframe_model m4 = {short_frame, 0, {0}, {bad_step, 2}};
	struct vehframe *v = (struct vehframe *)1;

	logcap_start();
	cr_expect_eq(vehframe_new(&m1, &v), BENCH_ERR_ARG);
	cr_expect_null(v);
	cr_expect_eq(vehframe_new(&m2, &v), BENCH_ERR_ARG);
	cr_expect_eq(vehframe_new(&m3, &v), BENCH_ERR_ARG);
	cr_expect_eq(vehframe_new(&m4, &v), BENCH_ERR_ARG);
	logcap_stop();
	cr_expect(strstr(logcap_text(),
			 "frame 0 '0x1DB': unknown checksum 'crc8-nissan'"),
		  "%s", logcap_text());
	cr_expect(strstr(logcap_text(),
			 "frame 0 'short': checksum crc8-leaf over bytes "
			 "0..6 stored at byte 7 does not fit its 4-byte "
			 "payload"),
		  "%s", logcap_text());
	cr_expect(strstr(logcap_text(), "frame 0 'ctr': counter at bit 20 "
					"width 8"),
		  "%s", logcap_text());
	cr_expect(strstr(logcap_text(),
			 "stop step 1: frame 0 not in the table of 0 frames"),
		  "%s", logcap_text());
}
