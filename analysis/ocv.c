/* SPDX-License-Identifier: Apache-2.0 */
/* ocv.c - OCV curves (common/ocvtab.h) and their exact inverse. */
#define LOG_PREFIX "analysis"
#include "ocv.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/rc.h"

/* A rested cell lies between these whatever its chemistry: a curve outside
 * them is not a cell's. */
#define OCV_ANY_LO_V 1.5
#define OCV_ANY_HI_V 5.0

enum cell_chem cell_chem_parse(const char *name)
{
	return name && !strcasecmp(name, "lfp") ? CHEM_LFP : CHEM_NMC;
}

const struct ocvtab *ocvcurve_builtin(enum cell_chem chem)
{
	return chem == CHEM_LFP ? &ocvtab_lfp : &ocvtab_nmc;
}

int ocvcurve_parse(const char *text, const char *where, struct ocvtab *out)
{
	char err[200];

	if (ocvtab_parse(text, OCV_ANY_LO_V, OCV_ANY_HI_V, out, err,
			 sizeof(err)) < 0) {
		log_err("%s: OCV curve: %s", where, err);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int ocvcurve_load(const char *text, enum cell_chem chem, const char *where,
		  struct ocvtab *out)
{
	if (!text || !text[strspn(text, " \t\r\n")]) {
		*out = *ocvcurve_builtin(chem);
		return BENCH_OK;
	}
	return ocvcurve_parse(text, where, out);
}

/* Index i >= 1 of the segment [i-1, i] holding soc_pct. */
static size_t seg_by_soc(const struct ocvtab *c, double soc_pct)
{
	size_t i = 1;

	while (i < c->n - 1 && c->pt[i].soc_pct < soc_pct)
		i++;
	return i;
}

double ocvcurve_V(const struct ocvtab *c, double soc)
{
	const struct ocvtab_pt *t = c->pt;
	double pct = soc * 100.0;

	if (pct <= 0)
		return t[0].ocv_V;
	if (pct >= 100)
		return t[c->n - 1].ocv_V;
	size_t i = seg_by_soc(c, pct);
	double f = (pct - t[i - 1].soc_pct) / (t[i].soc_pct - t[i - 1].soc_pct);
	return t[i - 1].ocv_V + f * (t[i].ocv_V - t[i - 1].ocv_V);
}

double ocvcurve_soc(const struct ocvtab *c, double voltage_V)
{
	const struct ocvtab_pt *t = c->pt;
	size_t n = c->n, i = 1;

	if (!(voltage_V > t[0].ocv_V)) /* also catches NaN */
		return 0.0;
	if (voltage_V >= t[n - 1].ocv_V)
		return 1.0;
	/* t[i-1] < voltage_V <= t[i]: a flat segment is never divided by */
	while (i < n - 1 && t[i].ocv_V < voltage_V)
		i++;
	double f = (voltage_V - t[i - 1].ocv_V) / (t[i].ocv_V - t[i - 1].ocv_V);
	return (t[i - 1].soc_pct + f * (t[i].soc_pct - t[i - 1].soc_pct)) /
	       100.0;
}

double ocvcurve_slope_V(const struct ocvtab *c, double soc)
{
	const struct ocvtab_pt *t = c->pt;
	double pct = soc * 100.0;

	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	size_t i = seg_by_soc(c, pct);
	return (t[i].ocv_V - t[i - 1].ocv_V) /
	       ((t[i].soc_pct - t[i - 1].soc_pct) / 100.0);
}

bool ocvcurve_soc_reliable(const struct ocvtab *c, double soc)
{
	/* 4 mV per % = 0.4 V per unit SOC */
	return ocvcurve_slope_V(c, soc) >= 0.4;
}

double ocvcurve_nominal_V(enum cell_chem chem)
{
	return chem == CHEM_LFP ? 3.2 : 3.6;
}
