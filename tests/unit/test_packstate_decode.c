/* SPDX-License-Identifier: Apache-2.0 */
/* test_packstate_decode.c - BMS frames through a signal map into the pack
 * snapshot: multiplexed cells, signed Motorola current, sign convention,
 * faults, contactor, filter ids, and a map that does not match its DBC. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/packstate.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

/* A small BMS: 4 cells in two mux blocks, 2 probes, pack status with a
 * Motorola signed current, limits, state with two fault bits. */
static const char dbc_text[] =
    "VERSION \"\"\n\n"
    "BU_: BMS BENCH\n\n"
    "BO_ 960 CellV: 8 BMS\n"
    " SG_ Blk M : 0|8@1+ (1,0) [0|255] \"\" BENCH\n"
    " SG_ C1 m0 : 8|16@1+ (0.001,0) [0|65.535] \"V\" BENCH\n"
    " SG_ C2 m0 : 24|16@1+ (0.001,0) [0|65.535] \"V\" BENCH\n"
    " SG_ C3 m1 : 8|16@1+ (0.001,0) [0|65.535] \"V\" BENCH\n"
    " SG_ C4 m1 : 24|16@1+ (0.001,0) [0|65.535] \"V\" BENCH\n\n"
    "BO_ 976 Temps: 8 BMS\n"
    " SG_ T1 : 0|8@1- (1,0) [-128|127] \"C\" BENCH\n"
    " SG_ T2 : 8|8@1- (1,0) [-128|127] \"C\" BENCH\n\n"
    "BO_ 928 Pack: 8 BMS\n"
    " SG_ PackV : 0|16@1+ (0.1,0) [0|6553.5] \"V\" BENCH\n"
    " SG_ PackI : 23|16@0- (0.1,0) [-3276.8|3276.7] \"A\" BENCH\n"
    " SG_ Soc : 32|8@1+ (0.5,0) [0|100] \"%\" BENCH\n\n"
    "BO_ 929 Lim: 8 BMS\n"
    " SG_ Ccl : 0|16@1+ (0.1,0) [0|6553.5] \"A\" BENCH\n"
    " SG_ Dcl : 16|16@1+ (0.1,0) [0|6553.5] \"A\" BENCH\n\n"
    "BO_ 930 State: 8 BMS\n"
    " SG_ Cont : 0|2@1+ (1,0) [0|3] \"\" BENCH\n"
    " SG_ FOv : 2|1@1+ (1,0) [0|1] \"\" BENCH\n"
    " SG_ FComm : 3|1@1+ (1,0) [0|1] \"\" BENCH\n\n"
    "BO_ 1000 Other: 8 BMS\n"
    " SG_ X : 0|8@1+ (1,0) [0|255] \"\" BENCH\n";

static struct dbc *db;
static struct packstate *ps;

static struct packstate_map map(void)
{
	/* clang-format off */
	struct packstate_map m = {
		.cell_voltage_fmt = "C%u",
		.series = 4,
		.temperature_fmt = "T%u",
		.n_probes = 2,
		.pack_voltage = "PackV",
		.pack_current = "PackI",
		.current_charge_positive = true,
		.soc = "Soc",
		.ccl = "Ccl",
		.dcl = "Dcl",
		.contactor_state = "Cont",
		.contactor_closed_value = 2,
		.fault_signals = {"FOv", "FComm"},
		.n_faults = 2,
	};
	/* clang-format on */
	return m;
}

static void setup(void)
{
	struct packstate_map m = map();

	cr_assert_eq(dbc_parse(dbc_text, strlen(dbc_text), "t.dbc", NULL, &db),
		     BENCH_OK);
	cr_assert_eq(packstate_new(db, &m, &ps), BENCH_OK);
}

static void teardown(void)
{
	packstate_free(ps);
	dbc_free(db);
}

static struct canframe frame(uint32_t id)
{
	struct canframe f = {.id = id, .len = 8};
	return f;
}

static void put(const char *msg, const char *sig, struct canframe *f, double v)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, msg);

	cr_assert_not_null(m);
	cr_assert_eq(cansig_encode(dbc_sig_by_name(m, sig), f->data, f->len, v),
		     BENCH_OK, "encode %s", sig);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(packstate, .timeout = 60);

Test(packstate, multiplexed_cells_land_in_their_slots, .init = setup,
     .fini = teardown)
{
	struct canframe f = frame(960);
	const struct pack_snap *s = packstate_snap(ps);
	int lo, hi;

	put("CellV", "Blk", &f, 1);
	put("CellV", "C3", &f, 3.456);
	put("CellV", "C4", &f, 3.401);
	cr_assert_eq(packstate_on_frame(ps, &f, 1000), PACK_UPD_CELL_V);
	cr_assert_eq(s->cell_mV[2], 3456);
	cr_assert_eq(s->cell_mV[3], 3401);
	/* block 0 not seen yet: cells 1 and 2 untouched, not all cells */
	cr_assert_eq(s->cell_seen_us[0], 0);
	cr_assert_eq(s->have & PACK_HAVE_CELLS, 0);

	f = frame(960);
	put("CellV", "Blk", &f, 0);
	put("CellV", "C1", &f, 3.300);
	put("CellV", "C2", &f, 3.999);
	packstate_on_frame(ps, &f, 2000);
	cr_assert_eq(s->cell_mV[0], 3300);
	cr_assert_eq(s->cell_mV[3], 3401, "block 1 cells kept");
	cr_assert(s->have & PACK_HAVE_CELLS);
	pack_snap_cell_minmax(s, &lo, &hi);
	cr_assert_eq(lo, 0);
	cr_assert_eq(hi, 1);
	cr_assert_eq(s->last_frame_us, 2000);
}

