/* SPDX-License-Identifier: Apache-2.0 */
/* test_packdecode_models.c - each shipped real-pack profile decodes a
 * synthetic capture built from its layout in docs/packs.md (broadcast
 * frames, and for polled packs the ISO-TP replies with flow control) into
 * the exact cells, temperatures, V, I, SOC and SOH. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/packdecode.h"
#include "bench/profile.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "capture_synth.h"
#include "support.h"

static struct profile p;
static struct dbc *db;
static struct packdecode *d;
static struct cap cap;

static void teardown(void)
{
	packdecode_free(d);
	dbc_free(db);
	profile_release(&p);
	logcap_stop();
}

TestSuite(packdecode_models, .fini = teardown, .timeout = 20);

static void on_ev(void *ctx, enum packdecode_ev kind, const char *msg,
		  int64_t t_us)
{
	(void)ctx;
	(void)t_us;
	cr_expect(false, "event %d: %s", kind, msg);
}

/* Load the profile, replay the capture (as candump text, through the
 * reader's parser), return the snapshot. */
static const struct pack_snap *decode(const char *profile)
{
	char path[256];
	char *text;
	int64_t t = 0;

	logcap_start();
	snprintf(path, sizeof(path), "fixtures/profiles/%s.ini", profile);
	cr_assert_eq(profile_load_file(path, &p), BENCH_OK, "%s", p.error);
	cr_assert_eq(dbc_load_file(p.dbc_path, NULL, &db), BENCH_OK);
	cr_assert_eq(packdecode_new(&p, db, on_ev, NULL, &d), BENCH_OK, "%s",
		     logcap_text());
	text = cap_candump(&cap);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		struct canlog_rec rec;
		const char *err;
		unsigned col;

		cr_assert_eq(canlog_parse(line, strlen(line), &rec, &err, &col),
			     BENCH_OK, "%s", line);
		t = canlog_t_us(&rec);
		packdecode_frame(d, &rec.frame, t);
	}
	packdecode_end(d, t);
	free(text);
	return packdecode_snap(d);
}

static void expect_cells(const struct pack_snap *s, unsigned n, int base_mV,
			 int step_mV)
{
	cr_expect_eq(s->series, n);
	cr_expect_eq(s->cells_seen, n);
	for (unsigned i = 0; i < n; i++)
		cr_expect_eq(s->cell_mV[i], base_mV + (int)i * step_mV,
			     "cell %u", i + 1);
}

Test(packdecode_models, leaf_ze1)
{
	static const uint8_t req02[] = {0x21, 0x02}, req01[] = {0x21, 0x01};
	uint8_t b[256] = {0x61, 0x02};
	const struct pack_snap *s;

	memset(&cap, 0, sizeof(cap));
	for (unsigned i = 0; i < 96; i++) {
		b[2 + 2 * i] = (uint8_t)((3600 + i) >> 8);
		b[3 + 2 * i] = (uint8_t)(3600 + i);
	}
	cap_poll(&cap, 0x79B, 0x7BB, req02, 2, b, 198, 0xFF, 0);
	/* 61 01, 0x35 bytes: SOC 31..33 = 50.0000 %, Ah 35..37 = 102.3456 */
	memset(b, 0, sizeof(b));
	b[0] = 0x61;
	b[1] = 0x01;
	b[2 + 31] = 0x07, b[2 + 32] = 0xA1, b[2 + 33] = 0x20;
	b[2 + 35] = 0x0F, b[2 + 36] = 0x9E, b[2 + 37] = 0x00;
	cap_poll(&cap, 0x79B, 0x7BB, req01, 2, b, 0x35, 0xFF, 0);
	s = decode("nissan-leaf-ze1");
	expect_cells(s, 96, 3600, 1);
	cr_expect_eq(s->soc_permille, 500);
	cr_expect_eq(s->capacity_mAh, 102349, "0x0F9E00 / 10000 Ah");
}

Test(packdecode_models, kona_64)
{
	static const uint8_t x595[8] = {0, 0, 0, 0, 0x9C, 0xFF, 0x10, 0x0E};
	static const uint8_t x596[8] = {0, 0, 0, 0, 0, 0, 0xFB, 24};
	static const uint8_t x594[8] = {0, 0, 0, 0, 0, 121};
	uint8_t b[64];
	const struct pack_snap *s;

	memset(&cap, 0, sizeof(cap));
	for (unsigned k = 0; k < 3; k++) {
		const uint8_t req[] = {0x22, 0x01, (uint8_t)(2 + k)};

		memset(b, 0, sizeof(b));
		b[0] = 0x62, b[1] = 0x01, b[2] = (uint8_t)(2 + k);
		for (unsigned i = 0; i < 32; i++)
			b[3 + 4 + i] = (uint8_t)(150 + (k * 32 + i) % 40);
		cap_poll(&cap, 0x7E4, 0x7EC, req, 3, b, 3 + 38, 0x00, 0);
	}
	{
		const uint8_t req[] = {0x22, 0x01, 0x05};

		memset(b, 0, sizeof(b));
		b[0] = 0x62, b[1] = 0x01, b[2] = 0x05;
		b[3 + 25] = 0x03, b[3 + 26] = 0x7A; /* SOH 89.0 % */
		b[3 + 34] = 150 + 96 % 40, b[3 + 35] = 150 + 97 % 40;
		cap_poll(&cap, 0x7E4, 0x7EC, req, 3, b, 3 + 40, 0x00, 0);
	}
	cap_frame(&cap, 0x595, x595, 8);
	cap_frame(&cap, 0x596, x596, 8);
	cap_frame(&cap, 0x594, x594, 8);
	s = decode("hyundai-kona-64");
	cr_expect_eq(s->cells_seen, 98);
	for (unsigned i = 0; i < 98; i++)
		cr_expect_eq(s->cell_mV[i], (int)(150 + i % 40) * 20, "cell %u",
			     i + 1);
	cr_expect_eq(s->soh_permille, 890);
	cr_expect_eq(s->pack_mV, 360000, "0x0E10 dV");
	cr_expect_eq(s->pack_mA, 10000, "-100 dA counts as 10 A charge");
	cr_expect_eq(s->temp_ddegC[0], -50);
	cr_expect_eq(s->temp_ddegC[1], 240);
	cr_expect_eq(s->soc_permille, 605);
}

