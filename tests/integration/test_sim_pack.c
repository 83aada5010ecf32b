/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_pack.c - whole packs on the simulator: capacity through the
 * BMS and the cycler, CV ends just past full, the CAN cycler personality,
 * the truth file, and every fixture pack. */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/instr.h"
#include "bench/sim/sim.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

struct node {
	struct sim *s;
	struct canbus *sim_bus, *bench;
	struct dbc *db;
	const struct dbc_msg *cmd, *lim;
	int64_t t_us;
	double vmax, vmin;
};

static char *write_pack(const char *text)
{
	static char *dir;

	if (!dir)
		dir = tmpdir_new("simpack");
	return tmpfile_write(dir, "pack.ini", text);
}

static void node_open(struct node *n, const char *pack, const char *bus)
{
	char *dbc = sim_fixture_path("fixtures/dbc/sim_bms.dbc");

	memset(n, 0, sizeof(*n));
	cr_assert_eq(sim_load(pack, NULL, &n->s), BENCH_OK, "%s", pack);
	cr_assert_eq(canbus_open(bus, NULL, &n->sim_bus), 0);
	cr_assert_eq(canbus_open(bus, NULL, &n->bench), 0);
	cr_assert_eq(sim_attach_bms(n->s, n->sim_bus), 0);
	cr_assert_eq(dbc_load_file(dbc, NULL, &n->db), 0);
	free(dbc);
	n->cmd = dbc_msg_by_name(n->db, "BENCH_Command");
	n->lim = dbc_msg_by_name(n->db, "BMS_Limits");
}

static void node_close(struct node *n)
{
	sim_free(n->s);
	canbus_close(n->sim_bus);
	canbus_close(n->bench);
	dbc_free(n->db);
}

static void node_step(struct node *n)
{
	struct canframe f = {.id = n->cmd->id, .len = n->cmd->size};
	struct canbus_ev ev;
	struct instr *in = sim_instr(n->s);

	cansig_encode(dbc_sig_by_name(n->cmd, "Bench_ContactorReq"), f.data,
		      f.len, 1);
	cr_assert_eq(canbus_send(n->bench, &f), 0);
	n->t_us += 100000;
	cr_assert_eq(sim_advance(n->s, n->t_us), 0);
	while (canbus_recv(n->bench, &ev, 0) == 1)
		if (ev.frame.id == n->lim->id) {
			n->vmax = cansig_decode(
			    dbc_sig_by_name(n->lim, "BMS_MaxCellV"),
			    ev.frame.data, 8);
			n->vmin = cansig_decode(
			    dbc_sig_by_name(n->lim, "BMS_MinCellV"),
			    ev.frame.data, 8);
		}
	cr_assert_eq(in->ops->poll(in, n->t_us), 0);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_pack, .timeout = 300);

Test(sim_pack, fresh_pack_delivers_its_capacity_at_c3)
{
	char *p = write_pack("[pack]\nchemistry = nmc\nseries = 96\n"
			     "modules = 8\nrated_capacity_ah = 94\n"
			     "r0_mohm = 0.65\ninitial_soc = 1\n"
			     "self_discharge_ma = 0\n");
	struct node n;
	struct instr *in;
	struct instr_state st;
	double ah = 0;

	node_open(&n, p, "mem:cap");
	in = sim_instr(n.s);
	cr_assert_eq(in->ops->set_voltage(in, 96 * 4200, 96 * 2000), 0);
	cr_assert_eq(in->ops->set_current(in, -94000 / 3), 0);
	cr_assert_eq(in->ops->set_output(in, true), 0);
	for (;;) {
		node_step(&n);
		cr_assert_eq(in->ops->measure(in, &st), 0);
		ah += -st.current_mA * 1e-3 * 0.1 / 3600;
		if (n.vmin > 0 && n.vmin <= 2.5)
			break;
		cr_assert_lt(n.t_us, 4LL * 3600 * 1000000, "never emptied");
	}
	cr_assert_float_eq(ah, 94.0, 0.94, "delivered %.3f Ah", ah);
	node_close(&n);
	free(p);
}

