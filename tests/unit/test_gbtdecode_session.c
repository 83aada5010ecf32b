/* SPDX-License-Identifier: Apache-2.0 */
/* test_gbtdecode_session.c - GB/T 27930 sessions read from captures
 * (docs/gbt27930.md, "Decoding a capture"): the synthetic 2015 session
 * (BMV, BMT, VIN) and 2011 session (candump and ASC) of
 * fixtures/captures/ give their exact values under the common keys and
 * "gbt"; the real charger capture
 * gives its BRM/BCP/CCS and its end (the charger went silent: BEM "CCS
 * timeout"); bad input is counted and named, never fatal. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gbtdecode.h"
#include "bench/packdecode.h"
#include "can/canlog.h"
#include "common/json.h"
#include "common/rc.h"
#include "support.h"

static char last_msg[256];
static unsigned n_ev[GBTDECODE_EV_N];
static char js[64 * 1024];

static void on_ev(void *ctx, enum gbtdecode_ev kind, const char *msg,
		  int64_t t_us)
{
	(void)ctx;
	(void)t_us;
	n_ev[kind]++;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

static void setup(void)
{
	logcap_start();
	memset(n_ev, 0, sizeof(n_ev));
	last_msg[0] = '\0';
}

TestSuite(gbtdecode, .init = setup, .fini = logcap_stop, .timeout = 20);

/* The JSON object `bench pack decode --gbt27930 --json` prints last. */
static const char *to_json(const struct gbtdecode *d)
{
	struct json j;

	json_init_buf(&j, js, sizeof(js));
	json_obj(&j);
	packdecode_json_members(gbtdecode_snap(d), &j);
	gbtdecode_json_members(d, &j);
	json_end(&j);
	cr_assert_gt(json_finish(&j), 0);
	return js;
}

static struct gbtdecode *replay(const char *path)
{
	struct canlog_reader *r;
	struct canlog_rec rec;
	struct gbtdecode *d;
	int64_t t = 0;
	int rc;

	cr_assert_eq(gbtdecode_new(on_ev, NULL, &d), BENCH_OK);
	cr_assert_eq(canlog_reader_open(path, &r), BENCH_OK, "%s", path);
	while ((rc = canlog_reader_next(r, &rec)) == 1) {
		t = canlog_t_us(&rec);
		gbtdecode_frame(d, &rec.frame, t);
	}
	cr_assert_eq(rc, 0);
	gbtdecode_end(d, t);
	canlog_reader_close(r);
	return d;
}

#define HAS(s, sub) cr_expect(strstr((s), (sub)), "no %s in %s", (sub), (s))

