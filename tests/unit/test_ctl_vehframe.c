/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_vehframe.c - the controller sends the profile's vehicle frames
 * on the BMS bus (period, alive counter, checksum), plays [contactor_close]
 * when the BMS is ready instead of the heartbeat's close request, and
 * [contactor_open] in the abort right after the output is off. */
#include "ctl_rig.h"

#include "bench/profile_veh.h"

#define VEH_TICK_US 10000

/* The BYD Atto 3 car (docs/packs.md): 0x12D with a counter and ~sum,
 * 0x441 only once the close sequence enables it. */
static const char veh_ini[] = "[vehicle_frame vcu]\n"
			      "id = 0x12D\n"
			      "dlc = 8\n"
			      "period_ms = 50\n"
			      "payload = A0 28 02 60 04 31 0F 00\n"
			      "counter = byte=6 bit=4 width=4\n"
			      "checksum = sum8-inv\n"
			      "[vehicle_frame link]\n"
			      "id = 0x441\n"
			      "period_ms = 100\n"
			      "payload = 00 00 00 00 0C 00 00 00\n"
			      "checksum = sum8-inv\n"
			      "enabled = step\n"
			      "[contactor_close]\n"
			      "step1 = set vcu A02802A00C71 FFFFFFFFFFFF 1150\n"
			      "step2 = set vcu 000000220031 0000FFFF00FF\n"
			      "step3 = enable link\n"
			      "[contactor_open]\n"
			      "step1 = set vcu A02802600431 FFFFFFFFFFFF 1000\n"
			      "step2 = silence\n";

static void add_veh(struct profile *p)
{
	struct profile q;
	size_t n = strlen(p->text) + sizeof(veh_ini) + 2;
	char *text = malloc(n);

	cr_assert_not_null(text);
	snprintf(text, n, "%s\n%s", p->text, veh_ini);
	cr_assert_eq(profile_parse(text, "veh.ini", NULL, &q), BENCH_OK, "%s",
		     q.error);
	p->veh = q.veh;
	profile_release(&q);
	free(text);
}

#define MAX_SEEN 4000
static struct {
	int64_t t;
	struct canframe f;
} seen[MAX_SEEN];
static size_t n_seen;
static int64_t now_t;
static bool pack_closed, watch_open;

/* The pack closes on the close pattern (b3 A0) or drive-ready (b3 22) and
 * opens on the shutdown pattern (b3 60). */
static void on_frame(const struct canframe *f)
{
	if (n_seen < MAX_SEEN) {
		seen[n_seen].t = now_t;
		seen[n_seen++].f = *f;
	}
	if (f->id != 0x12D)
		return;
	if (f->data[3] == 0xA0 || f->data[3] == 0x22)
		pack_closed = true;
	if (f->data[3] == 0x60) {
		if (pack_closed && watch_open)
			rec("veh-open;");
		pack_closed = false;
	}
}

static bool closed(void)
{
	return pack_closed;
}

static void veh_setup(void)
{
	n_seen = 0;
	pack_closed = watch_open = false;
	rig_profile_hook = add_veh;
	rig_contactor_closed = closed;
	rig_frame_hook = on_frame;
	setup();
}

static void drain(void)
{
	struct canbus_ev ev;
	const struct dbc_msg *m = dbc_msg_by_name(db, "BENCH_Command");

	while (canbus_recv(peer, &ev, 0) == 1)
		if (ev.kind == CANBUS_EV_FRAME && ev.frame.id != m->id)
			on_frame(&ev.frame);
}

/* Ticks every 10 ms, BMS bursts every 100 ms, until t_end. */
static int64_t run_until(int64_t t, int64_t t_end, double cell50_V)
{
	while (t < t_end) {
		t += VEH_TICK_US;
		now_t = t;
		if (t % TICK_US == 0)
			burst(cell50_V, t);
		ctl_tick(c, t);
		drain();
	}
	return t;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_vehframe, .timeout = 60);

Test(ctl_vehframe, frames_with_period_counter_and_checksum, .init = veh_setup,
     .fini = teardown)
{
	int64_t prev_t = -1;
	int prev_ctr = -1;
	unsigned n = 0;

	run_until(0, 2000000, 3.700);
	for (size_t i = 0; i < n_seen; i++) {
		const uint8_t *d = seen[i].f.data;
		uint8_t sum = 0;

		if (seen[i].f.id != 0x12D)
			continue;
		n++;
		for (int b = 0; b < 7; b++)
			sum = (uint8_t)(sum + d[b]);
		cr_assert_eq(d[7], (uint8_t)~sum, "frame %u checksum", n);
		cr_assert_eq(d[6] & 0x0F, 0x0F, "frame %u b6 low nibble", n);
		if (prev_ctr >= 0) {
			cr_assert_eq(d[6] >> 4, (prev_ctr + 1) % 16,
				     "frame %u counter", n);
			cr_assert_eq(seen[i].t - prev_t, 50000,
				     "frame %u after %lld us", n,
				     (long long)(seen[i].t - prev_t));
		} else {
			cr_assert_eq(d[6] >> 4, 0, "the counter starts at 0");
			cr_assert_eq(seen[i].t, VEH_TICK_US,
				     "sent from the first tick (WAIT_BMS)");
		}
		prev_ctr = d[6] >> 4;
		prev_t = seen[i].t;
	}
	cr_assert_eq(n, 40, "0x12D frames in 2 s: %u", n);
}