Test(sim_pack, cv_hold_ends_a_fraction_of_a_percent_past_full)
{
	char *p = write_pack("[pack]\nchemistry = lfp\nseries = 16\n"
			     "modules = 2\nrated_capacity_ah = 100\n"
			     "initial_soc = 0.9\nself_discharge_ma = 0\n");
	struct node n;
	struct instr *in;
	struct instr_state st;
	struct sim_cell c;

	node_open(&n, p, "mem:cv");
	in = sim_instr(n.s);
	cr_assert_eq(in->ops->set_voltage(in, 16 * 3650, 16 * 2500), 0);
	cr_assert_eq(in->ops->set_current(in, 100000 / 3), 0);
	cr_assert_eq(in->ops->set_output(in, true), 0);
	do {
		node_step(&n);
		cr_assert_eq(in->ops->measure(in, &st), 0);
		cr_assert_lt(n.t_us, 4LL * 3600 * 1000000, "CV never ended");
	} while (n.t_us < 60000000 || st.current_mA > 100000 / 20);
	cr_assert_leq(st.voltage_mV, 16 * 3650 + 16 * 2);
	for (unsigned i = 0; i < 16; i++) {
		sim_cell_read(n.s, i, &c);
		cr_assert(c.soc > 0.995 && c.soc < 1.006, "cell %u at %.4f",
			  i + 1, c.soc);
	}
	node_close(&n);
	free(p);
}