Test(gbtdecode, session_2015)
{
	struct gbtdecode *d = replay("fixtures/captures/gbt2015-session.log");
	const struct pack_snap *s = gbtdecode_snap(d);
	const struct gbtdecode_facts *f = gbtdecode_facts(d);
	const char *o = to_json(d);

	for (unsigned i = 0; i < GBTDECODE_EV_N; i++)
		cr_expect_eq(n_ev[i], 0, "%s: %s", gbtdecode_ev_key(i),
			     last_msg);
	/* BMV: 104 cells, 3.30 V + (i % 11 + 1) cV, 13 per group */
	cr_assert_eq(s->series, 104);
	cr_expect_eq(s->cells_seen, 104);
	for (unsigned i = 0; i < 104; i++) {
		cr_expect_eq(s->cell_mV[i], 3300 + 10 * (int)(i % 11 + 1),
			     "cell %u", i + 1);
		cr_expect_eq(f->cell_group[i], i / 13, "cell %u", i + 1);
	}
	cr_assert_eq(s->n_probes, 16);
	for (unsigned i = 0; i < 16; i++)
		cr_expect_eq(s->temp_ddegC[i], 10 * (26 + (int)(i % 8)));
	HAS(o, "\"cell_voltage_volt\":[3.31,3.32,3.33,");
	HAS(o, "\"temperature_celsius\":[26,27,28,29,30,31,32,33,26,");
	/* BCS, then BSD's end SOC; BRM's ratings */
	HAS(o, "\"voltage_volt\":336,\"current_ampere\":99.8,"
	       "\"soc_percent\":44,\"soh_percent\":null,\"capacity_ah\":null,"
	       "\"cell_voltage_min_volt\":3.31,\"cell_voltage_max_volt\":3.41,"
	       "\"temperature_min_celsius\":26,"
	       "\"temperature_max_celsius\":33,\"rated_capacity_ah\":150,"
	       "\"rated_voltage_volt\":332.8,");
	HAS(o, "\"gbt\":{\"edition\":\"2015\",\"edition_from\":\"BHM\","
	       "\"phases\":[{\"phase\":\"handshake\",\"t\":1765100000.000000},"
	       "{\"phase\":\"recognition\",\"t\":1765100001.000000},"
	       "{\"phase\":\"config\",\"t\":1765100001.562000},"
	       "{\"phase\":\"charging\",\"t\":1765100003.500000},"
	       "{\"phase\":\"stopping\",\"t\":1765100016.000000},"
	       "{\"phase\":\"statistics\",\"t\":1765100016.250000}],");
	HAS(o, "\"charger_protocol_version\":\"1.1.0\","
	       "\"bms_protocol_version\":\"1.1.0\",\"battery_type\":\"lfp\","
	       "\"maker\":\"CATL\",\"vin\":\"LGXCE4CB0K0123456\","
	       "\"production_date\":\"2019-05-17\",\"charge_cycles\":123,");
	HAS(o, "\"bms_max_voltage_volt\":400,\"cell_voltage_limit_volt\":3.65,"
	       "\"charge_current_limit_ampere\":150,"
	       "\"voltage_limit_volt\":379.6,\"temperature_limit_celsius\":55,"
	       "\"energy_kwh\":49.9,\"charger_max_voltage_volt\":750,"
	       "\"charger_min_voltage_volt\":200,"
	       "\"charger_max_current_ampere\":250,"
	       "\"charger_min_current_ampere\":0,\"bms_ready\":true,"
	       "\"charger_ready\":true,");
	HAS(o, "\"demand_voltage_volt\":350,\"demand_current_ampere\":100,"
	       "\"demand_mode\":\"constant_current\","
	       "\"charger_voltage_volt\":336,\"charger_current_ampere\":99.5,"
	       "\"charge_minutes\":0,\"charger_permits\":true,"
	       "\"remaining_minutes\":25,\"cell_voltage_highest_volt\":3.41,"
	       "\"cell_highest_group\":3,\"cell_highest_number\":40,"
	       "\"temperature_highest_celsius\":33,"
	       "\"temperature_highest_probe\":9,"
	       "\"temperature_lowest_celsius\":24,"
	       "\"temperature_lowest_probe\":2,\"bsm_faults\":[],"
	       "\"bms_permits\":true,\"cell_group\":[0,0,0,0,0,0,0,0,0,0,0,0,0,"
	       "1,");
	HAS(o,
	    "\"bst\":[\"soc_reached\"],\"cst\":[\"bms_stopped\"],"
	    "\"bem\":null,\"cem\":null,\"end_soc_percent\":44,"
	    "\"end_cell_voltage_min_volt\":3.3,"
	    "\"end_cell_voltage_max_volt\":3.42,"
	    "\"end_temperature_min_celsius\":24,"
	    "\"end_temperature_max_celsius\":33,\"session_minutes\":0,"
	    "\"energy_delivered_kwh\":0.5,\"events\":{\"tp_bad_sequence\":0,");
	gbtdecode_free(d);
}

/* The same session as candump and as Vector ASC. */
static void check_2011(const char *path)
{
	struct gbtdecode *d = replay(path);
	const struct gbtdecode_facts *f = gbtdecode_facts(d);
	const char *o = to_json(d);

	for (unsigned i = 0; i < GBTDECODE_EV_N; i++)
		cr_expect_eq(n_ev[i], 0, "%s: %s", gbtdecode_ev_key(i),
			     last_msg);
	cr_expect_eq(f->brm.len, 41);
	HAS(o, "\"cell_voltage_volt\":[],\"temperature_celsius\":[],"
	       "\"voltage_volt\":366.1,\"current_ampere\":47.9,"
	       "\"soc_percent\":61,");
	HAS(o, "\"rated_capacity_ah\":100,\"rated_voltage_volt\":350.4,");
	/* no CHM or BHM: the BRM's length shows 2011 */
	HAS(o, "\"edition\":\"2011\",\"edition_from\":\"BRM of 41 bytes\","
	       "\"phases\":[{\"phase\":\"recognition\",");
	HAS(o, "\"charger_protocol_version\":null,"
	       "\"bms_protocol_version\":\"1.0.0\","
	       "\"battery_type\":\"ternary\",\"maker\":null,\"vin\":null,"
	       "\"production_date\":null,\"charge_cycles\":null,"
	       "\"bms_max_voltage_volt\":null,");
	/* CML and CCS of 6 bytes: no minimum current, no permit */
	HAS(o, "\"charger_max_current_ampere\":120,"
	       "\"charger_min_current_ampere\":null,");
	HAS(o, "\"charger_voltage_volt\":366.2,\"charger_current_ampere\":48,"
	       "\"charge_minutes\":1,\"charger_permits\":null,");
	HAS(o, "\"cell_highest_number\":1,");
	HAS(o, "\"bst\":[\"charger_stopped\"],\"cst\":[\"manual\"],"
	       "\"bem\":null,\"cem\":null,\"end_soc_percent\":61,");
	HAS(o, "\"session_minutes\":4,\"energy_delivered_kwh\":0.2,");
	gbtdecode_free(d);
}

