/* SPDX-License-Identifier: Apache-2.0 */
/* test_chargegrade.c - grading a charge-only run (docs/grading.md,
 * "Charge-only runs"): the simulated GB/T pack charged by
 * fixtures/recipes/gbt-charge.txt at --speed max, its capacity against
 * the simulator's truth within the uncertainty the grade states, by the
 * method the start and end call for; per-cell data only with BMV. */
#include "ctl_helpers.h"

#include "analysis/chargegrade.h"
#include "analysis/grade.h"
#include "analysis/gradejson.h"
#include "analysis/metrics.h"

#define PACK "fixtures/packs/gbt-lfp-aged.ini"
#define RECIPE "fixtures/recipes/gbt-charge.txt"

TestSuite(chargegrade, .timeout = 120);

struct graded {
	struct rundata *rd;
	struct pack_result pr;
	struct grade_result g;
	struct rules r;
	double truth_mean_ah, truth_min_ah; /* the cells' capacities */
};

/* The fixture pack with its initial_soc replaced and extra appended. */
static char *pack_variant(const char *dir, const char *soc, const char *extra)
{
	char *out = ctl_path(dir, "pack.ini");
	FILE *in = fopen(PACK, "r"), *o = fopen(out, "w");
	char line[512];

	cr_assert(in && o);
	while (fgets(line, sizeof(line), in))
		if (soc && !strncmp(line, "initial_soc", 11))
			fprintf(o, "initial_soc = %s\n", soc);
		else
			fputs(line, o);
	fprintf(o, "\n%s\n", extra ? extra : "");
	fclose(in);
	fclose(o);
	return out;
}

static void truth_caps(const char *path, struct graded *x)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	double cap[64];
	size_t n = 0, len;
	const char *p;

	cr_assert_not_null(f, "no truth file %s", path);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	for (p = buf; (p = strstr(p, "\"capacity_ah\":")) && n < 64; p++)
		cap[n++] = strtod(p + 14, NULL);
	cr_assert_eq(n, 30, "%zu cell capacities in the truth", n);
	x->truth_mean_ah = metrics_mean(cap, n);
	x->truth_min_ah = metrics_min(cap, n, NULL);
}

static void run_and_grade(const char *pack, struct graded *x)
{
	char *dir = tmpdir_new("chggrade");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *truth = ctl_path(dir, "truth.json");
	const char *args[] = {"run",	 RECIPE, "--sim",   pack,  "-o", out,
			      "--truth", truth,	 "--speed", "max", NULL};
	struct rd_opts o;
	int rc = ctl_bench(log, args);

	cr_assert_eq(rc, 0, "exit %d\n%s", rc, ctl_log(log));
	truth_caps(truth, x);
	rd_opts_default(&o);
	cr_assert_eq(rundata_load(out, &o, &x->rd), 0);
	cr_assert_eq(analyze_run(x->rd, &x->pr), 0);
	cr_assert_eq(rules_load(NULL, &x->r), 0);
	cr_assert_eq(grade_pack(&x->pr, &x->r, NULL, &x->g), 0);
	free(out);
	free(log);
	free(truth);
	free(dir);
}

static void release(struct graded *x)
{
	grade_result_release(&x->g);
	pack_result_release(&x->pr);
	rundata_free(x->rd);
}

static bool said(const struct graded *x, const char *text)
{
	for (size_t k = 0; k < x->g.n_reasons; k++)
		if (strstr(x->g.reasons[k], text))
			return true;
	return false;
}

static void reasons_dump(const struct graded *x, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t k = 0; k < x->g.n_reasons && len + 2 < n; k++)
		len += (size_t)snprintf(buf + len, n - len, "%s\n",
					x->g.reasons[k]);
}

/* What every charge-only grade says, and the resistance from the 0.5C
 * step: the pack's over its series cells near the truth's ~1 mOhm. */
static void common_checks(const struct graded *x)
{
	char all[8192];

	reasons_dump(x, all, sizeof(all));
	cr_assert_neq(x->g.grade, GRADE_INCOMPLETE, "%s", all);
	cr_assert(said(x, "not judged from a charge-only run: discharge "
			  "capacity and energy at rate"),
		  "%s", all);
	cr_assert(said(x, "self-discharge"), "%s", all);
	cr_assert_eq(x->pr.n_pulses, 1);
	cr_assert(x->pr.dcir_mohm / 30 > 0.8 && x->pr.dcir_mohm / 30 < 1.4,
		  "%.2f mOhm", x->pr.dcir_mohm);
	cr_assert(isfinite(x->g.r_ratio));
	char *js = grade_json_string(&x->pr, &x->g);

	cr_assert_not_null(js);
	cr_assert(strstr(js, "\"charge_only\":{\"gbt_session\":true"), "%s",
		  js);
	cr_assert(strstr(js, "\"capacity_uncertainty_rel\":"), "%s", js);
	free(js);
}

