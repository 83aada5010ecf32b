/* SPDX-License-Identifier: Apache-2.0 */
/* test_polldec_leaf.c - the Nissan Leaf AZE0 profile decodes synthetic
 * LBC replies built from the layout in docs/packs.md (61 02: 96 x u16 BE
 * mV, then pack V and bus V /100; 61 04: [u16 raw, u8 C] per thermistor;
 * 61 01: SOC in bytes 31..33 /10000) into the right values, with polled
 * freshness, and refuses a short reply without touching the snapshot. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/packstate.h"
#include "bench/polldec.h"
#include "bench/profile.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

static struct profile p;
static struct dbc *db;
static struct packstate *ps;

static void setup(void)
{
	struct packstate_map m;

	logcap_start();
	cr_assert_eq(
	    profile_load_file("fixtures/profiles/nissan-leaf-aze0.ini", &p),
	    BENCH_OK, "%s", p.error);
	cr_assert_eq(dbc_load_file(p.dbc_path, NULL, &db), BENCH_OK);
	memset(&m, 0, sizeof(m));
	m.series = p.series;
	m.n_probes = p.n_probes;
	m.pack_voltage = p.pack_voltage;
	m.pack_current = p.pack_current;
	m.current_charge_positive = p.current_charge_positive;
	m.fault_signals[0] = p.faults[0].signal;
	m.n_faults = p.n_faults;
	cr_assert_eq(packstate_new(db, &m, &ps), BENCH_OK,
		     "the profile's signals are in its DBC");
}

static void teardown(void)
{
	packstate_free(ps);
	dbc_free(db);
	profile_release(&p);
	logcap_stop();
}

TestSuite(leaf, .init = setup, .fini = teardown, .timeout = 10);

static unsigned poll_named(const char *name)
{
	for (unsigned i = 0; i < p.poll.n_polls; i++)
		if (!strcmp(p.poll.polls[i].name, name))
			return i;
	cr_assert_fail("no poll %s", name);
	return 0;
}

/* Cell i (0-based) of the synthetic pack: 3.700 V .. 4.175 V. */
static uint16_t cell_mV(unsigned i)
{
	return (uint16_t)(3700 + i * 5);
}

/* 61 02 data (after SID and local id): 196 bytes. */
static void group2(uint8_t *d)
{
	for (unsigned i = 0; i < 96; i++) {
		d[2 * i] = (uint8_t)(cell_mV(i) >> 8);
		d[2 * i + 1] = (uint8_t)cell_mV(i);
	}
	d[192] = 0x97; /* 387.50 V */
	d[193] = 0x5E;
	d[194] = 0x97;
	d[195] = 0x5E;
}

Test(leaf, group_02_fills_every_cell)
{
	uint8_t d[196];
	const struct pack_snap *s = packstate_snap(ps);
	unsigned upd, idx;
	bool probe;

	group2(d);
	cr_assert_eq(polldec_reply(ps, &p.poll, poll_named("cells"), d,
				   sizeof(d), 5000000, &upd),
		     BENCH_OK);
	cr_assert(upd & PACK_UPD_CELL_V);
	cr_assert(s->have & PACK_HAVE_CELLS, "one sweep fills all 96");
	cr_assert_eq(s->cell_set_seq, 1);
	for (unsigned i = 0; i < 96; i++) {
		cr_assert_eq(s->cell_mV[i], cell_mV(i), "cell %u", i + 1);
		cr_assert_eq(s->cell_fresh_us[i], 30000000LL,
			     "sweep 20 s + margin 10 s");
	}
	cr_assert_eq(s->last_poll_us, 5000000);
	cr_assert(!pack_snap_stale(s, 35000000, &idx, &probe));
	cr_assert(pack_snap_stale(s, 35000001, &idx, &probe));
	cr_assert_eq(idx, 0);
	cr_assert(!probe);
}

Test(leaf, short_reply_decodes_nothing)
{
	uint8_t d[196];
	const struct pack_snap *s = packstate_snap(ps);
	unsigned upd;

	group2(d);
	cr_assert_eq(
	    polldec_reply(ps, &p.poll, poll_named("cells"), d, 195, 1000, &upd),
	    BENCH_ERR_PROTO);
	cr_assert_eq(upd, 0);
	cr_assert_eq(s->cells_seen, 0);
	cr_assert_eq(s->last_poll_us, 0);
}

Test(leaf, group_04_thermistors)
{
	/* raw 500 -> -0.102 * (500 - 710) = 21.42 C; raw 710 -> 0 C; 4th
	 * slot absent */
	uint8_t d[12] = {0x01, 0xF4, 21, 0x02, 0xC6, 0,
			 0x01, 0x90, 31, 0xFF, 0xFF, 0xFF};
	const struct pack_snap *s = packstate_snap(ps);
	unsigned upd;

	cr_assert_eq(polldec_reply(ps, &p.poll, poll_named("temps"), d,
				   sizeof(d), 1000, &upd),
		     BENCH_OK);
	cr_assert(upd & PACK_UPD_TEMP);
	cr_assert(s->have & PACK_HAVE_TEMPS);
	cr_assert_eq(s->temp_ddegC[0], 214);
	cr_assert_eq(s->temp_ddegC[1], 0);
	cr_assert_eq(s->temp_ddegC[2], 316); /* raw 400: 31.62 C */
}

Test(leaf, group_01_soc)
{
	uint8_t d[41] = {0};
	const struct pack_snap *s = packstate_snap(ps);
	unsigned upd;

	/* 654321 / 10000 = 65.4321 % */
	d[31] = 0x09;
	d[32] = 0xFB;
	d[33] = 0xF1;
	cr_assert_eq(polldec_reply(ps, &p.poll, poll_named("health"), d,
				   sizeof(d), 1000, &upd),
		     BENCH_OK);
	cr_assert_eq(upd, PACK_UPD_LIMITS);
	cr_assert_eq(s->soc_permille, 654);
	cr_assert(!(s->have & PACK_HAVE_CELLS));
}

Test(leaf, broadcast_current_and_voltage_from_0x1db)
{
	/* I = -20 A (raw -40, 11 bit) as discharge-positive: +20 A charge;
	 * V = 387.5 V (raw 775) */
	struct canframe f = {.id = 0x1DB, .len = 8};
	const struct pack_snap *s = packstate_snap(ps);
	uint16_t i_raw = (uint16_t)(-40) & 0x7FF, v_raw = 775;

	f.data[0] = (uint8_t)(i_raw >> 3);
	f.data[1] = (uint8_t)((i_raw & 7) << 5);
	f.data[2] = (uint8_t)(v_raw >> 2);
	f.data[3] = (uint8_t)((v_raw & 3) << 6);
	cr_assert(packstate_on_frame(ps, &f, 1000) & PACK_UPD_PACK);
	cr_assert_eq(s->pack_mV, 387500);
	cr_assert_eq(s->pack_mA, 20000);
}