Test(gbtdecode, session_2011)
{
	check_2011("fixtures/captures/gbt2011-session.log");
}

Test(gbtdecode, session_2011_asc)
{
	check_2011("fixtures/captures/gbt2011-session.asc");
}

/* A real charger and BMS (MIT, fixtures/captures/README.md): BRM of 49
 * bytes, the charger stops answering at 19.5 s and the BMS reports a CCS
 * timeout; one EOMA missing from the export at 3.9 s. */
Test(gbtdecode, real_charger_capture)
{
	struct gbtdecode *d =
	    replay("fixtures/captures/gbt2015-real-charger.log");
	const struct gbtdecode_stats *st = gbtdecode_stats(d);
	const char *o = to_json(d);

	cr_expect_eq(st->frames, 1149);
	cr_expect_eq(n_ev[GBTDECODE_TP_TIMEOUT], 2, "%s", last_msg);
	for (unsigned i = 0; i < GBTDECODE_EV_N; i++)
		if (i != GBTDECODE_TP_TIMEOUT)
			cr_expect_eq(n_ev[i], 0, "%s", gbtdecode_ev_key(i));
	HAS(o, "\"voltage_volt\":497.1,\"current_ampere\":3,"
	       "\"soc_percent\":97,");
	HAS(o, "\"rated_capacity_ah\":18,\"rated_voltage_volt\":492.1,");
	HAS(o, "\"edition\":\"2015\",\"edition_from\":\"BHM\",");
	HAS(o, "\"battery_type\":\"ternary\",\"maker\":\"KLIE\",\"vin\":null,");
	HAS(o, "\"charger_max_voltage_volt\":700,"
	       "\"charger_min_voltage_volt\":200,"
	       "\"charger_max_current_ampere\":20,");
	HAS(o, "\"demand_voltage_volt\":597,\"demand_current_ampere\":3,");
	HAS(o,
	    "\"charger_voltage_volt\":540.6,\"charger_current_ampere\":2.9,");
	HAS(o, "\"bem\":[\"ccs_timeout\"],\"cem\":null,");
	HAS(o, "{\"phase\":\"charging\",\"t\":1.900000},"
	       "{\"phase\":\"error\",\"t\":19.500000}]");
	gbtdecode_free(d);
}

static void feed(struct gbtdecode *d, uint32_t id, const char *hex,
		 int64_t t_us)
{
	struct canframe f = {.id = id};

	for (; hex[0] && hex[1]; hex += 2) {
		unsigned b;

		cr_assert_eq(sscanf(hex, "%2x", &b), 1);
		f.data[f.len++] = (uint8_t)b;
	}
	gbtdecode_frame(d, &f, t_us);
}

#define EFF CANFRAME_EFF

