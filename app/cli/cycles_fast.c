/* SPDX-License-Identifier: Apache-2.0 */
/* cycles_fast.c - `bench cycles RUN.h5 --fast-windows`: the fast grade's
 * capacity estimator on each rest-discharge-rest window of a file
 * (docs/grading.md, "The fast estimator on real cells"). */
#define LOG_PREFIX "cycles"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/fastwin.h"
#include "cli.h"
#include "common/cfgini.h"
#include "common/json.h"

static int print_json(const struct fastwin *fw, double rest_max_s)
{
	struct json j;

	json_init_file(&j, stdout);
	json_obj(&j);
	json_key_str(&j, "chemistry", fw->chem == CHEM_LFP ? "lfp" : "nmc");
	json_key(&j, "own_ocv_curve");
	json_bool(&j, fw->own_curve);
	json_key_num(&j, "rest_max_s", rest_max_s > 0 ? rest_max_s : NAN,
		     JSON_NUM_FMT);
	json_key(&j, "windows");
	json_arr(&j);
	for (size_t k = 0; k < fw->n; k++) {
		const struct fastwin_leg *l = &fw->leg[k];

		json_obj(&j);
		json_key_int(&j, "rest_step_before", l->step0);
		json_key_int(&j, "rest_step_after", l->step1);
		json_key_num(&j, "rest_before_s", l->rest0_s, JSON_NUM_FMT);
		json_key_num(&j, "rest_after_s", l->rest1_s, JSON_NUM_FMT);
		json_key_num(&j, "rest_before_v", l->rest0_V, JSON_NUM_FMT);
		json_key_num(&j, "rest_after_v", l->rest1_V, JSON_NUM_FMT);
		json_key_num(&j, "soc_before", l->soc0, JSON_NUM_FMT);
		json_key_num(&j, "soc_after", l->soc1, JSON_NUM_FMT);
		json_key_num(&j, "ah_net", l->ah_net, JSON_NUM_FMT);
		json_key_num(&j, "discharge_ah", l->discharge_ah, JSON_NUM_FMT);
		json_key_num(&j, "capacity_ah", l->capacity_ah, JSON_NUM_FMT);
		json_key_num(&j, "capacity_lower_bound_ah", l->capacity_lb_ah,
			     JSON_NUM_FMT);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	fputc('\n', stdout);
	return json_finish(&j);
}

static void print_rows(const struct fastwin *fw, double rest_max_s)
{
	printf("# the fast grade's cell capacity on the %s curve, ",
	       fw->own_curve	      ? "cell's own"
	       : fw->chem == CHEM_LFP ? "LFP"
				      : "NMC");
	if (rest_max_s > 0)
		printf("rests read %.0f s after they began\n", rest_max_s);
	else
		printf("rests read at their end\n");
	printf("steps     rest_s      rest_V          SOC %%        Ah_net   "
	       "dchg_Ah  capacity_Ah lower_bound_Ah\n");
	for (size_t k = 0; k < fw->n; k++) {
		const struct fastwin_leg *l = &fw->leg[k];

		printf("%3u-%-3u %5.0f/%-5.0f %6.4f/%-6.4f %5.1f/%-5.1f %9.4f "
		       "%9.4f %11.4f %14.4f\n",
		       l->step0, l->step1, l->rest0_s, l->rest1_s, l->rest0_V,
		       l->rest1_V, 100 * l->soc0, 100 * l->soc1, l->ah_net,
		       l->discharge_ah, l->capacity_ah, l->capacity_lb_ah);
	}
}

/* The curve file: ocv_curve's pairs (common/ocvtab.h). */
static int load_curve(const char *path, struct ocvtab *out)
{
	char err[256], *text = NULL;
	int rc;

	rc = cfgini_read_file(path, &text, err, sizeof(err)); /* logs */
	if (rc == 0)
		rc = ocvcurve_parse(text, path, out);
	free(text);
	return rc;
}

int cli_cycles_fast(const char *path, const char *chemistry,
		    const char *curve_path, double rest_max_s, int json)
{
	struct fastwin fw;
	struct ocvtab curve;
	int rc = 0;

	if (curve_path && load_curve(curve_path, &curve) < 0)
		return 1;
	if (fastwin_load(path, chemistry, curve_path ? &curve : NULL,
			 rest_max_s, &fw) < 0)
		return 1;
	if (json)
		rc = print_json(&fw, rest_max_s) < 0;
	else
		print_rows(&fw, rest_max_s);
	fastwin_free(&fw);
	return rc;
}