Test(sim_pack, can_cycler_obeys_commands_and_its_watchdog)
{
	char *p = write_pack("[pack]\nchemistry = nmc\nseries = 8\n"
			     "rated_capacity_ah = 50\n");
	char *cdbc = sim_fixture_path("fixtures/dbc/sim_cycler.dbc");
	struct node n;
	struct canbus *cyc_sim, *cyc_bench;
	struct dbc *cdb;
	const struct dbc_msg *cmd, *stat;
	struct canbus_ev ev;
	double i_meas = 99, fault = -1, on = -1, mode = -1;

	node_open(&n, p, "mem:cycbms");
	cr_assert_eq(canbus_open("mem:cyc", NULL, &cyc_sim), 0);
	cr_assert_eq(canbus_open("mem:cyc", NULL, &cyc_bench), 0);
	cr_assert_eq(sim_attach_cycler_can(n.s, cyc_sim), 0);
	cr_assert_eq(dbc_load_file(cdbc, NULL, &cdb), 0);
	cmd = dbc_msg_by_name(cdb, "CYC_Command");
	stat = dbc_msg_by_name(cdb, "CYC_Status");
	for (int i = 0; i < 80; i++) {
		if (i < 40) { /* then the bench stops commanding */
			struct canframe f = {.id = cmd->id, .len = 8};
			cansig_encode(dbc_sig_by_name(cmd, "Cyc_Enable"),
				      f.data, 8, 1);
			cansig_encode(dbc_sig_by_name(cmd, "Cyc_CurrentSet"),
				      f.data, 8, -12.5);
			cansig_encode(dbc_sig_by_name(cmd, "Cyc_VoltageMax"),
				      f.data, 8, 8 * 4.2);
			cansig_encode(dbc_sig_by_name(cmd, "Cyc_VoltageMin"),
				      f.data, 8, 8 * 2.5);
			cr_assert_eq(canbus_send(cyc_bench, &f), 0);
		}
		n.t_us += 100000;
		struct canframe hb = {.id = n.cmd->id, .len = 8};
		hb.data[0] = 1;
		canbus_send(n.bench, &hb);
		cr_assert_eq(sim_advance(n.s, n.t_us), 0);
		while (canbus_recv(n.bench, &ev, 0) == 1)
			;
		while (canbus_recv(cyc_bench, &ev, 0) == 1) {
			if (ev.frame.id != stat->id)
				continue;
			i_meas = cansig_decode(
			    dbc_sig_by_name(stat, "Cyc_CurrentMeas"),
			    ev.frame.data, 8);
			on =
			    cansig_decode(dbc_sig_by_name(stat, "Cyc_OutputOn"),
					  ev.frame.data, 8);
			fault =
			    cansig_decode(dbc_sig_by_name(stat, "Cyc_Fault"),
					  ev.frame.data, 8);
			mode = cansig_decode(dbc_sig_by_name(stat, "Cyc_Mode"),
					     ev.frame.data, 8);
		}
		if (i == 30) {
			cr_assert_float_eq(i_meas, -12.5, 0.006);
			cr_assert_eq(on, 1);
			cr_assert_eq(mode, 1, "CC");
		}
		if (i == 60) /* 2.1 s after the last command */
			cr_assert_eq(on, 1);
	}
	/* last command read at 3.9 s, watchdog 2.5 s: off by 6.5 s */
	cr_assert_eq(on, 0);
	cr_assert_eq(fault, 1);
	cr_assert_float_eq(i_meas, 0, 1e-9);
	canbus_close(cyc_sim);
	canbus_close(cyc_bench);
	dbc_free(cdb);
	free(cdbc);
	node_close(&n);
	free(p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);

	cr_assert(f && buf);
	fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

Test(sim_pack, truth_file_is_deterministic_and_true)
{
	char *dir = tmpdir_new("truth"), path[3][512];
	char *pack =
	    sim_fixture_path("fixtures/packs/nmc96-aged-weakmodule.ini");
	struct sim_opts o = {.has_seed_override = true, .seed_override = 43};
	struct sim_cell c;

	cr_assert(pack);
	for (int k = 0; k < 3; k++) {
		struct sim *s;

		snprintf(path[k], sizeof(path[k]), "%s/t%d.json", dir, k);
		cr_assert_eq(sim_load(pack, k == 2 ? &o : NULL, &s), 0);
		cr_assert_eq(sim_write_truth(s, path[k]), 0);
		if (k == 0) {
			sim_cell_read(s, 49, &c); /* cell 50: weak module 5 */
			cr_assert_float_eq(c.capacity_Ah, 94 * 0.68, 1e-9);
			cr_assert_float_eq(c.r0_ohm, 0.65e-3 * 1.9, 1e-12);
			sim_cell_read(s, 0, &c);
			cr_assert_float_eq(c.capacity_Ah, 94 * 0.86, 94 * 0.05);
		}
		sim_free(s);
	}
	char *a = slurp(path[0]), *b = slurp(path[1]), *d = slurp(path[2]);
	cr_assert_str_eq(a, b, "same seed, different truth");
	cr_assert_str_neq(a, d, "seed override ignored");
	cr_assert(strstr(a, "\"index\":50,\"module\":5,\"capacity_ah\":63.92,"
			    "\"r0_mohm\":1.235,"),
		  "%.300s", strstr(a, "\"index\":50"));
	cr_assert(strstr(a, "\"soc_offset\":"));
	cr_assert(strstr(a, "\"self_discharge_ma\":"));
	free(a);
	free(b);
	free(d);
	free(pack);
	free(dir);
}

static bool names_bms(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	bool found = false;

	cr_assert(f, "%s", path);
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "bms = ", 6);
	fclose(f);
	return found;
}

Test(sim_pack, every_fixture_pack_runs)
{
	char *dir = sim_fixture_path("fixtures/packs"), pat[4200];
	glob_t g;

	cr_assert(dir);
	snprintf(pat, sizeof(pat), "%s/*.ini", dir);
	free(dir);
	cr_assert_eq(glob(pat, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct node n;
		char bus[32];

		/* a pack speaking a real protocol (bms = ...) has no
		 * sim_bms.dbc frames: test_sim_persona* and test_sim_gbt
		 * read those */
		if (names_bms(g.gl_pathv[i]))
			continue;
		snprintf(bus, sizeof(bus), "mem:fx%zu", i);
		node_open(&n, g.gl_pathv[i], bus);
		for (int k = 0; k < 30; k++)
			node_step(&n);
		cr_assert(n.vmin > 3.0 && n.vmax < 4.0, "%s: %.3f..%.3f V",
			  g.gl_pathv[i], n.vmin, n.vmax);
		node_close(&n);
	}
	globfree(&g);
}
