/* SPDX-License-Identifier: Apache-2.0 */
/* test_profile_poll.c - polled-pack sections of a profile ([polling],
 * [ecu NAME], [poll NAME]): the Leaf fixture, every key, and errors that
 * name file, line and key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/profile.h"
#include "can/canframe.h"
#include "common/rc.h"
#include "support.h"

static struct profile p;

static void init(void)
{
	logcap_start();
}

static void fini(void)
{
	logcap_stop();
	profile_release(&p);
}

TestSuite(profile_poll, .init = init, .fini = fini, .timeout = 60);

static const char head[] = "[pack]\n"		      /* 1 */
			   "chemistry = nmc\n"	      /* 2 */
			   "series = 8\n"	      /* 3 */
			   "rated_capacity_ah = 10\n" /* 4 */
			   "[bms]\n"		      /* 5 */
			   "dbc = pack.dbc\n"	      /* 6 */
			   "probes = 2\n"	      /* 7 */
			   "pack_voltage = PackV\n"
			   "pack_current = PackI\n"
			   "[polling]\n"	  /* 10 */
			   "sweep_period_s = 5\n" /* 11 */
			   "[ecu bms]\n"	  /* 12 */
			   "tx_id = 0x7E4\n"	  /* 13 */
			   "rx_id = 0x7EC\n";	  /* 14 */

/* head + the tail, parsed; the error text if it failed. */
static int parse(const char *tail)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", head, tail);
	return profile_parse(text, "x.ini", NULL, &p);
}

static const char good_tail[] =
    "[poll cells]\n"						 /* 15 */
    "ecu = bms\n"						 /* 16 */
    "request = 22 01 02\n"					 /* 17 */
    "period_s = 10 2 5\n"					 /* 18 */
    "priority = 3\n"						 /* 19 */
    "retries = 1\n"						 /* 20 */
    "cell_voltage = offset=1 count=8 bytes=1 scale=20 unit=mV\n" /* 21 */
    "pack_voltage = offset=9 bytes=2 order=le scale=0.1 unit=V\n"
    "pack_current = offset=11 bytes=2 order=le signed=yes scale=-0.1 "
    "unit=A\n"
    "temperature = offset=13 count=2 bytes=1 signed=yes unit=C\n";

Test(profile_poll, leaf_fixture)
{
	const struct poll_set *s = &p.poll;

	cr_assert_eq(
	    profile_load_file("fixtures/profiles/nissan-leaf-aze0.ini", &p),
	    BENCH_OK, "%s", p.error);
	cr_assert_eq(p.series, 96);
	cr_assert_eq(s->n_ecus, 1);
	cr_assert_str_eq(s->ecus[0].name, "lbc");
	cr_assert_eq(s->ecus[0].tx_id, 0x79B);
	cr_assert_eq(s->ecus[0].rx_id, 0x7BB);
	cr_assert(s->ecus[0].tp.tx_pad);
	cr_assert_eq(s->ecus[0].tp.pad_byte, 0x00);
	cr_assert_eq(s->ecus[0].gap_ms, 100);
	cr_assert_eq(s->n_polls, 3);
	cr_assert_str_eq(s->polls[0].name, "cells");
	cr_assert_eq(s->polls[0].req.len, 2);
	cr_assert_eq(s->polls[0].req.data[0], 0x21);
	cr_assert_eq(s->polls[0].req.data[1], 0x02);
	cr_assert_eq(s->polls[0].req.echo_len, 1);
	cr_assert_eq(s->polls[0].min_len, 196);
	cr_assert_eq(s->polls[0].period_ms[POLLER_CHARGING], 10000);
	cr_assert(s->polls[0].feeds_safety);
	cr_assert(!s->polls[2].feeds_safety, "SOC alone feeds no safety");
	cr_assert_eq(s->sweep_period_ms, 20000);
	cr_assert_eq(poll_set_fresh_us(s), 30000000LL);
	/* no [bms] cell pattern: the poll reads every cell */
	cr_assert_str_eq(p.cell_voltage_fmt, "");
}

