/* SPDX-License-Identifier: Apache-2.0 */
/* cycles.c - `bench cycles`: per-cycle summary of a run file. */
#define LOG_PREFIX "cycles"
#include <getopt.h>
#include <math.h>
#include <stdio.h>

#include "analysis/cycles.h"
#include "cli.h"
#include "common/log.h"

static const char cycles_usage[] =
    "usage: bench cycles RUN.h5 [--json|--csv]\n"
    "  Per-cycle summary of a run file, ours or imported: charge and\n"
    "  discharge Ah and Wh (integrated inside each step over test time),\n"
    "  coulombic and energy efficiency, duration, voltage range, mean\n"
    "  temperature, the instrument's resistance where the file carries it.\n"
    "  --json  {\"cycles\":[...],\"steps\":[...]} (docs/importers.md)\n"
    "  --csv   one row per cycle\n";

/* A JSON number, or null where there is none. */
static void jnum(FILE *f, const char *key, double v, int comma)
{
	if (isfinite(v))
		fprintf(f, "\"%s\":%.9g%s", key, v, comma ? "," : "");
	else
		fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
}

static void print_json(const struct cycles *c)
{
	printf("{\"cycles\":[");
	for (size_t k = 0; k < c->n_cycles; k++) {
		const struct cycle_sum *s = &c->cycle[k];

		printf("%s{\"cycle\":%ld,", k ? "," : "", s->cycle);
		jnum(stdout, "charge_ah", s->chg_Ah, 1);
		jnum(stdout, "discharge_ah", s->dchg_Ah, 1);
		jnum(stdout, "charge_wh", s->chg_Wh, 1);
		jnum(stdout, "discharge_wh", s->dchg_Wh, 1);
		jnum(stdout, "coulombic_efficiency", s->coulombic_eff, 1);
		jnum(stdout, "energy_efficiency", s->energy_eff, 1);
		jnum(stdout, "resistance_ohm", s->resistance_ohm, 0);
		printf("}");
	}
	printf("],\"steps\":[");
	for (size_t k = 0; k < c->n_steps; k++) {
		const struct cycle_step *s = &c->step[k];

		printf("%s{\"cycle\":%ld,", k ? "," : "", s->cycle);
		if (s->step >= 0)
			printf("\"step\":%ld,", s->step);
		else
			printf("\"step\":null,");
		jnum(stdout, "charge_ah", s->chg_Ah, 1);
		jnum(stdout, "discharge_ah", s->dchg_Ah, 1);
		jnum(stdout, "charge_wh", s->chg_Wh, 1);
		jnum(stdout, "discharge_wh", s->dchg_Wh, 0);
		printf("}");
	}
	printf("]}\n");
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
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	struct cycles c;
	int json = 0, csv = 0, ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jch", opts, NULL)) != -1) {
		switch (ch) {
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
	if (argc - optind != 1 || (json && csv)) {
		fputs(cycles_usage, stderr);
		return 2;
	}
	if (cycles_load(argv[optind], &c) < 0)
		return 1;
	if (json)
		print_json(&c);
	else
		print_rows(&c, csv);
	cycles_free(&c);
	return 0;
}
