/* SPDX-License-Identifier: Apache-2.0 */
/* ocv.c - the cells' OCV (common/ocvtab.c) as a fast lookup: a uniform
 * grid, built once. */
#include <pthread.h>

#include "common/ocvtab.h"
#include "ocv.h"

#define GRID_N 2001 /* 0.05 % steps */

static double grid[2][GRID_N];
static pthread_once_t grid_once = PTHREAD_ONCE_INIT;

static double tab_interp(const struct ocvtab *tab, double soc_pct)
{
	const struct ocvtab_pt *t = tab->pt;
	size_t i = 1;

	while (i < tab->n - 1 && t[i].soc_pct < soc_pct)
		i++;
	double f =
	    (soc_pct - t[i - 1].soc_pct) / (t[i].soc_pct - t[i - 1].soc_pct);
	return t[i - 1].ocv_V + f * (t[i].ocv_V - t[i - 1].ocv_V);
}

static void grid_build(void)
{
	for (int k = 0; k < GRID_N; k++) {
		double pct = 100.0 * k / (GRID_N - 1);

		grid[OCV_NMC][k] = tab_interp(&ocvtab_nmc, pct);
		grid[OCV_LFP][k] = tab_interp(&ocvtab_lfp, pct);
	}
}

double ocv_V(enum ocv_chem chem, double soc)
{
	const double *g;

	pthread_once(&grid_once, grid_build);
	g = grid[chem];
	if (soc <= 0)
		return g[0] + soc * 100.0 * OCV_EDGE_SLOPE_V_PER_PCT;
	if (soc >= 1)
		return g[GRID_N - 1] +
		       (soc - 1) * 100.0 * OCV_EDGE_SLOPE_V_PER_PCT;
	double x = soc * (GRID_N - 1);
	int k = (int)x;
	double f = x - k;
	return g[k] + f * (g[k + 1] - g[k]);
}
