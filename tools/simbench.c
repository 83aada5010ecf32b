/* SPDX-License-Identifier: Apache-2.0 */
/* simbench.c - how fast the pack simulator runs: an 8-hour C/3 discharge
 * and charge of the 96-cell pack in virtual time, the BMS publishing every
 * frame at its real rates on an in-process bus, a bench node sending the
 * heartbeat and reading every frame, the cycler driven through its instr
 * ops each 100 ms. Prints virtual/real time. Built by tools/bench.d/sim.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/instr.h"
#include "bench/sim/sim.h"
#include "can/canbus.h"
#include "can/dbc.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const char *pack =
	    argc > 1 ? argv[1] : "fixtures/packs/nmc96-healthy.ini";
	struct sim *s;
	struct canbus *sim_bus, *bench;
	struct dbc *db;
	struct canbus_ev ev;
	const struct dbc_msg *cmd, *lim;
	const struct dbc_sig *req, *alive, *vmax, *vmin;
	double v_hi = 0, v_lo = 9, c_A, t0, wall, cpu;
	clock_t c0;
	unsigned long frames = 0;
	int dir = -1, phases = 0;
	char *dbc = sim_fixture_path("fixtures/dbc/sim_bms.dbc");

	if (!dbc || sim_load(pack, NULL, &s) || dbc_load_file(dbc, NULL, &db) ||
	    canbus_open("mem:simbench", NULL, &sim_bus) ||
	    canbus_open("mem:simbench", NULL, &bench) ||
	    sim_attach_bms(s, sim_bus))
		return 1;
	cmd = dbc_msg_by_name(db, "BENCH_Command");
	lim = dbc_msg_by_name(db, "BMS_Limits");
	req = dbc_sig_by_name(cmd, "Bench_ContactorReq");
	alive = dbc_sig_by_name(cmd, "Bench_Alive");
	vmax = dbc_sig_by_name(lim, "BMS_MaxCellV");
	vmin = dbc_sig_by_name(lim, "BMS_MinCellV");
	c_A = sim_info(s)->rated_capacity_ah;

	struct instr *in = sim_instr(s);
	in->ops->set_voltage(in, 430 * 1000, 200 * 1000);
	in->ops->set_current(in, (int32_t)(-c_A / 3 * 1000));
	in->ops->set_output(in, true);

	t0 = now_s();
	c0 = clock();
	for (int64_t t = 100000; t <= 8LL * 3600 * 1000000; t += 100000) {
		struct canframe f = {.id = cmd->id, .len = cmd->size};
		cansig_encode(req, f.data, f.len, 1);
		cansig_put_raw(alive, f.data, f.len, (uint64_t)(t / 100000));
		canbus_send(bench, &f);
		if (sim_advance(s, t))
			return 1;
		while (canbus_recv(bench, &ev, 0) == 1) {
			frames++;
			if (ev.frame.id == lim->id) {
				v_hi = cansig_decode(vmax, ev.frame.data, 8);
				v_lo = cansig_decode(vmin, ev.frame.data, 8);
			}
		}
		in->ops->poll(in, t);
		if ((dir < 0 && v_lo > 0 &&
		     v_lo <= sim_info(s)->v_min_cell_V) ||
		    (dir > 0 && v_hi >= sim_info(s)->v_max_cell_V)) {
			dir = -dir;
			phases++;
			in->ops->set_current(in,
					     (int32_t)(dir * c_A / 3 * 1000));
		}
	}
	wall = now_s() - t0;
	cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
	/* CPU time too: on a loaded machine wall time says little */
	printf("sim: 8 h virtual (C/3 discharge/charge, %d reversals) of %s "
	       "in %.3f s wall (%.3f s CPU): %.0fx real time (%.0fx per CPU "
	       "second), %lu BMS frames (%.0f frames/s)\n",
	       phases, sim_info(s)->name, wall, cpu, 8 * 3600 / wall,
	       8 * 3600 / cpu, frames, frames / wall);
	sim_free(s);
	dbc_free(db);
	canbus_close(sim_bus);
	canbus_close(bench);
	free(dbc);
	return 0;
}
