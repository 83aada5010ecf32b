/* SPDX-License-Identifier: Apache-2.0 */
/* grade_gen.c - write a 24-hour, 192-cell, 10 Hz run file for the grade
 * benchmark (tools/bench.d/grade.sh) through the real HDF5 writer.
 * Cells: OCV(SOC) + I*R0 + 1 mV-quantised noise, capacity spread, one
 * weak cell; the overnight recipe's shape compressed into 24 h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ocv.h"
#include "runfile/h5log.h"

#define SERIES 192
#define PROBES 32
#define HZ 10

struct phase {
	const char *kind, *tag;
	double i_C, hours;
};

/* clang-format off */
static const struct phase recipe[] = {
	{"discharge", "", -1 / 3.0, 1.5}, {"rest", "", 0, 0.5},
	{"charge", "", 1 / 3.0, 3.0},     {"rest", "", 0, 1.0},
	{"discharge", "capacity", -1 / 3.0, 2.9}, {"rest", "", 0, 1.0},
	{"charge", "", 1 / 3.0, 1.5},     {"rest", "ocv", 0, 1.0},
	{"discharge", "pulse", -1.0, 10 / 3600.0}, {"rest", "", 0, 40 / 3600.0},
	{"charge", "pulse", 0.75, 10 / 3600.0}, {"rest", "", 0, 40 / 3600.0},
	{"discharge", "", -1 / 3.0, 0.3},
	{"rest", "self-discharge", 0, 11.28},
};
/* clang-format on */

static unsigned long long rng = 88172645463325252ULL;

static double noise_V(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng % 2001) / 1000.0 - 1.0) * 1.5e-3;
}

int main(int argc, char **argv)
{
	struct run_meta m = {0};
	struct h5log_cfg cfg = {.block_when_full = 1};
	struct h5log *l;
	static float cv[SERIES], ct[PROBES];
	double cap[SERIES], soc[SERIES], t = 0, ah = 0;
	const double rated = 94, r0 = 0.85e-3;
	uint32_t sc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: grade_gen OUT.h5\n");
		return 2;
	}
	snprintf(m.pack_id, sizeof(m.pack_id), "bench-24h-192");
	snprintf(m.chemistry, sizeof(m.chemistry), "nmc");
	m.series = SERIES;
	m.parallel = 1;
	m.modules = 16;
	m.n_probes = PROBES;
	m.rated_capacity_ah = rated;
	snprintf(m.status, sizeof(m.status), "running");
	for (int c = 0; c < SERIES; c++) {
		cap[c] = rated * (0.86 + 0.01 * sin(c * 1.7));
		soc[c] = 0.5;
	}
	cap[100] = rated * 0.65;
	if (h5log_create(argv[1], &m, &cfg, &l) < 0)
		return 1;
	for (size_t p = 0; p < sizeof(recipe) / sizeof(recipe[0]); p++) {
		const struct phase *ph = &recipe[p];
		struct run_step st = {0};
		long n = lround(ph->hours * 3600 * HZ);
		double i_A = ph->i_C * rated;

		sc++;
		st.step_count = st.step_index = sc;
		snprintf(st.kind, sizeof(st.kind), "%s", ph->kind);
		snprintf(st.tag, sizeof(st.tag), "%s", ph->tag);
		st.start_s = t;
		for (long k = 0; k < n; k++) {
			double pack = 0;

			t += 1.0 / HZ;
			for (int c = 0; c < SERIES; c++) {
				soc[c] += i_A / HZ / 3600 / cap[c];
				double v = ocvcurve_V(&ocvtab_nmc, soc[c]) +
					   i_A * r0 + noise_V();

				cv[c] = (float)(round(v * 1000) / 1000);
				pack += cv[c];
			}
			for (int j = 0; j < PROBES; j++)
				ct[j] = 25.0f + (float)(fabs(i_A) / rated);
			if (i_A > 0)
				st.charge_Ah += i_A / HZ / 3600;
			else
				st.discharge_Ah -= i_A / HZ / 3600;
			ah += i_A / HZ / 3600;
			/* clang-format off */
			struct run_sample s = {
				.test_time_s = t, .unix_time_s = 1.7e9 + t,
				.voltage_V = (float)pack, .current_A = (float)i_A,
				.power_W = (float)(pack * i_A), .step_count = sc,
				.step_index = sc, .ambient_C = 25,
				.charge_Ah = ah > 0 ? ah : 0,
				.discharge_Ah = ah < 0 ? -ah : 0,
				.cell_voltage_V = cv, .cell_temperature_C = ct,
			};
			/* clang-format on */
			if (h5log_push_sample(l, &s) < 0)
				return 1;
		}
		st.end_s = t;
		if (h5log_push_step(l, &st) < 0)
			return 1;
	}
	return h5log_close(l, "complete", "recipe complete") < 0;
}
