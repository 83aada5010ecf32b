/* SPDX-License-Identifier: Apache-2.0 */
/* test_packdecode_leaf.c - a synthetic Nissan Leaf AZE0 capture replayed
 * through its profile (docs/packs.md, "Decoding a capture"): 0x1DB and
 * 0x5BC broadcast, the LBC's `21 02` / `21 04` / `21 01` replies
 * reassembled passively from both directions, as candump and as Vector
 * ASC, give the exact values; a lost consecutive frame, a negative
 * response and an unanswered request are events that leave the values
 * alone; a bad line is an error naming file and line. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/packdecode.h"
#include "bench/profile.h"
#include "can/canlog.h"
#include "can/dbc.h"
#include "common/json.h"
#include "common/rc.h"
#include "capture_synth.h"
#include "support.h"

static struct profile p;
static struct dbc *db;
static struct cap cap;
static unsigned n_ev[PACKDECODE_EV_N];
static char last_msg[256];

static void setup(void)
{
	logcap_start();
	cr_assert_eq(
	    profile_load_file("fixtures/profiles/nissan-leaf-aze0.ini", &p),
	    BENCH_OK, "%s", p.error);
	cr_assert_eq(dbc_load_file(p.dbc_path, NULL, &db), BENCH_OK);
	memset(&cap, 0, sizeof(cap));
	memset(n_ev, 0, sizeof(n_ev));
	last_msg[0] = '\0';
}

static void teardown(void)
{
	dbc_free(db);
	profile_release(&p);
	logcap_stop();
}

TestSuite(packdecode_leaf, .init = setup, .fini = teardown, .timeout = 20);

static void on_ev(void *ctx, enum packdecode_ev kind, const char *msg,
		  int64_t t_us)
{
	(void)ctx;
	(void)t_us;
	n_ev[kind]++;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

/* Replay text through the reader, as `bench pack decode` does. */
static struct packdecode *replay(const char *text, const char *name)
{
	char *dir = tmpdir_new("pdleaf");
	char *path = tmpfile_write(dir, name, text);
	struct canlog_reader *r;
	struct canlog_rec rec;
	struct packdecode *d;
	int64_t t = 0;
	int rc;

	cr_assert_eq(packdecode_new(&p, db, on_ev, NULL, &d), BENCH_OK);
	cr_assert_eq(canlog_reader_open(path, &r), BENCH_OK);
	while ((rc = canlog_reader_next(r, &rec)) == 1) {
		t = canlog_t_us(&rec);
		packdecode_frame(d, &rec.frame, t);
	}
	cr_assert_eq(rc, 0, "%s", logcap_text());
	packdecode_end(d, t);
	canlog_reader_close(r);
	free(path);
	free(dir);
	return d;
}

static const uint8_t req02[] = {0x21, 0x02}, req04[] = {0x21, 0x04},
		     req01[] = {0x21, 0x01};

static size_t cells_reply(uint8_t *b)
{
	size_t n = 0;

	b[n++] = 0x61;
	b[n++] = 0x02;
	for (unsigned i = 0; i < 96; i++) {
		unsigned mV = 3700 + i;

		b[n++] = (uint8_t)(mV >> 8);
		b[n++] = (uint8_t)mV;
	}
	b[n++] = 0x8F; /* pack V 367.00 */
	b[n++] = 0x5C;
	b[n++] = 0x8F; /* bus V */
	b[n++] = 0x5C;
	return n; /* 198 */
}

/* 61 04: raw 510, 520, 0xFFFF (absent) and a fourth slot */
static size_t temps_reply(uint8_t *b)
{
	static const uint8_t r[] = {0x61, 0x04, 0x01, 0xFE, 20,	  0x02, 0x08,
				    19,	  0xFF, 0xFF, 0,    0x01, 0xFE, 20};

	memcpy(b, r, sizeof(r));
	return sizeof(r);
}

/* 61 01: 41 data bytes, SOC 0x0A5A1C = 678428 / 10000 = 67.8428 % */
static size_t health_reply(uint8_t *b)
{
	memset(b, 0, 43);
	b[0] = 0x61;
	b[1] = 0x01;
	b[2 + 31] = 0x0A;
	b[2 + 32] = 0x5A;
	b[2 + 33] = 0x1C;
	return 43;
}

