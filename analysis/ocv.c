/* SPDX-License-Identifier: Apache-2.0 */
/* ocv.c - piecewise-linear OCV curves and their exact inverse. */
#include "ocv.h"

#include <stddef.h>
#include <strings.h>

struct ocv_pt {
	double soc_pct, ocv_V;
};

/* clang-format off */
static const struct ocv_pt nmc_tab[] = {
	{0, 2.500},  {1, 2.716},  {5, 3.003},  {10, 3.202}, {20, 3.392},
	{30, 3.501}, {40, 3.568}, {50, 3.636}, {60, 3.735}, {70, 3.840},
	{80, 3.939}, {90, 4.024}, {95, 4.045}, {100, 4.123},
};
/* clang-format on */

/* clang-format off */
static const struct ocv_pt lfp_tab[] = {
	{0, 2.500},    {1, 2.900},    {2.7, 2.960}, {5, 3.102},
	{10, 3.172},   {20, 3.208},   {30, 3.237},  {40, 3.263},
	{50, 3.270},   {60, 3.275},   {70, 3.280},  {80, 3.305},
	{90, 3.315},   {95, 3.319},   {98.3, 3.351}, {99.5, 3.418},
	{100, 3.590},
};
/* clang-format on */

#define N_NMC (sizeof(nmc_tab) / sizeof(nmc_tab[0]))
#define N_LFP (sizeof(lfp_tab) / sizeof(lfp_tab[0]))

static const struct ocv_pt *tab(enum cell_chem chem, size_t *n)
{
	if (chem == CHEM_LFP) {
		*n = N_LFP;
		return lfp_tab;
	}
	*n = N_NMC;
	return nmc_tab;
}

enum cell_chem cell_chem_parse(const char *name)
{
	return name && !strcasecmp(name, "lfp") ? CHEM_LFP : CHEM_NMC;
}

/* Index i >= 1 of the segment [i-1, i] holding soc_pct. */
static size_t seg_by_soc(const struct ocv_pt *t, size_t n, double soc_pct)
{
	size_t i = 1;

	while (i < n - 1 && t[i].soc_pct < soc_pct)
		i++;
	return i;
}

double ocvcurve_V(enum cell_chem chem, double soc)
{
	size_t n;
	const struct ocv_pt *t = tab(chem, &n);
	double pct = soc * 100.0;

	if (pct <= 0)
		return t[0].ocv_V;
	if (pct >= 100)
		return t[n - 1].ocv_V;
	size_t i = seg_by_soc(t, n, pct);
	double f = (pct - t[i - 1].soc_pct) / (t[i].soc_pct - t[i - 1].soc_pct);
	return t[i - 1].ocv_V + f * (t[i].ocv_V - t[i - 1].ocv_V);
}

double ocvcurve_soc(enum cell_chem chem, double voltage_V)
{
	size_t n;
	const struct ocv_pt *t = tab(chem, &n);
	size_t i = 1;

	if (!(voltage_V > t[0].ocv_V)) /* also catches NaN */
		return 0.0;
	if (voltage_V >= t[n - 1].ocv_V)
		return 1.0;
	while (i < n - 1 && t[i].ocv_V < voltage_V)
		i++;
	double f = (voltage_V - t[i - 1].ocv_V) / (t[i].ocv_V - t[i - 1].ocv_V);
	return (t[i - 1].soc_pct + f * (t[i].soc_pct - t[i - 1].soc_pct)) /
	       100.0;
}

double ocvcurve_slope_V(enum cell_chem chem, double soc)
{
	size_t n;
	const struct ocv_pt *t = tab(chem, &n);
	double pct = soc * 100.0;

	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	size_t i = seg_by_soc(t, n, pct);
	return (t[i].ocv_V - t[i - 1].ocv_V) /
	       ((t[i].soc_pct - t[i - 1].soc_pct) / 100.0);
}

bool ocvcurve_soc_reliable(enum cell_chem chem, double soc)
{
	/* 5 mV per % = 0.5 V per unit SOC */
	return chem != CHEM_LFP || ocvcurve_slope_V(chem, soc) >= 0.5;
}

double ocvcurve_nominal_V(enum cell_chem chem)
{
	return chem == CHEM_LFP ? 3.2 : 3.6;
}