Test(gbtdecode, bad_input_is_counted_and_named)
{
	struct gbtdecode *d;
	const struct gbtdecode_stats *st;

	cr_assert_eq(gbtdecode_new(on_ev, NULL, &d), BENCH_OK);
	st = gbtdecode_stats(d);
	/* J1939 Request from the BMS: not a GB/T message */
	feed(d, EFF | 0x18EA56F4, "001500", 1000);
	cr_expect_eq(n_ev[GBTDECODE_UNKNOWN_PGN], 1);
	HAS(last_msg, "PGN 0xEA00 (3 bytes) from 0xF4");
	/* another node, an 11-bit frame */
	feed(d, EFF | 0x181056F3, "A00F820F02", 2000);
	feed(d, 0x1DB, "0280B900", 3000);
	cr_expect_eq(n_ev[GBTDECODE_OTHER_ADDRESS], 2);
	HAS(last_msg, "0x1DB: an 11-bit identifier");
	/* BCL is the BMS's: from the charger it is refused */
	feed(d, EFF | 0x1810F456, "A00F820F02", 4000);
	cr_expect_eq(n_ev[GBTDECODE_WRONG_SENDER], 1);
	HAS(last_msg, "BCL from the charger (0x56)");
	/* a BCL of 3 bytes */
	feed(d, EFF | 0x181056F4, "A00F82", 5000);
	cr_expect_eq(n_ev[GBTDECODE_MALFORMED], 1);
	HAS(last_msg, "BCL of 3 bytes");
	/* a TP.DT without RTS, then a BCS whose packet 2 is lost */
	feed(d, EFF | 0x1CEB56F4, "012613A00F731161", 6000);
	cr_expect_eq(n_ev[GBTDECODE_TP_STRAY], 1);
	HAS(last_msg, "TP.DT 1 0xF4->0x56 without an RTS or BAM");
	feed(d, EFF | 0x1CEC56F4, "10090002FF001100", 7000);
	feed(d, EFF | 0x1CECF456, "110201FFFF001100", 7500);
	feed(d, EFF | 0x1CEB56F4, "012613A00F731161", 8000);
	feed(d, EFF | 0x1CEB56F4, "030000FFFFFFFFFF", 8500);
	cr_expect_eq(n_ev[GBTDECODE_TP_BAD_SEQ], 1);
	HAS(last_msg, "PGN 0x1100: packet 3 where 2 was due");
	/* an RTS whose size does not match its packets */
	feed(d, EFF | 0x1CEC56F4, "10090003FF001100", 9000);
	cr_expect_eq(n_ev[GBTDECODE_TP_BAD_SIZE], 1);
	/* the charger aborts */
	feed(d, EFF | 0x1CEC56F4, "10090002FF001100", 10000);
	feed(d, EFF | 0x1CECF456, "FF03FFFFFF001100", 10500);
	cr_expect_eq(n_ev[GBTDECODE_TP_ABORT], 1);
	HAS(last_msg, "aborted by 0x56, reason 3 (timeout)");
	/* a packet that never comes: the capture ends */
	feed(d, EFF | 0x1CEC56F4, "10090002FF001100", 11000);
	feed(d, EFF | 0x1CECF456, "110201FFFF001100", 11500);
	feed(d, EFF | 0x1CEB56F4, "012613A00F731161", 12000);
	gbtdecode_end(d, 12100);
	cr_expect_eq(n_ev[GBTDECODE_TP_TIMEOUT], 1);
	HAS(last_msg, "the capture ended at packet 2 of 2");
	/* nothing got through, everything was counted */
	cr_expect_eq(st->groups, 0);
	cr_expect_eq(st->frames, 16);
	cr_expect_eq(gbtdecode_snap(d)->have, 0);
	HAS(to_json(d), "\"events\":{\"tp_bad_sequence\":1,\"tp_timeout\":1,"
			"\"tp_bad_size\":1,\"tp_abort\":1,"
			"\"tp_without_transfer\":1,\"tp_restarted\":0,"
			"\"tp_too_many\":0,\"unknown_pgn\":1,"
			"\"other_address\":2,\"wrong_sender\":1,"
			"\"malformed\":1}");
	gbtdecode_free(d);
}

/* A reconnection: CEM, then CRM 0x00 again starts recognition over. */
Test(gbtdecode, phases_follow_a_reconnection)
{
	struct gbtdecode *d;
	const struct gbtdecode_facts *f;

	cr_assert_eq(gbtdecode_new(on_ev, NULL, &d), BENCH_OK);
	f = gbtdecode_facts(d);
	feed(d, EFF | 0x1801F456, "0001000000FFFFFF", 1000);
	feed(d, EFF | 0x1801F456, "AA01000000FFFFFF", 2000);
	feed(d, EFF | 0x081FF456, "FCF1C0FC", 3000); /* CEM: BCP timeout */
	feed(d, EFF | 0x1801F456, "AA01000000FFFFFF", 3500); /* late, ignored */
	feed(d, EFF | 0x1801F456, "0001000000FFFFFF", 4000);
	cr_assert_eq(f->n_phases, 3);
	cr_expect_eq(f->phases[0].phase, GBTDECODE_RECOGNITION);
	cr_expect_eq(f->phases[1].phase, GBTDECODE_ERROR);
	cr_expect_eq(f->phases[1].t_us, 3000);
	cr_expect_eq(f->phases[2].phase, GBTDECODE_RECOGNITION);
	cr_expect_eq(f->phases[2].t_us, 4000);
	HAS(to_json(d), "\"cem\":[\"bcp_timeout\"]");
	/* CRM before any CHM: a 2011 charger, until the BMS says more */
	HAS(js, "\"edition\":\"2011\",\"edition_from\":\"CRM before any "
		"CHM\"");
	gbtdecode_free(d);
}
