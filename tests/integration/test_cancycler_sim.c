/* SPDX-License-Identifier: Apache-2.0 */
/* test_cancycler_sim.c - the CAN cycler driver against the simulator's
 * CAN cycler personality (sim_attach_cycler_can) on a mem bus, in virtual
 * time: setpoints reach the pack, measurements come back, the cycler's
 * own watchdog and the cycler_timeout fault. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/instr.h"
#include "bench/sim/sim.h"
#include "can/canbus.h"
#include "common/rc.h"
#include "support.h"

#define STEP_US 10000

static struct sim *s;
static struct canbus *bms_sim, *bms_bench, *cyc_sim, *cyc_bench;
static struct instr *in;
static int64_t now_us;
static unsigned alive;

static void setup_pack(const char *extra)
{
	char *dir = tmpdir_new("cycsim");
	char text[512];
	char *pack;
	struct instr_cfg cfg = {.kind = "can",
				.dbc_path = "fixtures/dbc/sim_cycler.dbc",
				.timeout_ms = 500};

	snprintf(text, sizeof(text),
		 "[pack]\nchemistry = nmc\nseries = 8\n"
		 "rated_capacity_ah = 50\ninitial_soc = 0.5\n%s",
		 extra);
	pack = tmpfile_write(dir, "p.ini", text);
	cr_assert_eq(sim_load(pack, NULL, &s), BENCH_OK);
	unlink(pack);
	rmdir(dir);
	free(pack);
	free(dir);
	cr_assert_eq(canbus_open("mem:cs-bms", NULL, &bms_sim), BENCH_OK);
	cr_assert_eq(canbus_open("mem:cs-bms", NULL, &bms_bench), BENCH_OK);
	cr_assert_eq(canbus_open("mem:cs-cyc", NULL, &cyc_sim), BENCH_OK);
	cr_assert_eq(canbus_open("mem:cs-cyc", NULL, &cyc_bench), BENCH_OK);
	cr_assert_eq(sim_attach_bms(s, bms_sim), BENCH_OK);
	cr_assert_eq(sim_attach_cycler_can(s, cyc_sim), BENCH_OK);
	cfg.bus = cyc_bench;
	cr_assert_eq(instr_open(&cfg, &in), BENCH_OK);
	now_us = 0;
	alive = 0;
}

static void teardown(void)
{
	instr_close(in);
	canbus_close(cyc_bench);
	canbus_close(cyc_sim);
	canbus_close(bms_bench);
	canbus_close(bms_sim);
	sim_free(s);
}

/* Run the bench side (heartbeat to the BMS, cycler poll) and the sim up
 * to t_us; returns the first poll error. */
static int run_to(int64_t t_us, bool poll_cycler)
{
	int first = BENCH_OK;

	while (now_us < t_us) {
		struct canframe f = {.id = 0x310, .len = 8};
		struct canbus_ev ev;

		now_us += STEP_US;
		if (now_us % 100000 == 0) {
			f.data[0] = 1; /* close contactors */
			f.data[1] = (uint8_t)(alive++ & 15);
			canbus_send(bms_bench, &f);
		}
		while (canbus_recv(bms_bench, &ev, 0) == 1)
			;
		if (poll_cycler) {
			int rc = in->ops->poll(in, now_us);

			if (rc < 0 && first == BENCH_OK)
				first = rc;
		}
		cr_assert_eq(sim_advance(s, now_us), BENCH_OK);
	}
	return first;
}

TestSuite(cancycler_sim, .fini = teardown, .timeout = 60);

Test(cancycler_sim, charge_and_discharge_through_the_simulated_cycler)
{
	struct instr_state st;
	struct sim_plant p;

	setup_pack("");
	cr_assert_eq(run_to(1000000, true), BENCH_OK);
	cr_assert_eq(in->ops->set_voltage(in, 8 * 4200, 8 * 2500), BENCH_OK);
	cr_assert_eq(in->ops->set_current(in, 25000), BENCH_OK);
	cr_assert_eq(in->ops->set_output(in, true), BENCH_OK);
	cr_assert_eq(run_to(5000000, true), BENCH_OK);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	sim_plant_read(s, &p);
	cr_assert(p.contactors_closed);
	cr_assert_float_eq(p.current_A, 25.0, 0.01);
	cr_assert(st.output_on);
	cr_assert(st.current_mA > 24900 && st.current_mA < 25100, "%d mA",
		  st.current_mA);
	cr_assert(abs(st.voltage_mV - (int)(p.voltage_V * 1000)) < 50,
		  "%d mV vs %.3f V", st.voltage_mV, p.voltage_V);

	cr_assert_eq(in->ops->set_current(in, -40000), BENCH_OK);
	cr_assert_eq(run_to(9000000, true), BENCH_OK);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	cr_assert(st.current_mA > -40100 && st.current_mA < -39900, "%d mA",
		  st.current_mA);

	cr_assert_eq(instr_safe_off(in), BENCH_OK);
	cr_assert_eq(run_to(11000000, true), BENCH_OK);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	cr_assert_eq(st.current_mA, 0);
	cr_assert_not(st.output_on);
}

Test(cancycler_sim, cycler_watchdog_stops_when_the_bench_goes_quiet)
{
	struct sim_plant p;

	setup_pack("");
	cr_assert_eq(run_to(1000000, true), BENCH_OK);
	cr_assert_eq(in->ops->set_voltage(in, 8 * 4200, 8 * 2500), BENCH_OK);
	cr_assert_eq(in->ops->set_current(in, 25000), BENCH_OK);
	cr_assert_eq(in->ops->set_output(in, true), BENCH_OK);
	cr_assert_eq(run_to(3000000, true), BENCH_OK);
	sim_plant_read(s, &p);
	cr_assert_float_eq(p.current_A, 25.0, 0.01);
	/* the controller dies: no more CYC_Command */
	run_to(7000000, false);
	sim_plant_read(s, &p);
	cr_assert_float_eq(p.current_A, 0.0, 1e-9);
}

Test(cancycler_sim, cycler_timeout_fault_is_a_timeout)
{
	struct instr_state st;

	setup_pack("[fault cycler_timeout]\nat = 3 s\n");
	cr_assert_eq(run_to(2000000, true), BENCH_OK);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	cr_assert_eq(run_to(5000000, true), BENCH_ERR_TIMEOUT);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_ERR_TIMEOUT);
}
