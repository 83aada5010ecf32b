/* SPDX-License-Identifier: Apache-2.0 */
/* cycles.h - per-cycle and per-step summary of any run file, ours or
 * imported (`bench cycles`, docs/importers.md).
 *
 * Streams /timeseries by chunks. Charge and discharge are integrated over
 * test time inside each step only (rows of one step_count), never across a
 * step change. The cycle is the file's cycle_count (the recipe's loop
 * counter in our runs, the instrument's cycle number in an imported file),
 * the step number its step_index (the recipe line in our runs, the
 * instrument's step number in an imported one; unknown, -1, where the
 * import says the file had none). The resistance is the instrument's own,
 * carried by an imported file's bench:IMPORT_IR events: the last one of
 * the cycle.
 */
#ifndef BENCH_ANALYSIS_CYCLES_H
#define BENCH_ANALYSIS_CYCLES_H

#include <stddef.h>
#include <stdint.h>

struct cycle_step {
	long cycle;
	long step; /* -1: unknown */
	uint32_t step_count;
	double chg_Ah, dchg_Ah, chg_Wh, dchg_Wh;
	double resistance_ohm; /* NaN: none */
};

struct cycle_sum {
	long cycle;
	double chg_Ah, dchg_Ah, chg_Wh, dchg_Wh;
	double coulombic_eff, energy_eff; /* NaN without charge */
	double start_s, end_s;
	double v_min_V, v_max_V;
	double temp_mean_C;    /* NaN: no temperature */
	double resistance_ohm; /* NaN: none */
	/* accumulators */
	double temp_sum_C;
	size_t temp_n;
};

struct cycles {
	struct cycle_sum *cycle;
	size_t n_cycles;
	struct cycle_step *step;
	size_t n_steps;
};

int cycles_load(const char *path, struct cycles *out);
void cycles_free(struct cycles *c);

#endif