static void broadcast(void)
{
	/* V 370.0 (raw 740), I raw 20 = 10 A discharge */
	static const uint8_t x1db[8] = {0x02, 0x80, 0xB9, 0x00};
	/* SOH 88 %: b4 = 88 << 1 */
	static const uint8_t x5bc[8] = {0, 0, 0, 0, 88 << 1};

	cap_frame(&cap, 0x1DB, x1db, 8);
	cap_frame(&cap, 0x5BC, x5bc, 8);
}

static void full_capture(void)
{
	uint8_t b[256];
	size_t n;

	broadcast();
	n = cells_reply(b);
	cap_poll(&cap, 0x79B, 0x7BB, req02, 2, b, n, 0x00, 0);
	n = temps_reply(b);
	cap_poll(&cap, 0x79B, 0x7BB, req04, 2, b, n, 0x00, 0);
	n = health_reply(b);
	cap_poll(&cap, 0x79B, 0x7BB, req01, 2, b, n, 0x00, 0);
	broadcast();
}

static void expect_full(const struct packdecode *d)
{
	const struct pack_snap *s = packdecode_snap(d);
	const struct packdecode_stats *st = packdecode_stats(d);

	cr_expect_eq(st->requests, 3);
	cr_expect_eq(st->replies, 3, "events: %s", last_msg);
	cr_expect_eq(s->cells_seen, 96);
	for (unsigned i = 0; i < 96; i++)
		cr_expect_eq(s->cell_mV[i], 3700 + (int)i, "cell %u", i + 1);
	cr_expect_eq(s->probes_seen, 2, "the absent probe stays unknown");
	cr_expect_eq(s->temp_ddegC[0], 204); /* -0.102 * 510 + 72.42 */
	cr_expect_eq(s->temp_ddegC[1], 194); /* -0.102 * 520 + 72.42 */
	cr_expect_eq(s->temp_seen_us[2], 0);
	cr_expect_eq(s->soc_permille, 678);
	cr_expect_eq(s->pack_mV, 370000);
	cr_expect_eq(s->pack_mA, -10000, "discharge is negative");
	cr_expect_eq(s->soh_permille, 880);
	for (int k = 0; k < PACKDECODE_EV_N; k++)
		cr_expect_eq(n_ev[k], 0, "event %d: %s", k, last_msg);
}

Test(packdecode_leaf, candump_exact_values)
{
	char *text;

	full_capture();
	text = cap_candump(&cap);
	{
		struct packdecode *d = replay(text, "leaf.log");

		expect_full(d);
		packdecode_free(d);
	}
	free(text);
}

Test(packdecode_leaf, asc_exact_values)
{
	char *text;

	full_capture();
	text = cap_asc(&cap);
	{
		struct packdecode *d = replay(text, "leaf.asc");

		expect_full(d);
		packdecode_free(d);
	}
	free(text);
}

Test(packdecode_leaf, json_members_null_where_unknown)
{
	struct packdecode *d;
	char *text, buf[8192];
	struct json j;

	broadcast();
	text = cap_candump(&cap);
	d = replay(text, "bcast.log");
	json_init_buf(&j, buf, sizeof(buf));
	json_obj(&j);
	packdecode_json_members(packdecode_snap(d), &j);
	json_end(&j);
	cr_assert_gt(json_finish(&j), 0);
	cr_expect(strstr(buf, "\"cell_voltage_volt\":[null,null,"), "%s", buf);
	cr_expect(strstr(buf, "\"temperature_celsius\":[null,null,null]"), "%s",
		  buf);
	cr_expect(strstr(buf, "\"voltage_volt\":370,\"current_ampere\":-10,"
			      "\"soc_percent\":null,\"soh_percent\":88,"
			      "\"capacity_ah\":null,"
			      "\"cell_voltage_min_volt\":null"),
		  "%s", buf);
	cr_expect(strstr(buf, "\"rated_capacity_ah\":null,"
			      "\"rated_voltage_volt\":null}"),
		  "%s", buf);
	packdecode_free(d);
	free(text);
}