Test(ctl_vehframe, close_sequence_in_order_on_start, .init = veh_setup,
     .fini = teardown)
{
	int64_t t = 0, t_seq = -1, t_close = -1, t_ready = -1, t_link = -1,
		t_run = -1;

	while (t < 3000000) {
		t = run_until(t, t + VEH_TICK_US, 3.700);
		if (t_seq < 0 && ctl_phase(c) == CTL_CLOSING)
			t_seq = t;
		if (t_run < 0 && ctl_phase(c) == CTL_RUNNING)
			t_run = t;
	}
	for (size_t i = 0; i < n_seen; i++) {
		const struct canframe *f = &seen[i].f;

		if (f->id == 0x441 && t_link < 0)
			t_link = seen[i].t;
		if (f->id != 0x12D)
			continue;
		if (f->data[3] == 0xA0 && t_close < 0) {
			t_close = seen[i].t;
			cr_assert_eq(
			    memcmp(f->data, "\xA0\x28\x02\xA0\x0C\x71", 6), 0,
			    "close pattern");
		}
		if (f->data[3] == 0x22 && t_ready < 0) {
			t_ready = seen[i].t;
			cr_assert_eq(f->data[2], 0x00);
			cr_assert_eq(f->data[5], 0x31);
		}
	}
	cr_assert_gt(t_seq, 0, "never closing: %s", calls);
	/* the frames keep their cadence: the pattern rides the next one */
	cr_assert(t_close >= t_seq && t_close < t_seq + 50000,
		  "close pattern at %lld, sequence at %lld", (long long)t_close,
		  (long long)t_seq);
	cr_assert(t_ready >= t_seq + 1150000 && t_ready < t_seq + 1200000,
		  "drive-ready %lld, sequence %lld", (long long)t_ready,
		  (long long)t_seq);
	cr_assert_eq(t_link, t_seq + 1150000,
		     "0x441 starts with the last step, at %lld",
		     (long long)t_link);
	cr_assert_geq(t_run, t_seq + 1150000,
		      "the run starts once the sequence has played");
	cr_assert(!bms_tx_contactor_requested(tx),
		  "the sequence replaces the heartbeat's close request");
	cr_assert(fk.on, "current flows once closed: %s", calls);
}

Test(ctl_vehframe, open_sequence_on_abort, .init = veh_setup, .fini = teardown)
{
	int64_t t = run_until(0, 3000000, 3.700), t_abort, t_last = -1;
	size_t from;

	cr_assert(fk.on, "running: %s", calls);
	calls[0] = '\0';
	watch_open = true;
	while (!strstr(calls, "event"))
		t = run_until(t, t + VEH_TICK_US, 4.400);
	t_abort = t;
	/* zero current and output off while the pack is still closed */
	cr_assert_not_null(strstr(calls, "zero;off;event("), "%s", calls);
	from = n_seen;
	t = run_until(t, t + 3000000, 3.700);
	/* the open pattern on 0x12D's next slot */
	cr_assert_not_null(strstr(calls, "event(open_sent=1);veh-open;"), "%s",
			   calls);
	for (size_t i = from; i < n_seen; i++)
		if (seen[i].f.id == 0x12D) {
			cr_assert_lt(seen[i].t, t_abort + 50000,
				     "first open frame %lld us after the abort",
				     (long long)(seen[i].t - t_abort));
			break;
		}
	for (size_t i = from; i < n_seen; i++) {
		cr_assert_eq(seen[i].f.id == 0x12D ? seen[i].f.data[3] : 0x60,
			     0x60, "only the open pattern after the abort");
		t_last = seen[i].t;
	}
	cr_assert_geq(t_last, t_abort + 950000, "open pattern held 1 s");
	cr_assert_lt(t_last, t_abort + 1050000, "then silence: %lld",
		     (long long)(t_last - t_abort));
	cr_assert(ctl_done(c));
	cr_expect_eq(ctl_end(c), CTL_END_ABORTED);
}
