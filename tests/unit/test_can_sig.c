/* SPDX-License-Identifier: Apache-2.0 */
/* test_can_sig.c - the signal codec: byte orders, sign, floats, 64 bit. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

static struct dbc *db;

/* One message per case so each signal can be looked up by name. */
static const char codec_dbc[] =
    "VERSION \"\"\n"
    "BO_ 1 Order: 8 Vector__XXX\n"
    " SG_ be16 : 7|16@0+ (1,0) [0|0] \"\" X\n"
    " SG_ be16_b45 : 39|16@0+ (1,0) [0|0] \"\" X\n"
    " SG_ le16 : 0|16@1+ (1,0) [0|0] \"\" X\n"
    "BO_ 2 Moto12: 8 Vector__XXX\n"
    " SG_ Temperature : 0|12@0- (0.01,250) [229.52|270.47] \"degK\" X\n"
    " SG_ gm : 4|12@0+ (1,0) [0|0] \"\" X\n"
    "BO_ 3 Wide: 16 Vector__XXX\n"
    " SG_ u64le : 0|64@1+ (1,0) [0|0] \"\" X\n"
    " SG_ i64be : 71|64@0- (1,0) [0|0] \"\" X\n"
    "BO_ 4 Odd64: 16 Vector__XXX\n"
    " SG_ le64_off3 : 3|64@1+ (1,0) [0|0] \"\" X\n"
    " SG_ be64_off3 : 12|64@0+ (1,0) [0|0] \"\" X\n"
    "BO_ 5 Floats: 16 Vector__XXX\n"
    " SG_ f32 : 0|32@1- (1,0) [0|0] \"\" X\n"
    " SG_ f64 : 71|64@0- (1,0) [0|0] \"\" X\n"
    "BO_ 6 Signs: 8 Vector__XXX\n"
    " SG_ s4 : 0|4@1- (1,0) [0|0] \"\" X\n"
    " SG_ s11be : 7|11@0- (0.5,0) [-400|400] \"A\" X\n"
    " SG_ neg_factor : 16|16@1+ (-0.05,500) [0|0] \"A\" X\n"
    "SIG_VALTYPE_ 5 f32 : 1;\n"
    "SIG_VALTYPE_ 5 f64 : 2;\n";

static void setup(void)
{
	struct dbc_opts o = {.quiet = true};

	cr_assert_eq(
	    dbc_parse(codec_dbc, strlen(codec_dbc), "codec.dbc", &o, &db),
	    BENCH_OK);
}

static void teardown(void)
{
	dbc_free(db);
}

static const struct dbc_sig *sig(uint32_t id, const char *name)
{
	const struct dbc_msg *m = dbc_msg_by_id(db, id);

	cr_assert_not_null(m, "message %u", id);
	const struct dbc_sig *s = dbc_sig_by_name(m, name);
	cr_assert_not_null(s, "signal %s", name);
	return s;
}

TestSuite(can_sig, .init = setup, .fini = teardown, .timeout = 60);

Test(can_sig, motorola_7_16_is_bytes_0_1_big_endian)
{
	uint8_t d[8] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};

	cr_expect_eq(cansig_get_raw(sig(1, "be16"), d, 8), 0x1234);
	cr_expect_eq(cansig_get_raw(sig(1, "be16_b45"), d, 8), 0x9ABC);
	cr_expect_eq(cansig_get_raw(sig(1, "le16"), d, 8), 0x3412);
}

Test(can_sig, motorola_0_12_spans_three_bytes)
{
	/* byte0 bit0 = MSB, byte1 all, byte2 bits 7..5 */
	uint8_t d[8] = {0x01, 0x00, 0x00};

	cr_expect_eq(cansig_get_raw(sig(2, "Temperature"), d, 8), 0x800);
	memset(d, 0, sizeof(d));
	d[2] = 0xE0;
	cr_expect_eq(cansig_get_raw(sig(2, "Temperature"), d, 8), 0x007);
	d[1] = 0xFF;
	d[2] = 0xFF;
	cr_expect_eq(cansig_get_raw(sig(2, "Temperature"), d, 8), 0x7FF);
}

Test(can_sig, gm_4_12_is_not_nibble_aligned)
{
	/* byte0 bits 4..0 then byte1 bits 7..1 */
	uint8_t d[8] = {0x1F, 0xFE};

	cr_expect_eq(cansig_get_raw(sig(2, "gm"), d, 8), 0xFFF);
	d[0] = 0x10;
	d[1] = 0x00;
	cr_expect_eq(cansig_get_raw(sig(2, "gm"), d, 8), 0x800);
	d[0] = 0;
	d[1] = 0x02;
	cr_expect_eq(cansig_get_raw(sig(2, "gm"), d, 8), 0x001);
}

Test(can_sig, signed_motorola_current)
{
	uint8_t d[8] = {0};

	cr_assert_eq(cansig_encode(sig(6, "s11be"), d, 8, -3.0), BENCH_OK);
	cr_expect_eq(cansig_get_raw(sig(6, "s11be"), d, 8), 0x7FA);
	cr_expect_eq(d[0], 0xFF);
	cr_expect_eq(d[1], 0x40);
	cr_expect_eq(cansig_decode(sig(6, "s11be"), d, 8), -3.0);
}

Test(can_sig, sign_extension_4_bits)
{
	uint8_t d[8] = {0x08};

	cr_expect_eq(cansig_decode(sig(6, "s4"), d, 8), -8.0);
	d[0] = 0x07;
	cr_expect_eq(cansig_decode(sig(6, "s4"), d, 8), 7.0);
	d[0] = 0xFF;
	cr_expect_eq(cansig_decode(sig(6, "s4"), d, 8), -1.0);
}

