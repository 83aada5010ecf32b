/* SPDX-License-Identifier: Apache-2.0 */
/* safetybench.c - cost of the pure parts on the control path: one
 * soa_check() of a 192-cell snapshot, one step_tick(), and parsing the
 * overnight recipe. Prints figures; never fails on speed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/profile.h"
#include "bench/recipe.h"
#include "bench/soa.h"
#include "bench/step.h"

#define NCELL 192

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static int32_t cells[NCELL], temps[64];
	static double lat[100000];
	struct profile p;
	struct soa_limits lim;
	struct soa s;
	struct soa_snapshot x;
	struct soa_result res;
	struct recipe r;
	struct step_engine e;
	struct step_meas m;
	struct step_out o;
	struct step_cfg cfg = {.rated_capacity_mAh = 94000,
			       .cell_op_low_mV = 2500,
			       .cell_op_high_mV = 4200,
			       .charge_max_mA = 94000,
			       .discharge_max_mA = 188000};
	const int n = 100000;
	double t0, t1;

	if (profile_for_sim("nmc", NCELL, 1, 16, 64, 94.0, "x.dbc", &p))
		return 1;
	soa_limits_build(&lim, &p, NULL, 0);
	soa_init(&s, &lim, &p);
	memset(&x, 0, sizeof(x));
	for (int i = 0; i < NCELL; i++)
		cells[i] = 3700 + (i % 7);
	for (int i = 0; i < 64; i++)
		temps[i] = 250;
	x.n_cells = NCELL;
	x.cell_mV = cells;
	x.n_temps = 64;
	x.temp_ddegC = temps;
	x.current_valid = x.pack_mV_valid = x.bms_limits_valid = true;
	x.ccl_mA = x.dcl_mA = 100000;
	x.contactor = SOA_CONTACTOR_CLOSED;
	x.contactor_close_req = true;
	for (int i = 0; i < n; i++) {
		int64_t t = (int64_t)i * 1000;

		x.cells_seq = x.temps_seq = x.pack_seq = (uint32_t)i;
		x.bms_last_us = x.cycler_last_us = t;
		t0 = now_s();
		soa_check(&s, &x, t, &res);
		lat[i] = (now_s() - t0) * 1e9;
	}
	qsort(lat, n, sizeof(lat[0]), cmp);
	printf("soa_check, %d cells + 64 probes, every group new: p50 %.0f ns, "
	       "p99 %.0f ns, max %.0f ns\n",
	       NCELL, lat[n / 2], lat[n * 99 / 100], lat[n - 1]);

	if (recipe_load_file("fixtures/recipes/overnight.txt", &r))
		return 1;
	t0 = now_s();
	for (int i = 0; i < 2000; i++) {
		struct recipe q;

		recipe_parse(r.text, "overnight.txt", &q);
		recipe_release(&q);
	}
	t1 = now_s();
	printf("recipe_parse overnight.txt (%zu bytes): %.1f us each\n",
	       strlen(r.text), (t1 - t0) / 2000 * 1e6);

	step_init(&e, &r, &cfg);
	memset(&m, 0, sizeof(m));
	m.cells_valid = true;
	m.max_cell_mV = m.min_cell_mV = 3700;
	m.pack_mV = 355000;
	t0 = now_s();
	for (int i = 0; i < 1000000; i++) {
		m.cells_t_us = (int64_t)i * 10000;
		if (step_tick(&e, (int64_t)i * 10000, &m, &o) < 0)
			break;
		m.current_mA = o.cmd.current_mA;
	}
	t1 = now_s();
	printf("step_tick: %.0f ns per tick (1e6 ticks of 10 ms)\n",
	       (t1 - t0) / 1e6 * 1e9);
	recipe_release(&r);
	profile_release(&p);
	return 0;
}