Test(packdecode_models, tesla_model3)
{
	static const uint8_t x332[8] = {0x00, 0, 130, 120};
	/* 350.00 V, raw -100 x -0.1 = +10 A */
	static const uint8_t x132[8] = {0xB8, 0x88, 0x9C, 0xFF};
	const struct pack_snap *s;

	memset(&cap, 0, sizeof(cap));
	for (unsigned m = 0; m < 32; m++) {
		uint8_t b[8] = {(uint8_t)m, 0x2A};

		for (unsigned k = 0; k < 3; k++) {
			unsigned v = (3700 + m * 3 + k) * 10; /* 0.1 mV */

			b[2 + 2 * k] = (uint8_t)v;
			b[3 + 2 * k] = (uint8_t)(v >> 8);
		}
		cap_frame(&cap, 0x401, b, 8);
	}
	cap_frame(&cap, 0x332, x332, 8);
	cap_frame(&cap, 0x132, x132, 8);
	s = decode("tesla-model3");
	expect_cells(s, 96, 3700, 1);
	cr_expect_eq(s->temp_ddegC[0], 250);
	cr_expect_eq(s->temp_ddegC[1], 200);
	cr_expect_eq(s->pack_mV, 350000);
	cr_expect_eq(s->pack_mA, 10000);
}

Test(packdecode_models, byd_atto3)
{
	/* V 400 (0x190), I = 5100 dA - 5000 = +10 A, SOH 97, SOC 55 */
	static const uint8_t x444[8] = {0x90, 0x01, 0xEC, 0x13, 97, 55};
	const struct pack_snap *s;

	memset(&cap, 0, sizeof(cap));
	for (unsigned m = 0; m < 42; m++) {
		uint8_t b[8] = {(uint8_t)m};

		for (unsigned k = 0; k < 3; k++) {
			unsigned v = 3300 + m * 3 + k;

			b[2 * k + 1] = (uint8_t)v;
			b[2 * k + 2] = (uint8_t)(0xF0 | v >> 8); /* high bits
								    unused */
		}
		cap_frame(&cap, 0x43D, b, 8);
	}
	for (unsigned m = 0; m < 2; m++) {
		uint8_t b[8] = {(uint8_t)m};

		for (unsigned k = 0; k < 6; k++)
			b[1 + k] = (uint8_t)(60 + m * 6 + k);
		cap_frame(&cap, 0x43C, b, 8);
	}
	cap_frame(&cap, 0x444, x444, 8);
	s = decode("byd-atto3");
	expect_cells(s, 126, 3300, 1);
	for (unsigned i = 0; i < 12; i++)
		cr_expect_eq(s->temp_ddegC[i], (int)(20 + i) * 10, "probe %u",
			     i + 1);
	cr_expect_eq(s->pack_mV, 400000);
	cr_expect_eq(s->pack_mA, 10000);
	cr_expect_eq(s->soh_permille, 970);
	cr_expect_eq(s->soc_permille, 550);
}

Test(packdecode_models, mg_gen1)
{
	/* SOC 61.2 %, V 0x5A0 x 0.25 = 360 V, I raw 19800 -> +10 A */
	static const uint8_t x3ac[8] = {0,    0,    0x02, 0x64,
					0x05, 0xA0, 0x4D, 0x58};
	const struct pack_snap *s;

	memset(&cap, 0, sizeof(cap));
	for (unsigned c = 0; c < 96; c++) {
		unsigned raw = 2700 + c; /* V = 1000 + raw mV */
		uint8_t b[8] = {0,
				(uint8_t)(40 + 25 + c % 3),
				(uint8_t)(raw >> 8),
				(uint8_t)raw,
				0,
				(uint8_t)c};

		cap_frame(&cap, 0x3BE, b, 8);
	}
	cap_frame(&cap, 0x3AC, x3ac, 8);
	s = decode("mg-gen1");
	expect_cells(s, 96, 3700, 1);
	cr_expect_eq(s->probes_seen, 96);
	cr_expect_eq(s->temp_ddegC[0], 250);
	cr_expect_eq(s->temp_ddegC[2], 270);
	cr_expect_eq(s->soc_permille, 612);
	cr_expect_eq(s->pack_mV, 360000);
	cr_expect_eq(s->pack_mA, 10000);
}