Test(packstate, signed_motorola_current_and_sign_flag, .init = setup,
     .fini = teardown)
{
	struct packstate_map m = map();
	struct packstate *neg;
	struct canframe f = frame(928);

	put("Pack", "PackV", &f, 352.1);
	put("Pack", "PackI", &f, -31.3);
	put("Pack", "Soc", &f, 48.5);
	cr_assert_eq(packstate_on_frame(ps, &f, 5),
		     PACK_UPD_PACK | PACK_UPD_LIMITS);
	cr_assert_eq(packstate_snap(ps)->pack_mV, 352100);
	cr_assert_eq(packstate_snap(ps)->pack_mA, -31300);
	cr_assert_eq(packstate_snap(ps)->soc_permille, 485);

	/* a BMS that counts discharge positive: the map flips it */
	m.current_charge_positive = false;
	cr_assert_eq(packstate_new(db, &m, &neg), BENCH_OK);
	packstate_on_frame(neg, &f, 5);
	cr_assert_eq(packstate_snap(neg)->pack_mA, 31300);
	packstate_free(neg);
}

Test(packstate, temperatures_limits_contactor_faults, .init = setup,
     .fini = teardown)
{
	struct canframe t = frame(976), l = frame(929), st = frame(930);
	const struct pack_snap *s = packstate_snap(ps);

	put("Temps", "T1", &t, -5);
	put("Temps", "T2", &t, 41);
	put("Lim", "Ccl", &l, 47.0);
	put("Lim", "Dcl", &l, 120.5);
	put("State", "Cont", &st, 2);
	put("State", "FComm", &st, 1);
	packstate_on_frame(ps, &t, 1);
	packstate_on_frame(ps, &l, 1);
	cr_assert_eq(packstate_on_frame(ps, &st, 1), PACK_UPD_STATE);
	cr_assert_eq(s->temp_ddegC[0], -50);
	cr_assert_eq(s->temp_ddegC[1], 410);
	cr_assert_eq(pack_snap_temp_max(s), 1);
	cr_assert(s->have & PACK_HAVE_TEMPS);
	cr_assert_eq(s->ccl_mA, 47000);
	cr_assert_eq(s->dcl_mA, 120500);
	cr_assert(s->contactor_closed);
	cr_assert_eq(s->faults, 2u, "FComm is fault index 1");

	st = frame(930);
	put("State", "Cont", &st, 0);
	packstate_on_frame(ps, &st, 2);
	cr_assert_not(s->contactor_closed);
	cr_assert_eq(s->faults, 0u, "a cleared fault bit clears");
}

Test(packstate, unmapped_and_error_frames_ignored, .init = setup,
     .fini = teardown)
{
	struct canframe f = frame(1000);
	struct canframe e = frame(CANFRAME_ERR | 0x40);

	cr_assert_eq(packstate_on_frame(ps, &f, 7), 0);
	cr_assert_eq(packstate_on_frame(ps, &e, 7), 0);
	cr_assert_eq(packstate_snap(ps)->frames, 0);
	cr_assert_eq(packstate_snap(ps)->last_frame_us, 0);
}

Test(packstate, filter_ids_are_the_mapped_messages, .init = setup,
     .fini = teardown)
{
	uint32_t ids[8];
	size_t n = packstate_ids(ps, ids, 8);

	cr_assert_eq(n, 5);
	cr_assert_eq(ids[0], 928);
	cr_assert_eq(ids[1], 929);
	cr_assert_eq(ids[2], 930);
	cr_assert_eq(ids[3], 960);
	cr_assert_eq(ids[4], 976);
	cr_assert_eq(packstate_ids(ps, ids, 2), 2, "bounded by max");
}

Test(packstate, unknown_signal_names_the_signal_and_dbc, .init = setup,
     .fini = teardown)
{
	struct packstate_map m = map();
	struct packstate *bad = NULL;

	m.series = 5; /* C5 does not exist */
	logcap_start();
	cr_assert_eq(packstate_new(db, &m, &bad), BENCH_ERR_ARG);
	logcap_stop();
	cr_assert_null(bad);
	cr_assert(strstr(logcap_text(), "'C5'"), "got: %s", logcap_text());
	cr_assert(strstr(logcap_text(), "t.dbc"), "got: %s", logcap_text());
}

Test(packstate, cell_set_seq_counts_complete_bursts, .init = setup,
     .fini = teardown)
{
	struct canframe b0 = frame(960), b1 = frame(960);
	const struct pack_snap *s = packstate_snap(ps);

	put("CellV", "Blk", &b0, 0);
	put("CellV", "Blk", &b1, 1);
	packstate_on_frame(ps, &b0, 1);
	packstate_on_frame(ps, &b0, 2); /* same block twice: still one half */
	cr_assert_eq(s->cell_set_seq, 0);
	packstate_on_frame(ps, &b1, 3);
	cr_assert_eq(s->cell_set_seq, 1, "both blocks: one complete set");
	packstate_on_frame(ps, &b1, 4);
	cr_assert_eq(s->cell_set_seq, 1);
	packstate_on_frame(ps, &b0, 5);
	cr_assert_eq(s->cell_set_seq, 2);
}