Test(profile_poll, every_key)
{
	const struct poll_set *s = &p.poll;
	const struct poll_field *f;

	cr_assert_eq(parse("id_bits = 29\n"
			   "addressing = extended\n"
			   "tx_ext_addr = 0x07\n"
			   "rx_ext_addr = 0xF1\n"
			   "padding = off\n"
			   "block_size = 8\n"
			   "stmin_ms = 5\n"
			   "frame_timeout_ms = 500\n"
			   "p2_ms = 300\n"
			   "p2star_ms = 2000\n"
			   "gap_ms = 50\n"
			   "[polling]\n"
			   "stale_margin_s = 3\n"
			   "backoff_ms = 2000\n"
			   "[poll cells]\n"
			   "echo = 2\n" /* before request: refused */),
		     BENCH_ERR_PARSE);
	cr_assert(strstr(p.error, "x.ini:30: key 'echo'"), "%s", p.error);
	cr_assert_eq(parse("id_bits = 29\n"
			   "addressing = extended\n"
			   "tx_ext_addr = 0x07\n"
			   "rx_ext_addr = 0xF1\n"
			   "padding = off\n"
			   "block_size = 8\n"
			   "stmin_ms = 5\n"
			   "frame_timeout_ms = 500\n"
			   "p2_ms = 300\n"
			   "p2star_ms = 2000\n"
			   "gap_ms = 50\n"
			   "[polling]\n"
			   "stale_margin_s = 3\n"
			   "backoff_ms = 2000\n"
			   "[poll cells]\n"
			   "ecu = bms\n"
			   "request = 22 01 02\n"
			   "echo = 2\n"
			   "period_s = 0 1 5\n"
			   "cell_voltage = offset=0 count=8 unit=mV\n"
			   "temperature = offset=16 count=2 stride=3 bytes=1 "
			   "signed=yes absent=0x80 unit=C\n"),
		     BENCH_OK, "%s", p.error);
	cr_assert_eq(s->ecus[0].tx_id, 0x7E4 | CANFRAME_EFF);
	cr_assert_eq(s->ecus[0].rx_id, 0x7EC | CANFRAME_EFF);
	cr_assert(s->ecus[0].tp.ext_addr);
	cr_assert_eq(s->ecus[0].tp.tx_ext_addr, 0x07);
	cr_assert_eq(s->ecus[0].tp.rx_ext_addr, 0xF1);
	cr_assert(!s->ecus[0].tp.tx_pad);
	cr_assert_eq(s->ecus[0].tp.bs, 8);
	cr_assert_eq(s->ecus[0].tp.stmin, 5);
	cr_assert_eq(s->ecus[0].tp.timeout_ms, 500);
	cr_assert_eq(s->ecus[0].p2_ms, 300);
	cr_assert_eq(s->ecus[0].p2star_ms, 2000);
	cr_assert_eq(s->ecus[0].gap_ms, 50);
	cr_assert_eq(s->stale_margin_ms, 3000);
	cr_assert_eq(s->backoff_ms, 2000);
	cr_assert_eq(s->polls[0].req.echo_len, 2);
	cr_assert_eq(s->polls[0].period_ms[POLLER_IDLE], 0);
	cr_assert_eq(s->polls[0].min_len, 16 + 3 + 1);
	f = &s->fields[1];
	cr_assert_eq(f->role, POLL_ROLE_TEMP);
	cr_assert_eq(f->stride, 3);
	cr_assert(f->is_signed && f->has_absent && f->absent_raw == 0x80);
	cr_assert_float_eq(f->to_base, 10.0, 1e-9);
	profile_release(&p);
	cr_assert_eq(parse(good_tail), BENCH_OK, "%s", p.error);
	cr_assert_eq(s->n_fields, 4);
	cr_assert_eq(s->fields[0].first, 0);
	cr_assert(!s->fields[1].big_endian);
	cr_assert_float_eq(s->fields[2].scale, -0.1, 1e-12);
	cr_assert_eq(s->polls[0].priority, 3);
	cr_assert_eq(s->polls[0].retries, 1);
	cr_assert_eq(s->stale_margin_ms, 10000, "default margin 10 s");
}

/* tail, the line and key the error must name, and a word of the problem */
static void refused(const char *tail, const char *where, const char *what)
{
	cr_assert_eq(parse(tail), BENCH_ERR_PARSE, "accepted: %s", tail);
	cr_assert(strstr(p.error, where), "'%s' lacks '%s'", p.error, where);
	cr_assert(strstr(p.error, what), "'%s' lacks '%s'", p.error, what);
	profile_release(&p);
}

Test(profile_poll, errors_name_file_line_and_key)
{
	refused("[poll a]\necu = bms\nrequest = 21 0x2\n",
		"x.ini:17: key "
		"'request'",
		"hex bytes");
	refused("[poll a]\necu = bms\nrequest = 21 02\nperiod_s = 1 2\n",
		"x.ini:18: key 'period_s'", "three periods");
	refused("[poll a]\necu = bms\nrequest = 21 02\n"
		"cell_voltage = offset=0 count=8\n",
		"x.ini:18: key 'cell_voltage'", "missing unit");
	refused("[poll a]\necu = bms\nrequest = 21 02\n"
		"cell_voltage = offset=0 count=8 unit=C\n",
		"x.ini:18: key 'cell_voltage'", "unit=C");
	refused("[poll a]\necu = bms\nrequest = 21 02\n"
		"cell_voltage = offset=0 count=9 unit=mV\n",
		"x.ini:18: key 'cell_voltage'", "cells 1..9 beyond");
	refused("[poll a]\necu = bms\nrequest = 21 02\nreply_length = 10\n"
		"cell_voltage = offset=0 count=8 unit=mV\n",
		"x.ini:19: key 'cell_voltage'", "beyond reply_length 10");
	refused("[poll a]\necu = nope\nrequest = 21 02\n"
		"cell_voltage = offset=0 count=8 unit=mV\n",
		"x.ini:16: key 'ecu'", "'nope' has no [ecu]");
	refused("[poll a]\necu = bms\nrequest = 21 02\nperiod_s = 1 6 1\n"
		"cell_voltage = offset=0 count=8 unit=mV\n",
		"x.ini:18: key 'period_s'", "sweep_period_s");
	refused("[poll a]\necu = bms\nrequest = 21 02\n"
		"cell_voltage = offset=0 count=7 unit=mV\n",
		"x.ini: ", "cell 8 is read neither");
	refused("[poll a]\necu = bms\nrequest = 21 02\n"
		"pack_voltage = offset=0 count=2 unit=V\n",
		"x.ini:18: key 'pack_voltage'", "no count");
	refused("[poll a]\nwhat = 1\n", "x.ini:16: key 'what'",
		"unknown key in [poll a]");
	refused("[ecu b]\ntx_id = 0x18DADBF1\nrx_id = 0x7EC\n[poll a]\n"
		"ecu = b\nrequest = 21 02\n"
		"cell_voltage = offset=0 count=8 unit=mV\n",
		"x.ini: ", "needs id_bits = 29");
	refused("[ecu b]\nid_bits = 12\n", "x.ini:16: key 'id_bits'",
		"11 or 29");
	refused("[polling]\nsweep = 3\n", "x.ini:16: key 'sweep'",
		"unknown key in [polling]");
}