Test(can_sig, negative_factor)
{
	uint8_t d[8] = {0};

	cr_assert_eq(cansig_encode(sig(6, "neg_factor"), d, 8, 400.0),
		     BENCH_OK);
	cr_expect_eq(cansig_get_raw(sig(6, "neg_factor"), d, 8), 2000);
	cr_expect_eq(cansig_decode(sig(6, "neg_factor"), d, 8), 400.0);
}

Test(can_sig, sixty_four_bits_both_orders)
{
	uint8_t d[16] = {0};
	const struct dbc_sig *le = sig(3, "u64le"), *be = sig(3, "i64be");

	cr_assert_eq(cansig_put_raw(le, d, 16, UINT64_C(0x8877665544332211)),
		     BENCH_OK);
	cr_expect_eq(d[0], 0x11);
	cr_expect_eq(d[7], 0x88);
	cr_expect_eq(cansig_get_raw(le, d, 16), UINT64_C(0x8877665544332211));
	cr_assert_eq(cansig_put_raw(be, d, 16, UINT64_C(0xFEDCBA9876543210)),
		     BENCH_OK);
	cr_expect_eq(d[8], 0xFE);
	cr_expect_eq(d[15], 0x10);
	cr_expect_eq(cansig_get_raw(be, d, 16), UINT64_C(0xFEDCBA9876543210));
	cr_expect_eq(cansig_decode(be, d, 16),
		     (double)(int64_t)UINT64_C(0xFEDCBA9876543210));
}

Test(can_sig, sixty_four_bits_unaligned_use_nine_bytes)
{
	uint8_t d[16] = {0};
	const struct dbc_sig *le = sig(4, "le64_off3"),
			     *be = sig(4, "be64_off3");
	uint64_t v = UINT64_C(0xA5C3F00F12345678);

	cr_assert_eq(cansig_put_raw(le, d, 16, v), BENCH_OK);
	cr_expect_eq(cansig_get_raw(le, d, 16), v);
	cr_expect_eq(d[0], (uint8_t)(0x78 << 3));
	cr_expect_eq(d[8], (uint8_t)(0xA5 >> 5));
	memset(d, 0, sizeof(d));
	cr_assert_eq(cansig_put_raw(be, d, 16, v), BENCH_OK);
	cr_expect_eq(cansig_get_raw(be, d, 16), v);
	/* start 12 = byte 1 bit 4: the MSB; five bits in byte 1 */
	cr_expect_eq(d[1], 0xA5 >> 3);
}

Test(can_sig, floats)
{
	uint8_t d[16] = {0};
	const struct dbc_sig *f32 = sig(5, "f32"), *f64 = sig(5, "f64");
	float f = -1.5f;
	uint32_t u;

	cr_assert_eq(f32->valtype, DBC_FLOAT32);
	cr_assert_eq(f64->valtype, DBC_FLOAT64);
	cr_assert_eq(cansig_encode(f32, d, 16, -1.5), BENCH_OK);
	memcpy(&u, &f, 4);
	cr_expect_eq(d[0], u & 0xFF);
	cr_expect_eq(d[3], u >> 24);
	cr_expect_eq(cansig_decode(f32, d, 16), -1.5);
	cr_assert_eq(cansig_encode(f64, d, 16, 3.141592653589793), BENCH_OK);
	cr_expect_eq(cansig_decode(f64, d, 16), 3.141592653589793);
	cr_expect_eq(d[8], 0x40); /* big-endian IEEE double of pi starts 0x40 */
}

Test(can_sig, out_of_range_is_clamped_and_reported)
{
	uint8_t d[8] = {0};
	const struct dbc_sig *s = sig(6, "s11be");

	logcap_start();
	cr_expect_eq(cansig_encode(s, d, 8, 1000.0), BENCH_ERR_ARG);
	logcap_stop();
	cr_expect_eq(cansig_decode(s, d, 8), 400.0);
	cr_expect(strstr(logcap_text(), "s11be") != NULL, "%s", logcap_text());
	cr_expect(strstr(logcap_text(), "outside its range") != NULL);
	/* raw range limit without [min|max]: 4-bit signed */
	cr_expect_eq(cansig_encode(sig(6, "s4"), d, 8, 9.0), BENCH_ERR_ARG);
	cr_expect_eq(cansig_decode(sig(6, "s4"), d, 8), 7.0);
	cr_expect_eq(cansig_encode(sig(6, "s4"), d, 8, -9.0), BENCH_ERR_ARG);
	cr_expect_eq(cansig_decode(sig(6, "s4"), d, 8), -8.0);
}

Test(can_sig, short_payload)
{
	uint8_t d[8] = {0};

	logcap_start();
	cr_expect_eq(cansig_put_raw(sig(1, "be16_b45"), d, 4, 1),
		     BENCH_ERR_ARG);
	logcap_stop();
	cr_expect(strstr(logcap_text(), "needs 6 payload bytes, frame has 4") !=
		      NULL,
		  "%s", logcap_text());
	cr_expect_not(
	    cansig_active(dbc_msg_by_id(db, 1), sig(1, "be16_b45"), d, 4));
	cr_expect(cansig_active(dbc_msg_by_id(db, 1), sig(1, "be16"), d, 4));
}

Test(can_sig, nan_and_zero_factor_rejected)
{
	uint8_t d[8] = {0};

	logcap_start();
	cr_expect_eq(cansig_encode(sig(6, "s4"), d, 8, NAN), BENCH_ERR_ARG);
	logcap_stop();
	cr_expect(strstr(logcap_text(), "cannot encode") != NULL);
}
