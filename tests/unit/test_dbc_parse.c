/* SPDX-License-Identifier: Apache-2.0 */
/* test_dbc_parse.c - DBC statements into struct dbc. */
#include <criterion/criterion.h>
#include <string.h>

#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

static struct dbc *load(const char *path)
{
	struct dbc_opts o = {.quiet = true};
	struct dbc *db = NULL;

	cr_assert_eq(dbc_load_file(path, &o, &db), BENCH_OK, "%s", path);
	return db;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(dbc_parse, .timeout = 60);

Test(dbc_parse, bms_mux_messages_and_attributes)
{
	struct dbc *db = load("fixtures/dbc/test/bms_mux.dbc");
	const struct dbc_msg *m;
	const struct dbc_sig *s;

	cr_expect_eq(db->n_msgs, 4);
	m = dbc_msg_by_id(db, 475);
	cr_assert_not_null(m);
	cr_expect_str_eq(m->name, "x1DB");
	cr_expect_eq(m->cycle_ms, 10);
	cr_expect_eq(m->size, 8);
	cr_expect_str_eq(m->sender, "BMS");
	cr_expect_str_eq(m->comment,
			 "Leaf-style battery status, Motorola signed current");
	s = dbc_sig_by_name(m, "LB_Current");
	cr_assert_not_null(s);
	cr_expect(s->big_endian);
	cr_expect(s->is_signed);
	cr_expect_eq(s->start, 7);
	cr_expect_eq(s->len, 11);
	cr_expect_eq(s->factor, 0.5);
	cr_expect_eq(s->min, -400);
	cr_expect_str_eq(s->unit, "A");
	cr_expect_str_eq(
	    s->comment,
	    "Pack current,\npositive = discharge; \"LB\" is Li-ion battery");
	s = dbc_sig_by_name(m, "LB_Relay_Cut_Request");
	cr_assert_eq(s->n_vals, 4);
	cr_expect_eq(s->vals[1].raw, 1);
	cr_expect_str_eq(s->vals[1].text, "Cut");
	/* default cycle time from BA_DEF_DEF_ */
	cr_expect_eq(dbc_msg_by_name(db, "Temperatures")->cycle_ms, 100);
	/* 2566869236 = bit 31 | 0x18FF50F4 */
	m = dbc_msg_by_id(db, CANFRAME_EFF | 0x18FF50F4);
	cr_assert_not_null(m);
	cr_expect_str_eq(m->name, "BMS_Status");
	cr_expect_null(dbc_msg_by_id(db, 0x18FF50F4));
	cr_expect_not(m->fd);
	dbc_free(db);
}

Test(dbc_parse, simple_mux)
{
	struct dbc *db = load("fixtures/dbc/test/bms_mux.dbc");
	const struct dbc_msg *m = dbc_msg_by_name(db, "CellVoltages");
	uint8_t d[8] = {1, 0xE4, 0x0C, 0, 0, 0, 0, 7};

	cr_assert_not_null(m);
	const struct dbc_sig *c1 = dbc_sig_by_name(m, "Cell1");
	const struct dbc_sig *c4 = dbc_sig_by_name(m, "Cell4");
	cr_expect_eq(dbc_sig_by_name(m, "CellBlock")->mux, DBC_MUX_SWITCH);
	cr_expect_eq(c1->mux, DBC_MUX_VALUE);
	cr_expect_not(cansig_active(m, c1, d, 8));
	cr_expect(cansig_active(m, c4, d, 8));
	cr_expect(cansig_active(m, dbc_sig_by_name(m, "BlockCounter"), d, 8));
	cr_expect_float_eq(cansig_decode(c4, d, 8), 3.300, 1e-12);
	d[0] = 0;
	cr_expect(cansig_active(m, c1, d, 8));
	cr_expect_not(cansig_active(m, c4, d, 8));
	dbc_free(db);
}

Test(dbc_parse, extended_mux_with_sg_mul_val_ranges)
{
	struct dbc *db = load("fixtures/dbc/test/bms_extmux.dbc");
	const struct dbc_msg *m = dbc_msg_by_id(db, 1280);
	uint8_t d[8] = {0};

	cr_assert_not_null(m);
	const struct dbc_sig *idx = dbc_sig_by_name(m, "Module_Idx");
	const struct dbc_sig *volt = dbc_sig_by_name(m, "Module_Voltage");
	const struct dbc_sig *temp = dbc_sig_by_name(m, "Module_Temp");
	const struct dbc_sig *bal = dbc_sig_by_name(m, "Balancing_Mask");
	const struct dbc_sig *fwmin = dbc_sig_by_name(m, "Fw_Minor");

	cr_expect_eq(idx->mux, DBC_MUX_BOTH);
	cr_expect_eq(idx->n_mux_ranges, 2);
	cr_expect_eq(idx->mux_ranges[1].lo, 3);
	cr_expect_eq(idx->mux_ranges[1].hi, 5);
	/* Service 4 selects Module_Idx; Module_Idx 8 selects the voltage */
	d[0] = 4;
	d[1] = 8;
	cr_expect(cansig_active(m, idx, d, 8));
	cr_expect(cansig_active(m, volt, d, 8));
	cr_expect_not(cansig_active(m, temp, d, 8));
	d[1] = 5;
	cr_expect_not(cansig_active(m, volt, d, 8));
	cr_expect(cansig_active(m, temp, d, 8));
	/* Service 2: Module_Idx absent, so nothing under it either */
	d[0] = 2;
	cr_expect_not(cansig_active(m, idx, d, 8));
	cr_expect_not(cansig_active(m, temp, d, 8));
	d[1] = 15; /* Fw_Major 15 in 10-20 */
	cr_expect(cansig_active(m, bal, d, 8));
	d[1] = 21;
	cr_expect_not(cansig_active(m, bal, d, 8));
	/* SG_MUL_VAL_ overrides the m0 written on the signal */
	d[0] = 0;
	cr_expect_not(cansig_active(m, fwmin, d, 8));
	d[0] = 6;
	cr_expect(cansig_active(m, fwmin, d, 8));
	/* SG_MUL_VAL_ is keyed by message: 1281 has its own String_Sel */
	m = dbc_msg_by_id(db, 1281);
	d[0] = 0x14; /* Motorola nibbles: String_Sel 1, Page 4 */
	cr_expect(cansig_active(m, dbc_sig_by_name(m, "String_Current"), d, 8));
	d[0] = 0x13;
	cr_expect_not(cansig_active(m, dbc_sig_by_name(m, "String_Sel"), d, 8));
	dbc_free(db);
}

Test(dbc_parse, fd_attributes_floats_and_64_bit)
{
	struct dbc *db = load("fixtures/dbc/test/bms_fd.dbc");
	const struct dbc_msg *cells = dbc_msg_by_name(db, "BMS_FD_Cells");
	const struct dbc_msg *flt = dbc_msg_by_name(db, "BMS_Classic_Float");
	const struct dbc_msg *en = dbc_msg_by_name(db, "BMS_FD_Energy");
	uint8_t d[64] = {0};

	cr_assert_not_null(cells);
	cr_expect(cells->fd); /* BA_ VFrameFormat 15 */
	cr_expect_eq(cells->size, 64);
	cr_expect_eq(cells->cycle_ms, 20);
	cr_expect_eq(cells->id, CANFRAME_EFF | 0x0C000000u);
	cr_expect_not(flt->fd); /* default StandardCAN */
	cr_expect_eq(flt->cycle_ms, 0);
	cr_expect_eq(dbc_sig_by_name(flt, "Cell_Avg_V")->valtype, DBC_FLOAT32);
	cr_expect_eq(dbc_sig_by_name(en, "Pack_Resistance")->valtype,
		     DBC_FLOAT64);
	/* cell 31 lives in bytes 61-62, the CRC in byte 63 */
	d[61] = 0x74;
	d[62] = 0x0E;
	d[63] = 0x5A;
	cr_expect_float_eq(
	    cansig_decode(dbc_sig_by_name(cells, "FD_Cell31"), d, 64), 3.7,
	    1e-12);
	cr_expect_eq(cansig_decode(dbc_sig_by_name(cells, "FD_Crc"), d, 64),
		     0x5A);
	cr_expect_not(
	    cansig_active(cells, dbc_sig_by_name(cells, "FD_Cell31"), d, 8));
	/* 64-bit unsigned counter: top of the range survives */
	cr_assert_eq(cansig_put_raw(dbc_sig_by_name(en, "Energy_Counter_Wh"), d,
				    32, UINT64_MAX),
		     BENCH_OK);
	cr_expect_eq(
	    cansig_get_raw(dbc_sig_by_name(en, "Energy_Counter_Wh"), d, 32),
	    UINT64_MAX);
	cr_expect_eq(
	    cansig_decode(dbc_sig_by_name(en, "Energy_Counter_Wh"), d, 32),
	    18446744073709551615.0);
	dbc_free(db);
}

Test(dbc_parse, crlf_cp1252_no_bit31_leading_digits)
{
	struct dbc_opts o = {0};
	struct dbc *db = NULL;
	const struct dbc_msg *m;

	logcap_start();
	cr_assert_eq(
	    dbc_load_file("fixtures/dbc/test/bms_crlf_cp1252.dbc", &o, &db),
	    BENCH_OK);
	logcap_stop();
	cr_expect(strstr(logcap_text(),
			 "bms_crlf_cp1252.dbc:11:5: message 'BMS_J1939_Status' "
			 "id 419385588 (0x18FF50F4) is above 0x7FF without the "
			 "extended bit 31; taken as 29-bit extended") != NULL,
		  "%s", logcap_text());
	cr_expect(strstr(logcap_text(),
			 "bms_crlf_cp1252.dbc:24:1: unknown statement "
			 "'STRANGE_NEW_STATEMENT_' skipped") != NULL,
		  "%s", logcap_text());
	cr_expect_eq(db->n_warnings, 2);
	cr_expect_eq(db->n_msgs, 2); /* VECTOR__INDEPENDENT_SIG_MSG dropped */
	m = dbc_msg_by_id(db, CANFRAME_EFF | 0x18FF50F4u);
	cr_assert_not_null(m);
	cr_expect_eq(m->cycle_ms, 1000);
	cr_expect_str_eq(dbc_sig_by_name(m, "Temp_Cell_Max")->unit, "\xc2\xb0"
								    "C");
	cr_expect_str_eq(dbc_sig_by_name(m, "64_BIT_LE")->unit, "\xc2\xb5"
								"s");
	cr_expect_str_eq(m->comment, "Temperatur der hei\xc3\x9f"
				     "esten Zelle in \xc2\xb0"
				     "C \xe2\x80\x93 29-bit id ohne Bit 31");
	cr_expect_not_null(dbc_sig_by_name(m, "12V_Voltage"));
	m = dbc_msg_by_name(db, "3rd_Party_Msg");
	cr_assert_not_null(m);
	cr_expect_eq(m->id, 2024u);
	const struct dbc_sig *sel = dbc_sig_by_name(m, "0Mux");
	const struct dbc_sig *s2 = dbc_sig_by_name(m, "2nd_Signal");
	cr_expect_eq(sel->mux, DBC_MUX_SWITCH);
	cr_expect_eq(s2->mux_parent, (int)(sel - m->sigs)); /* "m4:" spacing */
	cr_expect_str_eq(sel->vals[1].text, "Vier");
	uint8_t d[4] = {4, 0xFF, 0xFF, 0};
	cr_expect(cansig_active(m, s2, d, 4));
	cr_expect_eq(cansig_decode(s2, d, 4), -10.25);
	dbc_free(db);
}

Test(dbc_parse, attribute_forms)
{
	static const char text[] =
	    "BO_ 100 A: 8 X\n SG_ s : 0|8@1+ (1,0) [0|0] \"\" X\n"
	    "BO_ 101 B: 8 X\n SG_ s : 0|8@1+ (1,0) [0|0] \"\" X\n"
	    "BO_ 102 C: 8 X\n SG_ sig_with_a_short_name : 0|8@1+ (1,0) [0|0] "
	    "\"\" X\n"
	    "BA_DEF_ BO_ \"VFrameFormat\" INT 0 15;\n"
	    "BA_DEF_ BO_ \"GenMsgCycleTime\" FLOAT 0 1e4;\n"
	    "BA_DEF_ SG_ \"SystemSignalLongSymbol\" STRING ;\n"
	    "BA_DEF_ BU_ \"NodeLayerModules\" STRING ;\n"
	    "BA_DEF_ EV_ \"E\" HEX 0 255;\n"
	    "BA_DEF_ \"DBName\" STRING ;\n"
	    "BA_DEF_DEF_ \"VFrameFormat\" 14;\n"
	    "BA_DEF_DEF_ \"GenMsgCycleTime\" 12.0;\n"
	    "BA_ \"DBName\" \"x\";\n"
	    "BA_ \"NodeLayerModules\" BU_ X \"y\";\n"
	    "BA_ \"VFrameFormat\" BO_ 101 0;\n"
	    "BA_ \"GenMsgCycleTime\" BO_ 101 250;\n"
	    "BA_ \"SystemSignalLongSymbol\" SG_ 102 sig_with_a_short_name "
	    "\"Signal_With_A_Name_Longer_Than_32_Chars\";\n"
	    "// a hand-written comment line\n"
	    "VAL_ 102 sig_with_a_short_name -1 \"minus\" 0 \"zero\" 2.0 "
	    "\"two\" 18446744073709551614 \"big\";\n"
	    "CM_ SG_ 102 sig_with_a_short_name \"commented before the rename "
	    "is applied\";\n"
	    "CM_ BO_ 100 \"C:\\\\dir \\n \\\"q\\\" end\";\n";
	struct dbc_opts o = {.quiet = true};
	struct dbc *db;

	cr_assert_eq(dbc_parse(text, strlen(text), "attr.dbc", &o, &db),
		     BENCH_OK);
	cr_expect(dbc_msg_by_id(db, 100)->fd); /* INT default 14 */
	cr_expect_eq(dbc_msg_by_id(db, 100)->cycle_ms, 12);
	cr_expect_not(dbc_msg_by_id(db, 101)->fd);
	cr_expect_eq(dbc_msg_by_id(db, 101)->cycle_ms, 250);
	const struct dbc_sig *s = dbc_sig_by_name(
	    dbc_msg_by_id(db, 102), "Signal_With_A_Name_Longer_Than_32_Chars");
	cr_assert_not_null(s);
	cr_expect_eq(s->n_vals, 4);
	cr_expect_eq(s->vals[0].raw, -1);
	cr_expect_eq(s->vals[2].raw, 2);
	cr_expect_eq(s->vals[3].raw, -2); /* 2^64 - 2, two's complement */
	cr_expect_str_eq(s->comment, "commented before the rename is applied");
	/* \\ and \" fold, any other backslash stays */
	cr_expect_str_eq(dbc_msg_by_id(db, 100)->comment,
			 "C:\\dir \\n \"q\" end");
	dbc_free(db);
}

Test(dbc_parse, lookups_miss_cleanly)
{
	struct dbc *db = load("fixtures/dbc/test/bms_mux.dbc");

	cr_expect_null(dbc_msg_by_id(db, 0x7FF));
	cr_expect_null(dbc_msg_by_id(db, 475 | CANFRAME_EFF));
	cr_expect_null(dbc_msg_by_name(db, "nope"));
	cr_expect_null(dbc_sig_by_name(dbc_msg_by_id(db, 475), "nope"));
	dbc_free(db);
}
