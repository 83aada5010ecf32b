/* SPDX-License-Identifier: Apache-2.0 */
/* ocv.c - the OCV curves of common/ocvtab.c and their exact inverse. */
#include "ocv.h"

#include <stddef.h>
#include <strings.h>

#include "common/ocvtab.h"

static const struct ocvtab_pt *tab(enum cell_chem chem, size_t *n)
{
	const struct ocvtab *t = chem == CHEM_LFP ? &ocvtab_lfp : &ocvtab_nmc;

	*n = t->n;
	return t->pt;
}

enum cell_chem cell_chem_parse(const char *name)
{
	return name && !strcasecmp(name, "lfp") ? CHEM_LFP : CHEM_NMC;
}

/* Index i >= 1 of the segment [i-1, i] holding soc_pct. */
static size_t seg_by_soc(const struct ocvtab_pt *t, size_t n, double soc_pct)
{
	size_t i = 1;

	while (i < n - 1 && t[i].soc_pct < soc_pct)
		i++;
	return i;
}

double ocvcurve_V(enum cell_chem chem, double soc)
{
	size_t n;
	const struct ocvtab_pt *t = tab(chem, &n);
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
	const struct ocvtab_pt *t = tab(chem, &n);
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
	const struct ocvtab_pt *t = tab(chem, &n);
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
