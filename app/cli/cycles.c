/* SPDX-License-Identifier: Apache-2.0 */
/* cycles.c - `bench cycles`: per-cycle summary of a run file. */
#define LOG_PREFIX "cycles"
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/cycles.h"
#include "cli.h"
#include "common/json.h"
#include "common/log.h"

static const char cycles_usage[] =
    "usage: bench cycles RUN.h5 [--json|--csv]\n"
    "       bench cycles RUN.h5 --fast-windows [--chemistry nmc|lfp]\n"
    "                    [--ocv-curve CURVE] [--rest-s S] [--json]\n"
    "  Per-cycle summary of a run file, ours or imported: charge and\n"
    "  discharge Ah and Wh (integrated inside each step over test time),\n"
    "  coulombic and energy efficiency, duration, voltage range, mean\n"
    "  temperature, the instrument's resistance where the file carries it.\n"
    "  --json  {\"cycles\":[...],\"steps\":[...]} (docs/importers.md)\n"
    "  --csv   one row per cycle\n"
    "  --fast-windows  the fast grade's cell capacity from each\n"
    "          rest-discharge-rest window of a one-cell file, its rests\n"
    "          read on the chemistry's OCV curve (docs/grading.md, \"The\n"
    "          fast estimator on real cells\"); --chemistry: the file's own\n"
    "          if omitted; --ocv-curve: a file holding the cell's own curve\n"
    "          as SOC%:volts pairs (\"0:2.50 10:3.45 ... 100:4.20\", the\n"
    "          profile's ocv_curve, docs/profiles.md), read instead of the\n"
    "          chemistry's; --rest-s: read each rest S seconds after it\n"
    "          began (fixtures/recipes/fast.txt rests 300), not at its end\n";

static int print_json(const struct cycles *c)
{
	struct json j;

	json_init_file(&j, stdout);
	json_obj(&j);
	json_key(&j, "cycles");
	json_arr(&j);
	for (size_t k = 0; k < c->n_cycles; k++) {
		const struct cycle_sum *s = &c->cycle[k];

		json_obj(&j);
		json_key_int(&j, "cycle", s->cycle);
		json_key_num(&j, "charge_ah", s->chg_Ah, JSON_NUM_FMT);
		json_key_num(&j, "discharge_ah", s->dchg_Ah, JSON_NUM_FMT);
		json_key_num(&j, "charge_wh", s->chg_Wh, JSON_NUM_FMT);
		json_key_num(&j, "discharge_wh", s->dchg_Wh, JSON_NUM_FMT);
		json_key_num(&j, "coulombic_efficiency", s->coulombic_eff,
			     JSON_NUM_FMT);
		json_key_num(&j, "energy_efficiency", s->energy_eff,
			     JSON_NUM_FMT);
		json_key_num(&j, "resistance_ohm", s->resistance_ohm,
			     JSON_NUM_FMT);
		json_end(&j);
	}
	json_end(&j);
	json_key(&j, "steps");
	json_arr(&j);
	for (size_t k = 0; k < c->n_steps; k++) {
		const struct cycle_step *s = &c->step[k];

		json_obj(&j);
		json_key_int(&j, "cycle", s->cycle);
		json_key(&j, "step");
		if (s->step >= 0)
			json_int(&j, s->step);
		else
			json_null(&j);
		json_key_num(&j, "charge_ah", s->chg_Ah, JSON_NUM_FMT);
		json_key_num(&j, "discharge_ah", s->dchg_Ah, JSON_NUM_FMT);
		json_key_num(&j, "charge_wh", s->chg_Wh, JSON_NUM_FMT);
		json_key_num(&j, "discharge_wh", s->dchg_Wh, JSON_NUM_FMT);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	fputc('\n', stdout);
	return json_finish(&j);
}

static void print_rows(const struct cycles *c, int csv)
{
	const char *fmt = csv ? "%ld,%.6f,%.6f,%.6f,%.6f,%.5f,%.5f,%.1f,%.4f,"
				"%.4f,%.2f,%.6g\n"
			      : "%5ld %9.4f %9.4f %9.3f %9.3f %6.4f %6.4f "
				"%9.0f %7.3f %7.3f %6.1f %9.4g\n";

	if (csv)
		printf("cycle,charge_ah,discharge_ah,charge_wh,discharge_wh,"
		       "coulombic_efficiency,energy_efficiency,duration_s,"
		       "min_voltage_v,max_voltage_v,mean_temperature_c,"
		       "resistance_ohm\n");
	else
		printf("cycle  chg_Ah    dchg_Ah   chg_Wh    dchg_Wh   CE     "
		       "EE     duration_s Vmin    Vmax    T_C    R_ohm\n");
	for (size_t k = 0; k < c->n_cycles; k++) {
		const struct cycle_sum *s = &c->cycle[k];

		printf(fmt, s->cycle, s->chg_Ah, s->dchg_Ah, s->chg_Wh,
		       s->dchg_Wh, s->coulombic_eff, s->energy_eff,
		       s->end_s - s->start_s, s->v_min_V, s->v_max_V,
		       s->temp_mean_C, s->resistance_ohm);
	}
}

int cli_cycles(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"csv", no_argument, NULL, 'c'},
		{"fast-windows", no_argument, NULL, 'f'},
		{"chemistry", required_argument, NULL, 'C'},
		{"rest-s", required_argument, NULL, 'r'},
		{"ocv-curve", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	struct cycles c;
	int json = 0, csv = 0, fast = 0, ch, rc = 0;
	const char *chem = NULL, *curve = NULL;
	double rest_s = 0;
	char *end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jch", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			fast = 1;
			break;
		case 'C':
			chem = optarg;
			break;
		case 'o':
			curve = optarg;
			break;
		case 'r':
			rest_s = strtod(optarg, &end);
			if (end == optarg || *end || !(rest_s >= 120)) {
				fprintf(stderr,
					"bench cycles: --rest-s '%s': seconds, "
					"at least 120 (a shorter rest is no "
					"rested point)\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			csv = 1;
			break;
		case 'h':
			fputs(cycles_usage, stdout);
			return 0;
		default:
			fputs(cycles_usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 1 || (json && csv) ||
	    (!fast && (chem || curve || rest_s > 0)) || (fast && csv)) {
		fputs(cycles_usage, stderr);
		return 2;
	}
	if (fast)
		return cli_cycles_fast(argv[optind], chem, curve, rest_s, json);
	if (cycles_load(argv[optind], &c) < 0)
		return 1;
	if (json)
		rc = print_json(&c) < 0;
	else
		print_rows(&c, csv);
	cycles_free(&c);
	return rc;
}
