/* SPDX-License-Identifier: Apache-2.0 */
/* test_checksum_algs.c - every checksum row: the standard check value over
 * "123456789", lookup by name, and frames built the way docs/vehframe.md
 * says each pack expects. */
#include <criterion/criterion.h>
#include <string.h>

#include "can/canframe.h"
#include "can/checksum.h"
#include "common/rc.h"
#include "support.h"

static const uint8_t check_input[] = "123456789";

/* CRC values: published check values where the algorithm is catalogued
 * (CRC-8/SAE-J1850 0x4B, CRC-8/AUTOSAR 0xDF, CRC-8/MAXIM-DOW 0xA1); the
 * Leaf and BMW rows have no catalogue entry and were computed with an
 * independent bit-by-bit CRC. Sums and xor by hand: 0x31+..+0x39 = 0x1DD. */
static const struct {
	const char *name;
	uint32_t id;
	uint8_t want;
} checks[] = {
    {"crc8-j1850", 0, 0x4B},
    {"crc8-autosar", 0, 0xDF},
    {"crc8-maxim", 0, 0xA1},
    {"crc8-leaf", 0, 0x2A},
    {"crc8-bmw", 0, 0x3C},
    {"sum8", 0, 0xDD},
    {"sum8-inv", 0, 0x22},
    {"xor8", 0, 0x31},
    /* 0xDD + 0x21 + 0x02 = 0x100 */
    {"sum8-id", 0x221, 0x00},
    {"sum8-id", 0x7FF, 0xE3},
};

/* a test that hangs fails instead of blocking the run */
TestSuite(checksum, .timeout = 60);

Test(checksum, check_value_of_every_row)
{
	size_t n, seen = 0;
	const struct checksum_alg *all = checksum_table(&n);

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct checksum_alg *a = checksum_find(checks[i].name);

		cr_assert_not_null(a, "%s", checks[i].name);
		cr_expect_eq(checksum_compute(a, checks[i].id, check_input, 9),
			     checks[i].want,
			     "%s id 0x%X: got 0x%02X want 0x%02X", a->name,
			     (unsigned)checks[i].id,
			     checksum_compute(a, checks[i].id, check_input, 9),
			     checks[i].want);
	}
	/* every row of the table has a vector above */
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
			if (!strcmp(all[r].name, checks[i].name)) {
				seen++;
				break;
			}
	cr_expect_eq(seen, n);
}

Test(checksum, unknown_name_is_null)
{
	cr_expect_null(checksum_find("crc8"));
	cr_expect_null(checksum_find(""));
	cr_expect_null(checksum_find("CRC8-LEAF"));
}

/* One byte 0xFF through a CRC with init 0 is the last entry of its lookup
 * table: 0x8D for the Leaf's 0x85, 0xC4 for J1850's 0x1D (BMW starts at
 * 0x3F, so 0xC0 reaches entry 0xFF). */
Test(checksum, single_byte_matches_the_lookup_table_entry)
{
	const uint8_t ff = 0xFF, c0 = 0xC0;

	cr_expect_eq(checksum_compute(checksum_find("crc8-leaf"), 0, &ff, 1),
		     0x8D);
	cr_expect_eq(checksum_compute(checksum_find("crc8-bmw"), 0, &c0, 1),
		     0xC4);
}

/* BYD 0x12D, close pattern, b6 = counter << 4 | 0xF, b7 = ~sum(b0..b6) */
Test(checksum, byd_close_frame)
{
	uint8_t d[8] = {0xA0, 0x28, 0x02, 0xA0, 0x0C, 0x71, 0x0F, 0};
	const struct checksum_alg *a = checksum_find("sum8-inv");

	cr_expect_eq(checksum_apply(a, 0x12D, d, 8, -1, -1, -1), 0x09);
	cr_expect_eq(d[7], 0x09);
	d[6] = 0x5F;
	cr_expect_eq(checksum_apply(a, 0x12D, d, 8, -1, -1, -1), 0xB9);
	/* the frame's bytes plus its checksum sum to 0xFF */
	unsigned s = 0;
	for (int i = 0; i < 8; i++)
		s += d[i];
	cr_expect_eq(s & 0xFF, 0xFF);
}

/* BMW i3 0x10B: b0 = CRC over b1..b2; the extended id flag is ignored */
Test(checksum, bmw_default_range_and_id_flags)
{
	uint8_t d[3] = {0, 0x1C, 0xC0};
	const struct checksum_alg *a = checksum_find("crc8-bmw");
	const uint8_t body[2] = {0x1C, 0xC0};

	cr_expect_eq(checksum_apply(a, 0x10B, d, 3, -1, -1, -1),
		     checksum_compute(a, 0, body, 2));
	cr_expect_eq(d[0], checksum_compute(a, 0, body, 2));
	cr_expect_eq(checksum_compute(checksum_find("sum8-id"),
				      CANFRAME_EFF | 0x18DAF1DB, body, 2),
		     (uint8_t)(0x1C + 0xC0 + 0xDB + 0xF1));
}

Test(checksum, range_outside_the_frame_is_refused)
{
	uint8_t d[8] = {0};
	const struct checksum_alg *a = checksum_find("sum8");

	logcap_start();
	cr_expect_eq(checksum_apply(a, 0x123, d, 4, -1, -1, -1), BENCH_ERR_ARG);
	cr_expect_eq(checksum_apply(a, 0x123, d, 8, 0, 7, 7), BENCH_ERR_ARG);
	cr_expect_eq(checksum_apply(a, 0x123, d, 8, 3, 2, 7), BENCH_ERR_ARG);
	logcap_stop();
	cr_expect(strstr(logcap_text(), "sum8 over bytes 0..6 stored at byte 7 "
					"does not fit a 4-byte frame 0x123"),
		  "%s", logcap_text());
	cr_expect_eq(checksum_apply(a, 0x123, d, 4, 0, 2, 3), 0);
}
