/* SPDX-License-Identifier: Apache-2.0 */
/* test_gbt_codec.c - every GB/T 27930 message against the byte examples
 * of docs/gbt27930.md (most from a real charger/BMS capture): decode the
 * bytes, check the physical values, encode them back to the same bytes. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/gbt.h"
#include "common/rc.h"

static uint8_t out[GBT_MAX_LEN];

#define ROUND_TRIP(enc_len, bytes)                                             \
	do {                                                                   \
		cr_assert_eq((enc_len), sizeof(bytes));                        \
		cr_assert_arr_eq(out, bytes, sizeof(bytes));                   \
	} while (0)

Test(gbt_codec, table_priorities_and_edition_lengths)
{
	cr_assert_eq(gbt_msg_info(GBT_CEM)->prio, 2);
	cr_assert_eq(gbt_msg_info(GBT_CRO)->prio, 4);
	cr_assert_eq(gbt_msg_info(GBT_CCS)->prio, 6);
	cr_assert_eq(gbt_msg_info(GBT_BRM)->prio, 7);
	cr_assert_eq(gbt_msg_info(GBT_BRM)->len_2015, 49);
	cr_assert_eq(gbt_msg_info(GBT_BRM)->len_2011, 41);
	cr_assert_eq(gbt_msg_info(GBT_CHM)->len_2011, 0, "no CHM in 2011");
	cr_assert(gbt_msg_info(GBT_BMV)->variable);
	cr_assert(gbt_msg_info(GBT_BSM)->from_bms);
	cr_assert_str_eq(gbt_msg_name(0x1300), "BSM");
	cr_assert_str_eq(gbt_msg_name(0x1400), "PGN?");
	cr_assert_null(gbt_msg_info(0x1400));
}

Test(gbt_codec, chm_versions)
{
	const uint8_t v11[] = {0x01, 0x01, 0x00};
	struct gbt_chm m;

	cr_assert_eq(gbt_decode_chm(v11, 3, &m), BENCH_OK);
	cr_assert(m.ver.major == 1 && m.ver.minor == 1 && m.ver.patch == 0);
	ROUND_TRIP(gbt_encode_chm(&m, out), v11);
	cr_assert_eq(gbt_decode_chm(v11, 2, &m), BENCH_ERR_PROTO);
}

Test(gbt_codec, bhm_voltage)
{
	const uint8_t d[] = {0x58, 0x1B}; /* 700.0 V */
	struct gbt_bhm m;

	cr_assert_eq(gbt_decode_bhm(d, 2, &m), BENCH_OK);
	cr_assert_eq(m.max_voltage_dV, 7000);
	ROUND_TRIP(gbt_encode_bhm(&m, out), d);
}