Test(packdecode_leaf, lost_frame_negative_unanswered)
{
	static const uint8_t neg[] = {0x7F, 0x21, 0x12};
	struct packdecode *d;
	uint8_t b[256];
	char *text;
	size_t n;

	/* cells: the 5th consecutive frame lost */
	n = cells_reply(b);
	cap_poll(&cap, 0x79B, 0x7BB, req02, 2, b, n, 0xFF, 5);
	/* health refused */
	cap_poll(&cap, 0x79B, 0x7BB, req01, 2, neg, sizeof(neg), 0xFF, 0);
	/* temps asked twice: the first never answered, the second is */
	cap_poll(&cap, 0x79B, 0x7BB, req04, 2, NULL, 0, 0xFF, 0);
	n = temps_reply(b);
	cap_poll(&cap, 0x79B, 0x7BB, req04, 2, b, n, 0xFF, 0);
	/* cells asked at the very end: the capture stops first */
	cap_poll(&cap, 0x79B, 0x7BB, req02, 2, NULL, 0, 0xFF, 0);
	text = cap_candump(&cap);
	d = replay(text, "faults.log");
	cr_expect_eq(n_ev[PACKDECODE_LOST], 1);
	cr_expect_eq(n_ev[PACKDECODE_NEGATIVE], 1);
	cr_expect_eq(n_ev[PACKDECODE_UNANSWERED], 2);
	cr_expect_eq(n_ev[PACKDECODE_SHORT], 0);
	cr_expect(strstr(last_msg, "poll 'cells' (21 02) to ECU 'lbc': no "
				   "reply before the capture ended"),
		  "%s", last_msg);
	cr_expect_eq(packdecode_snap(d)->cells_seen, 0,
		     "a lost frame decodes nothing");
	cr_expect_eq(packdecode_snap(d)->have & PACK_HAVE_SOC, 0);
	cr_expect_eq(packdecode_snap(d)->temp_ddegC[0], 204);
	cr_expect_eq(packdecode_stats(d)->replies, 1);
	packdecode_free(d);
	free(text);
}

Test(packdecode_leaf, negative_names_the_nrc)
{
	static const uint8_t neg[] = {0x7F, 0x21, 0x31};
	struct packdecode *d;
	char *text;

	cap_poll(&cap, 0x79B, 0x7BB, req01, 2, neg, sizeof(neg), 0x00, 0);
	text = cap_candump(&cap);
	d = replay(text, "neg.log");
	cr_expect(strstr(last_msg, "poll 'health' (21 01) to ECU 'lbc': "
				   "negative response 0x31 requestOutOfRange"),
		  "%s", last_msg);
	packdecode_free(d);
	free(text);
}

Test(packdecode_leaf, late_reply_is_unanswered)
{
	struct packdecode *d;
	uint8_t b[256];
	char *text;
	size_t n = temps_reply(b);

	cap_isotp(&cap, 0x79B, 0x7BB, req04, 2, 0, 0);
	cap.now_us += 3000000; /* past P2 */
	cap_isotp(&cap, 0x7BB, 0x79B, b, n, 0, 0);
	text = cap_candump(&cap);
	d = replay(text, "late.log");
	cr_expect_eq(n_ev[PACKDECODE_UNANSWERED], 1);
	cr_expect_eq(packdecode_snap(d)->probes_seen, 0);
	packdecode_free(d);
	free(text);
}

/* A logger that drops the last frames (an ELM327 printing a 21 02 reply
 * stops one consecutive frame short) leaves a reply begun: reported as
 * cut off, with how much came, not as never answered. */
Test(packdecode_leaf, reply_cut_off_by_the_end_is_lost)
{
	struct packdecode *d;
	uint8_t b[256];
	char *text;
	size_t n = cells_reply(b);

	cap_poll(&cap, 0x79B, 0x7BB, req02, 2, b, n, 0xFF,
		 (unsigned)((n - 6 + 6) / 7));
	text = cap_candump(&cap);
	d = replay(text, "cut.log");
	cr_expect_eq(n_ev[PACKDECODE_LOST], 1);
	cr_expect_eq(n_ev[PACKDECODE_UNANSWERED], 0);
	cr_expect(strstr(last_msg, "cut off by the end of the capture after "
				   "195 of 198 bytes"),
		  "%s", last_msg);
	cr_expect_eq(packdecode_snap(d)->cells_seen, 0);
	packdecode_free(d);
	free(text);
}
