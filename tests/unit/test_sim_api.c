/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_api.c - the simulator's public API: pack info, errors, the
 * in-process cycler's identification and ratings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/instr.h"
#include "bench/sim/sim.h"
#include "can/canbus.h"
#include "common/rc.h"
#include "support.h"

static struct sim *load_fixture(const char *name)
{
	char rel[256], *path;
	struct sim *s;

	snprintf(rel, sizeof(rel), "fixtures/packs/%s", name);
	path = sim_fixture_path(rel);
	cr_assert(path, "%s", rel);
	cr_assert_eq(sim_load(path, NULL, &s), BENCH_OK);
	free(path);
	return s;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_api, .timeout = 60);

Test(sim_api, info_of_the_leaf_like_pack)
{
	struct sim *s = load_fixture("leaf96s2p-healthy.ini");
	const struct sim_pack_info *in = sim_info(s);
	struct sim_cell c;

	cr_assert_str_eq(in->name, "leaf96s2p-healthy");
	cr_assert_str_eq(in->chemistry, "nmc");
	cr_assert_eq(in->series, 96);
	cr_assert_eq(in->parallel, 2);
	cr_assert_eq(in->modules, 48);
	cr_assert_eq(in->n_probes, 48);
	/* an element is two cells: C-rates refer to 65 Ah */
	cr_assert_float_eq(in->rated_capacity_ah, 65, 1e-9);
	cr_assert_float_eq(in->v_min_cell_V, 2.5, 1e-9);
	cr_assert_float_eq(in->v_max_cell_V, 4.2, 1e-9);
	cr_assert_float_eq(in->ambient_C, 25, 1e-9);
	/* the grading's fresh reference: the element of two 1.90 mOhm cells */
	cr_assert_float_eq(in->fresh_r0_mohm, 0.95, 1e-9);
	sim_cell_read(s, 0, &c);
	cr_assert_float_eq(c.capacity_Ah, 65 * 0.95, 65 * 0.05);
	cr_assert_float_eq(c.r0_ohm, 1.9e-3 / 2 * 1.1, 1.9e-3 / 2 * 0.3);
	sim_free(s);
}

Test(sim_api, lfp_limits)
{
	struct sim *s = load_fixture("lfp106-aged.ini");

	cr_assert_str_eq(sim_info(s)->chemistry, "lfp");
	cr_assert_float_eq(sim_info(s)->v_max_cell_V, 3.65, 1e-9);
	cr_assert_eq(sim_info(s)->n_probes, 8);
	sim_free(s);
}

Test(sim_api, errors)
{
	char *dir = tmpdir_new("simapi");
	char *big = tmpfile_write(dir, "big.ini",
				  "[pack]\nchemistry = lfp\nseries = 200\n"
				  "rated_capacity_ah = 5\n");
	char *ok = tmpfile_write(dir, "ok.ini",
				 "[pack]\nchemistry = lfp\nseries = 4\n"
				 "rated_capacity_ah = 5\n");
	struct sim_opts o = {.bms_dbc_path = "/nonexistent/x.dbc"};
	struct canbus *bus;
	struct sim *s = NULL;

	logcap_start();
	cr_assert_lt(sim_load(big, NULL, &s), 0);
	cr_assert_null(s);
	cr_assert(strstr(logcap_text(), "big.ini:3: key 'series'"), "%s",
		  logcap_text());
	cr_assert_lt(sim_load("/nonexistent/p.ini", NULL, &s), 0);
	cr_assert(strstr(logcap_text(), "cannot open '/nonexistent/p.ini'"));

	cr_assert_eq(sim_load(ok, &o, &s), BENCH_OK);
	cr_assert_eq(canbus_open("mem:api", NULL, &bus), 0);
	cr_assert_lt(sim_attach_bms(s, bus), 0, "bad DBC path accepted");
	cr_assert_eq(sim_advance(s, 1000000), 0);
	cr_assert_eq(sim_now_us(s), 1000000);
	cr_assert_eq(sim_advance(s, 1050000), 0);
	cr_assert_eq(sim_now_us(s), 1000000, "half a step is not a step");
	cr_assert_eq(sim_advance(s, 500000), BENCH_ERR_ARG);
	cr_assert_lt(sim_write_truth(s, "/nonexistent/t.json"), 0);
	logcap_stop();
	sim_free(s);
	canbus_close(bus);
	free(big);
	free(ok);
	free(dir);
}

Test(sim_api, attach_twice_is_refused)
{
	struct sim *s = load_fixture("lfp30-healthy.ini");
	struct canbus *bus;

	cr_assert_eq(canbus_open("mem:twice", NULL, &bus), 0);
	cr_assert_eq(sim_attach_bms(s, bus), 0);
	logcap_start();
	cr_assert_eq(sim_attach_bms(s, bus), BENCH_ERR_STATE);
	logcap_stop();
	sim_free(s);
	canbus_close(bus);
}

Test(sim_api, in_process_cycler_identifies_and_checks_ratings)
{
	struct sim *s = load_fixture("lfp30-healthy.ini");
	struct instr *in = sim_instr(s);
	struct instr_state st;
	char idn[128];

	cr_assert_eq(in->ops->identify(in, idn, sizeof(idn)), 0);
	cr_assert(strncmp(idn, "BENCH-SIM,SIMCYC-600-300,", 25) == 0, "%s",
		  idn);
	cr_assert_str_eq(in->idn, idn);
	logcap_start();
	cr_assert_eq(in->ops->set_current(in, 700000), BENCH_ERR_ARG);
	cr_assert_eq(in->ops->set_voltage(in, 50000, 90000), BENCH_ERR_ARG);
	logcap_stop();
	cr_assert_eq(in->ops->measure(in, &st), 0);
	cr_assert_eq(st.mask & (INSTR_VOLTAGE | INSTR_CURRENT),
		     INSTR_VOLTAGE | INSTR_CURRENT);
	cr_assert_eq(st.output_on, false);
	/* without a BMS bus the contactors never close: no current */
	cr_assert_eq(in->ops->set_current(in, 10000), 0);
	cr_assert_eq(in->ops->set_output(in, true), 0);
	cr_assert_eq(sim_advance(s, 2000000), 0);
	cr_assert_eq(in->ops->measure(in, &st), 0);
	cr_assert_eq(st.current_mA, 0);
	in->ops->close(in);
	sim_free(s);
}