Test(gbt_codec, crm_from_capture)
{
	const uint8_t d[] = {0xAA, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	struct gbt_crm m;

	cr_assert_eq(gbt_decode_crm(d, 8, &m), BENCH_OK);
	cr_assert_eq(m.result, GBT_RECOGNISED);
	cr_assert_eq(m.charger_no, 0xFFFFFF01u);
	ROUND_TRIP(gbt_encode_crm(&m, out), d);
}

static const uint8_t brm49[49] = {
    0x01, 0x01, 0x00, 0x06, 0xB4, 0x00, 0x39, 0x0E, /* V1.1, NCM, 18 Ah */
    'C',  'A',	'T',  'L',  1,	  2,	3,    4,    /* maker, serial */
    38,	  5,	16,   0x2C, 0x01, 0x00, 1,    0xFF, /* 2023-05-16, 300 */
    'L',  'S',	'V',  'A',  'B',  'C',	'D',  'E',  'F',
    'G',  'H',	'J',  'K',  '1',  '2',	'3',  '4',  /* VIN */
    0x20, 0x23, 0x05, 0x16, 0x00, 0x00, 0x00, 0x07, /* software */
};

Test(gbt_codec, brm_2015_and_2011_lengths)
{
	struct gbt_brm m;

	cr_assert_eq(gbt_decode_brm(brm49, 49, &m), BENCH_OK);
	cr_assert(m.ver.major == 1 && m.ver.minor == 1);
	cr_assert_eq(m.battery_type, 6);
	cr_assert_eq(m.capacity_dAh, 180);
	cr_assert_eq(m.voltage_dV, 3641);
	cr_assert_arr_eq(m.maker, "CATL", 4);
	cr_assert_eq(m.year, 2023);
	cr_assert(m.month == 5 && m.day == 16);
	cr_assert_eq(m.cycles, 300u);
	cr_assert_eq(m.ownership, 1);
	cr_assert_arr_eq(m.vin, "LSVABCDEFGHJK1234", 17);
	cr_assert_eq(m.sw_version[7], 0x07);
	cr_assert_eq(m.len, 49);
	ROUND_TRIP(gbt_encode_brm(&m, GBT_2015, out), brm49);
	/* 2011: the first 41 bytes */
	cr_assert_eq(gbt_encode_brm(&m, GBT_2011, out), 41u);
	cr_assert_arr_eq(out, brm49, 41);
	cr_assert_eq(gbt_decode_brm(brm49, 41, &m), BENCH_OK);
	cr_assert_eq(m.sw_version[7], 0xFF, "absent in 2011");
	/* a BMS sending only the mandatory 8 bytes */
	cr_assert_eq(gbt_decode_brm(brm49, 8, &m), BENCH_OK);
	cr_assert_eq(m.voltage_dV, 3641);
	cr_assert_eq(m.year, 0, "absent");
	cr_assert_eq(gbt_decode_brm(brm49, 7, &m), BENCH_ERR_PROTO);
}

Test(gbt_codec, bcp_limits)
{
	/* 4.20 V cell, 150 A charge, 60.0 kWh, 410.0 V, 55 degC (byte 105),
	 * SOC 55.5 %, 380.0 V */
	const uint8_t d[] = {0xA4, 0x01, 0xC4, 0x09, 0x58, 0x02, 0x04,
			     0x10, 105,	 0x2B, 0x02, 0xD8, 0x0E};
	struct gbt_bcp m;

	cr_assert_eq(gbt_decode_bcp(d, 13, &m), BENCH_OK);
	cr_assert_eq(m.cell_max_cV, 420);
	cr_assert_eq(m.max_current_dA, -1500);
	cr_assert_eq(m.energy_hWh, 600);
	cr_assert_eq(m.max_voltage_dV, 4100);
	cr_assert_eq(m.max_temp_C, 55);
	cr_assert_eq(m.soc_permille, 555);
	cr_assert_eq(m.voltage_dV, 3800);
	ROUND_TRIP(gbt_encode_bcp(&m, out), d);
	cr_assert_eq(gbt_decode_bcp(d, 12, &m), BENCH_ERR_PROTO);
}

Test(gbt_codec, cts_bcd_seconds_first)
{
	const uint8_t d[] = {0x36, 0x24, 0x08, 0x16, 0x05, 0x15, 0x20};
	struct gbt_cts m;

	cr_assert_eq(gbt_decode_cts(d, 7, &m), BENCH_OK);
	cr_assert_eq(m.year, 2015);
	cr_assert(m.month == 5 && m.day == 16);
	cr_assert(m.hour == 8 && m.minute == 24 && m.second == 36);
	ROUND_TRIP(gbt_encode_cts(&m, out), d);
}

Test(gbt_codec, cml_from_capture_and_2011_length)
{
	const uint8_t d[] = {0x58, 0x1B, 0xD0, 0x07, 0xD8, 0x0E, 0xA0, 0x0F};
	struct gbt_cml m;

	cr_assert_eq(gbt_decode_cml(d, 8, &m), BENCH_OK);
	cr_assert_eq(m.max_voltage_dV, 7000);
	cr_assert_eq(m.min_voltage_dV, 2000);
	cr_assert_eq(m.max_current_dA, -200, "20 A of charge");
	cr_assert_eq(m.min_current_dA, 0);
	ROUND_TRIP(gbt_encode_cml(&m, GBT_2015, out), d);
	cr_assert_eq(gbt_encode_cml(&m, GBT_2011, out), 6u);
	cr_assert_eq(gbt_decode_cml(d, 6, &m), BENCH_OK);
}

Test(gbt_codec, bro_cro)
{
	const uint8_t d[] = {0xAA};
	uint8_t r = 0;

	cr_assert_eq(gbt_decode_ready(d, 1, &r), BENCH_OK);
	cr_assert_eq(r, GBT_READY);
	ROUND_TRIP(gbt_encode_ready(r, out), d);
	cr_assert_eq(gbt_decode_ready(d, 0, &r), BENCH_ERR_PROTO);
}

Test(gbt_codec, bcl_from_capture)
{
	const uint8_t d[] = {0x52, 0x17, 0x82, 0x0F, 0x02};
	struct gbt_bcl m;

	cr_assert_eq(gbt_decode_bcl(d, 5, &m), BENCH_OK);
	cr_assert_eq(m.voltage_dV, 5970);
	cr_assert_eq(m.current_dA, -30, "3.0 A of charge");
	cr_assert_eq(m.mode, 2);
	ROUND_TRIP(gbt_encode_bcl(&m, out), d);
}

Test(gbt_codec, bcs_cell_and_group_packed)
{
	/* 540.0 V, 3.0 A charge, cell 4.15 V in group 3, SOC 57 %, 95 min */
	const uint8_t d[] = {0x18, 0x15, 0x82, 0x0F, 0x9F,
			     0x31, 57,	 0x5F, 0x00};
	struct gbt_bcs m;

	cr_assert_eq(gbt_decode_bcs(d, 9, &m), BENCH_OK);
	cr_assert_eq(m.voltage_dV, 5400);
	cr_assert_eq(m.current_dA, -30);
	cr_assert_eq(m.cell_max_cV, 415);
	cr_assert_eq(m.cell_max_group, 3);
	cr_assert_eq(m.soc_pct, 57);
	cr_assert_eq(m.remaining_min, 95);
	ROUND_TRIP(gbt_encode_bcs(&m, out), d);
}

Test(gbt_codec, ccs_permit_and_2011_length)
{
	/* 4.2 V, 0 A, 0 min, permit: the capture's "... FD FF" */
	const uint8_t d[] = {0x2A, 0x00, 0xA0, 0x0F, 0x00, 0x00, 0xFD, 0xFF};
	struct gbt_ccs m;

	cr_assert_eq(gbt_decode_ccs(d, 8, &m), BENCH_OK);
	cr_assert_eq(m.voltage_dV, 42);
	cr_assert_eq(m.current_dA, 0);
	cr_assert(m.permit);
	ROUND_TRIP(gbt_encode_ccs(&m, GBT_2015, out), d);
	m.permit = false;
	gbt_encode_ccs(&m, GBT_2015, out);
	cr_assert_eq(out[6], 0xFC, "pause");
	cr_assert_eq(gbt_encode_ccs(&m, GBT_2011, out), 6u);
}

Test(gbt_codec, bsm_offsets_and_status_pairs)
{
	/* cell 12, 35 degC at probe 4, 20 degC at probe 1, all normal,
	 * charging permitted; byte 7 bits 7-8 filled with 1 */
	const uint8_t d[] = {11, 85, 3, 70, 0, 0x00, 0xD0};
	const uint8_t s4[] = {11, 85, 3, 70, 0, 0x00, 0x10};
	struct gbt_bsm m;

	cr_assert_eq(gbt_decode_bsm(d, 7, &m), BENCH_OK);
	cr_assert_eq(m.cell_max_no, 12);
	cr_assert(m.temp_max_C == 35 && m.temp_max_probe == 4);
	cr_assert(m.temp_min_C == 20 && m.temp_min_probe == 1);
	cr_assert_eq(m.status[GBT_BSM_PERMIT], 1);
	cr_assert_eq(m.status[GBT_BSM_INSULATION], 0);
	ROUND_TRIP(gbt_encode_bsm(&m, out), d);
	/* a production BMS pads byte 7 with 0: same meaning */
	cr_assert_eq(gbt_decode_bsm(s4, 7, &m), BENCH_OK);
	cr_assert_eq(m.status[GBT_BSM_PERMIT], 1);
	m.status[GBT_BSM_INSULATION] = 1;
	gbt_encode_bsm(&m, out);
	cr_assert_eq(out[6], 0xD1);
}

Test(gbt_codec, bmv_bmt_bsp)
{
	const uint8_t v[] = {0x9F, 0x01, 0x9E, 0x11}; /* 4.15 V g0, 4.14 g1 */
	const uint8_t t[] = {75, 76, 40};
	const uint8_t p[] = {1, 2, 3};
	struct gbt_bmv bmv;
	struct gbt_bmt bmt;
	struct gbt_bsp bsp;

	cr_assert_eq(gbt_decode_bmv(v, 4, &bmv), BENCH_OK);
	cr_assert_eq(bmv.n, 2);
	cr_assert(bmv.cell_cV[0] == 415 && bmv.group[0] == 0);
	cr_assert(bmv.cell_cV[1] == 414 && bmv.group[1] == 1);
	ROUND_TRIP(gbt_encode_bmv(&bmv, out), v);
	cr_assert_eq(gbt_decode_bmt(t, 3, &bmt), BENCH_OK);
	cr_assert(bmt.n == 3 && bmt.temp_C[0] == 25 && bmt.temp_C[2] == -10);
	ROUND_TRIP(gbt_encode_bmt(&bmt, out), t);
	cr_assert_eq(gbt_decode_bsp(p, 3, &bsp), BENCH_OK);
	ROUND_TRIP(gbt_encode_bsp(&bsp, out), p);
}

Test(gbt_codec, bsd_csd)
{
	const uint8_t b[] = {95, 0x86, 0x01, 0x9F, 0x01, 68, 85};
	const uint8_t c[] = {0x2D, 0x00, 0x64, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
	struct gbt_bsd bsd;
	struct gbt_csd csd;

	cr_assert_eq(gbt_decode_bsd(b, 7, &bsd), BENCH_OK);
	cr_assert_eq(bsd.soc_pct, 95);
	cr_assert(bsd.cell_min_cV == 390 && bsd.cell_max_cV == 415);
	cr_assert(bsd.temp_min_C == 18 && bsd.temp_max_C == 35);
	ROUND_TRIP(gbt_encode_bsd(&bsd, out), b);
	cr_assert_eq(gbt_decode_csd(c, 8, &csd), BENCH_OK);
	cr_assert(csd.time_min == 45 && csd.energy_hWh == 100);
	cr_assert_eq(csd.charger_no, 0xFFFFFFFFu);
	ROUND_TRIP(gbt_encode_csd(&csd, GBT_2015, out), c);
	cr_assert_eq(gbt_encode_csd(&csd, GBT_2011, out), 5u);
}

Test(gbt_codec, bem_ccs_timeout_from_capture)
{
	const uint8_t d[] = {0xF0, 0xF0, 0xF1, 0xFC};
	struct gbt_codes s;

	cr_assert_eq(gbt_codes_decode(d, 4, &s), BENCH_OK);
	cr_assert_eq(s.c[GBT_BEM_CCS], 1);
	cr_assert_eq(gbt_codes_set(&s), 1u << GBT_BEM_CCS);
	gbt_codes_init(&s, GBT_BEM);
	s.c[GBT_BEM_CCS] = 1;
	ROUND_TRIP(gbt_codes_encode(&s, out), d);
}

Test(gbt_codec, cem_bits_and_fill)
{
	const uint8_t none[] = {0xFC, 0xF0, 0xC0, 0xFC};
	const uint8_t bcl[] = {0xFC, 0xF0, 0xC4, 0xFC};
	struct gbt_codes s;

	gbt_codes_init(&s, GBT_CEM);
	ROUND_TRIP(gbt_codes_encode(&s, out), none);
	s.c[GBT_CEM_BCL] = 1;
	ROUND_TRIP(gbt_codes_encode(&s, out), bcl);
}

Test(gbt_codec, bst_insulation_and_cst_fill)
{
	/* BST: insulation fault (B2 bits 1-2 = 01) */
	const uint8_t bst[] = {0x00, 0x01, 0x00, 0xF0};
	/* CST: BMS-initiated stop; 2015 reserved bits of B3 filled with 1 */
	const uint8_t cst[] = {0x40, 0x00, 0xF0, 0xF0};
	struct gbt_codes s;

	cr_assert_eq(gbt_codes_decode(bst, 4, &s), BENCH_OK);
	cr_assert_eq(gbt_codes_set(&s), 1u << GBT_BST_INSULATION);
	gbt_codes_init(&s, GBT_CST);
	s.c[GBT_CST_BMS_STOP] = 1;
	ROUND_TRIP(gbt_codes_encode(&s, out), cst);
	cr_assert_eq(gbt_codes_decode(cst, 3, &s), BENCH_ERR_PROTO);
}