/* From 5 % (above the lower limit) to full: Ah / BMS SOC change, which
 * reads the cells' mean capacity (the simulated BMS's SOC is their mean);
 * BMV sent, but no rest after the charge for per-cell capacity. */
Test(chargegrade, fixture_pack_soc_scaled_within_its_uncertainty)
{
	struct graded x = {0};
	const struct chg_result *cr;

	run_and_grade(PACK, &x);
	cr = x.pr.chg;
	cr_assert_not_null(cr);
	cr_assert_eq(cr->method, CHG_SOC_SCALED);
	cr_assert(fabs(cr->soc_start_pct - 5) < 0.6, "%.1f", cr->soc_start_pct);
	cr_assert(cr->to_full && !cr->from_empty);
	cr_assert(cr->bst_set & (1u << 2), "BST cell voltage reached");
	cr_assert(cr->unc_rel > 0.009 && cr->unc_rel < 0.013, "%.4f",
		  cr->unc_rel);
	cr_assert(fabs(x.pr.capacity_ah - x.truth_mean_ah) <=
		      cr->unc_rel * x.pr.capacity_ah,
		  "%.2f Ah +- %.1f %%, truth %.2f", x.pr.capacity_ah,
		  100 * cr->unc_rel, x.truth_mean_ah);
	cr_assert(cr->cells_known);
	cr_assert(said(&x, "the BMS's SOC change"));
	cr_assert(said(&x, "the BMS's own SOC error is unknown"));
	cr_assert(said(&x, "per-cell capacity not judged"));
	common_checks(&x);
	release(&x);
}

/* From 40 %: only the SOC-scaled method can say the capacity. */
Test(chargegrade, from_40_percent_soc_scaled)
{
	char *dir = tmpdir_new("chggrade");
	char *pack = pack_variant(dir, "0.40", NULL);
	struct graded x = {0};
	const struct chg_result *cr;

	run_and_grade(pack, &x);
	cr = x.pr.chg;
	cr_assert_eq(cr->method, CHG_SOC_SCALED);
	cr_assert(fabs(cr->soc_start_pct - 40) < 0.6, "%.1f",
		  cr->soc_start_pct);
	cr_assert(x.pr.charge_ah < 0.7 * x.pr.capacity_ah);
	cr_assert(fabs(x.pr.capacity_ah - x.truth_mean_ah) <=
		      cr->unc_rel * x.pr.capacity_ah,
		  "%.2f Ah +- %.1f %%, truth %.2f", x.pr.capacity_ah,
		  100 * cr->unc_rel, x.truth_mean_ah);
	cr_assert(said(&x, "not from the lower limit to full"));
	common_checks(&x);
	release(&x);
	free(pack);
	free(dir);
}

/* From the lower limit (1.5 %) to full: the Ah charged, the string's
 * capacity, which its weakest cell bounds. */
Test(chargegrade, from_lower_limit_direct)
{
	char *dir = tmpdir_new("chggrade");
	char *pack = pack_variant(dir, "0.015", NULL);
	struct graded x = {0};
	const struct chg_result *cr;

	run_and_grade(pack, &x);
	cr = x.pr.chg;
	cr_assert_eq(cr->method, CHG_DIRECT);
	cr_assert(cr->from_empty && cr->to_full);
	cr_assert(fabs(x.pr.capacity_ah - x.pr.charge_ah) < 1e-9);
	cr_assert(fabs(x.pr.capacity_ah - x.truth_min_ah) <=
		      cr->unc_rel * x.pr.capacity_ah,
		  "%.2f Ah +- %.1f %%, weakest cell %.2f", x.pr.capacity_ah,
		  100 * cr->unc_rel, x.truth_min_ah);
	cr_assert(said(&x, "from the pack's lower limit to full"));
	cr_assert(said(&x, "coulombic efficiency taken as 1"));
	common_checks(&x);
	release(&x);
	free(pack);
	free(dir);
}

/* No BMV: pack and extremes only, and no cell flagged from BCS's highest
 * cell alone. */
Test(chargegrade, no_cell_reports_per_cell_not_judged)
{
	char *dir = tmpdir_new("chggrade");
	char *pack = pack_variant(dir, NULL, "[gbt]\ncell_reports = no\n");
	struct graded x = {0};

	run_and_grade(pack, &x);
	cr_assert_not(x.pr.chg->cells_known);
	cr_assert(said(&x, "per-cell data not judged: the BMS sent no cell "
			   "voltages (no BMV)"));
	for (unsigned c = 0; c < 30; c++)
		cr_assert_eq(x.g.cell_flags[c], 0, "cell %u flagged", c + 1);
	cr_assert(isnan(x.pr.soc_spread) && isnan(x.pr.rest_spread_mV));
	cr_assert_eq(x.pr.chg->method, CHG_SOC_SCALED);
	common_checks(&x);
	release(&x);
	free(pack);
	free(dir);
}
