/* SPDX-License-Identifier: Apache-2.0 */
/* grade.c - `bench grade`, `bench report`, `bench export`. */
#define LOG_PREFIX "grade"
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/analyze.h"
#include "analysis/bdf.h"
#include "analysis/grade.h"
#include "analysis/gradejson.h"
#include "analysis/report.h"
#include "analysis/rules.h"
#include "runfile/runfile_grade.h"
#include "runfile/runlock.h"
#include "analysis/rundata.h"
#include "app/telemetry.h"
#include "runfile/runfile.h"
#include "cli.h"
#include "common/log.h"
#include "common/outfile.h"
#include "common/rc.h"

static const char grade_usage[] =
    "usage: bench grade RUN.h5... [--rules RULES.ini] [--json] [--write] "
    "[--csv]\n"
    "                  [--telemetry mqtt://HOST:PORT] [--rated-ah AH]\n"
    "                  [--chemistry nmc|lfp]\n"
    "       bench grade FAST.h5 --shelf SHELF.h5 [--rules RULES.ini] [--json]\n"
    "                   [--write]\n"
    "  Grade finished runs: REUSE, REMANUFACTURE or RECYCLE with reasons\n"
    "  (INCOMPLETE for a run aborted by the bench or operator, not\n"
    "  finished, or without a capacity discharge). Default rules: the\n"
    "  built-in copy of fixtures/rules/default.ini.\n"
    "  --json   one JSON object per run file per line\n"
    "  --write  also store the result in the run file as /grade\n"
    "  --csv    lot mode: one CSV row per file; self-discharge judged\n"
    "           against every cell of the lot; lot statistics on stderr\n"
    "  --telemetry URL  publish each grade JSON, retained, to\n"
    "           bench/<bench-id>/grade on that MQTT broker (the run file's\n"
    "           bench id; its pack id for a --sim run without a bench\n"
    "           file); waits up to 10 s for the broker (docs/telemetry.md)\n"
    "  --rated-ah AH, --chemistry nmc|lfp  for imported files (bench\n"
    "           import): the cell's rated capacity (else the one given to\n"
    "           bench import) and the window its full discharges span\n"
    "           (else inferred from the file's voltages); docs/importers.md\n"
    "  --shelf  the same pack's shelf check (shelf-check.txt, a day or\n"
    "           more after the fast run ended): self-discharge from each\n"
    "           cell's change in between (refused for another pack)\n";

/* `--rated-ah`, `--chemistry` of grade and report: for imported files. */
struct imp_given {
	double rated_ah; /* 0: not given */
	const char *chemistry;
};

static int parse_given(int ch, const char *arg, const char *cmd,
		       struct imp_given *ig)
{
	char *end;

	if (ch == 'a') {
		ig->rated_ah = strtod(arg, &end);
		if (end == arg || *end || !isfinite(ig->rated_ah) ||
		    ig->rated_ah <= 0 || ig->rated_ah > 1e5) {
			fprintf(stderr,
				"bench %s: --rated-ah '%s': expected the rated "
				"capacity in Ah, a number above 0 (up to "
				"100000)\n",
				cmd, arg);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(arg, "nmc") && strcasecmp(arg, "lfp")) {
		fprintf(stderr,
			"bench %s: --chemistry '%s': expected nmc or lfp\n",
			cmd, arg);
		return -1;
	}
	ig->chemistry = arg;
	return 0;
}

/* Hand the options to the analysis; a run of ours has its profile's. */
static void apply_given(const char *path, const struct imp_given *ig,
			struct rundata *rd)
{
	bool imported = false;

	for (size_t k = 0; k < rd->n_events && !imported; k++)
		imported = !strcmp(rd->events[k].code, "bench:IMPORT");
	if (!imported) {
		if (ig->rated_ah > 0 || ig->chemistry)
			fprintf(stderr,
				"bench: %s: not an imported file: --rated-ah "
				"and --chemistry are left to its profile\n",
				path);
		return;
	}
	rd->rated_ah_given = ig->rated_ah;
	if (ig->chemistry) {
		for (size_t k = 0;
		     ig->chemistry[k] && k + 1 < sizeof(rd->chem_given); k++)
			rd->chem_given[k] =
			    (char)tolower((unsigned char)ig->chemistry[k]);
	}
}

struct graded {
	const char *path;
	struct pack_result pr;
	int ok;
};

static int load_one(const char *path, const char *shelf_path,
		    const struct rules *r, const struct imp_given *ig,
		    struct pack_result *pr)
{
	struct rd_opts o;
	struct rundata *rd = NULL, *sd = NULL;
	int rc;

	rd_opts_default(&o);
	o.sd_skip_s = r->sd_skip_hours * 3600.0;
	rc = rundata_load(path, &o, &rd);
	if (rc < 0)
		return rc;
	apply_given(path, ig, rd);
	rc = analyze_run(rd, pr);
	if (rc >= 0 && shelf_path)
		rc = rundata_load(shelf_path, &o, &sd);
	if (rc >= 0 && shelf_path)
		rc = analyze_shelf(rd, path, sd, shelf_path, pr);
	rundata_free(sd);
	rundata_free(rd);
	return rc;
}

static void lot_stats(struct graded *gs, int n, struct sd_stats *st)
{
	size_t total = 0, k = 0;
	double *all;

	for (int i = 0; i < n; i++)
		if (gs[i].ok)
			total += gs[i].pr.series;
	all = malloc((total ? total : 1) * sizeof(double));
	if (!all) {
		st->n = 0;
		return;
	}
	for (int i = 0; i < n; i++)
		for (unsigned c = 0; gs[i].ok && c < gs[i].pr.series; c++)
			all[k++] = gs[i].pr.cells[c].sd_mv_per_day;
	sd_stats_of(all, k, st);
	free(all);
}

/* The grade to bench/<bench-id>/grade, as `bench run` names the bench:
 * the bench file's id, the pack id without one (the default id "sim"). */
static int publish_grade(const char *url, const char *path, const char *js)
{
	struct telemetry_cfg tc = {.url = url, .linger_s = -1};
	struct runfile *rf = NULL;
	struct telemetry *t = NULL;
	const struct run_meta *m;
	char id[64];

	TRY(runfile_open(path, &rf));
	m = runfile_meta(rf);
	snprintf(id, sizeof(id), "%s",
		 m->bench_id[0] && strcmp(m->bench_id, "sim") ? m->bench_id
							      : m->pack_id);
	runfile_close(rf);
	tc.bench_id = id;
	TRY(telemetry_start(&tc, &t));
	if (telemetry_grade(t, js) < 0) {
		telemetry_close(t);
		return BENCH_ERR_MEM;
	}
	if (!telemetry_close(t))
		return BENCH_ERR_IO;
	log_info("%s: grade published to bench/%s/grade", path, id);
	return BENCH_OK;
}

static int emit(struct graded *gi, const struct rules *r,
		const struct sd_stats *lot, int json, int csv, int write,
		const char *telemetry)
{
	struct grade_result g;
	int rc = grade_pack(&gi->pr, r, lot, &g);

	if (rc < 0)
		return rc;
	if (json) {
		grade_json_write(stdout, &gi->pr, &g);
		fputc('\n', stdout);
	} else if (csv) {
		grade_csv_row(stdout, gi->path, &gi->pr, &g);
	} else {
		grade_summary_write(stdout, gi->path, &gi->pr, &g);
	}
	if (csv && lot)
		for (unsigned c = 0; c < gi->pr.series; c++)
			if (g.cell_flags[c] & CELL_SELF_DISCHARGE)
				fprintf(
				    stderr,
				    "lot outlier: %s cell %u: %.2f mV/day\n",
				    gi->path, c + 1,
				    gi->pr.cells[c].sd_mv_per_day);
	if (write) {
		char *js = grade_json_string(&gi->pr, &g);

		struct runlock *lock = NULL;

		rc = js ? runlock_acquire(gi->path, &lock) : -1;
		if (rc == BENCH_OK)
			rc = runfile_write_grade(
			    gi->path, js, grade_name(g.grade), g.rules_sha256);
		runlock_release(lock);
		free(js);
	}
	/* the file first: a broker away does not cost the stored grade */
	if (telemetry && rc >= 0) {
		char *js = grade_json_string(&gi->pr, &g);

		rc =
		    js ? publish_grade(telemetry, gi->path, js) : BENCH_ERR_MEM;
		free(js);
	}
	grade_result_release(&g);
	return rc;
}

int cli_grade(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{"rules", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},
		{"write", no_argument, NULL, 'w'},
		{"csv", no_argument, NULL, 'c'},
		{"telemetry", required_argument, NULL, 't'},
		{"shelf", required_argument, NULL, 's'},
		{"rated-ah", required_argument, NULL, 'a'},
		{"chemistry", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	const char *rules_path = NULL, *telemetry = NULL, *shelf_path = NULL;
	int json = 0, write = 0, csv = 0, ch, fail = 0, n;
	struct rules r;
	struct graded *gs;
	struct sd_stats lot;
	struct imp_given ig = {0};

	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:jwct:hs:", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
		case 'C':
			if (parse_given(ch, optarg, "grade", &ig) < 0)
				return 2;
			break;
		case 's':
			shelf_path = optarg;
			break;
		case 'r':
			rules_path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'w':
			write = 1;
			break;
		case 'c':
			csv = 1;
			break;
		case 't':
			telemetry = optarg;
			break;
		case 'h':
			fputs(grade_usage, stdout);
			return 0;
		default:
			fputs(grade_usage, stderr);
			return 2;
		}
	}
	n = argc - optind;
	if (n < 1) {
		fputs(grade_usage, stderr);
		return 2;
	}
	if (shelf_path && (n != 1 || csv)) {
		fputs("bench grade: --shelf SHELF.h5 goes with one FAST.h5 "
		      "(not a lot)\n",
		      stderr);
		return 2;
	}
	if (rules_load(rules_path, &r) < 0)
		return 1;
	gs = calloc((size_t)n, sizeof(*gs));
	if (!gs)
		return 1;
	for (int i = 0; i < n; i++) {
		gs[i].path = argv[optind + i];
		gs[i].ok =
		    load_one(gs[i].path, shelf_path, &r, &ig, &gs[i].pr) >= 0;
		if (!gs[i].ok) {
			fprintf(stderr, "bench grade: %s: cannot be graded\n",
				gs[i].path);
			fail = 1;
		}
	}
	if (csv) {
		lot_stats(gs, n, &lot);
		grade_csv_header(stdout);
		fprintf(stderr,
			"lot: %d files, %zu cells, self-discharge mean "
			"%.3f mV/day, sd %.3f, median %.3f\n",
			n, lot.n, lot.mean, lot.sd, lot.median);
	}
	for (int i = 0; i < n; i++) {
		if (gs[i].ok && emit(&gs[i], &r, csv ? &lot : NULL, json, csv,
				     write, telemetry) < 0)
			fail = 1;
		pack_result_release(&gs[i].pr);
	}
	free(gs);
	return fail;
}

static const char report_usage[] =
    "usage: bench report RUN.h5 -o REPORT.html [--rules RULES.ini]\n"
    "                    [--rated-ah AH] [--chemistry nmc|lfp]\n"
    "  One self-contained HTML file: grade and reasons, passport fields,\n"
    "  inline SVG plots (pack V/I with steps, cell envelope, capacity and\n"
    "  resistance bars with thresholds, dQ/dV), events.\n";

int cli_report(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"rules", required_argument, NULL, 'r'},
		{"rated-ah", required_argument, NULL, 'a'},
		{"chemistry", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	const char *out = NULL, *rules_path = NULL;
	struct imp_given ig = {0};
	struct rules r;
	struct rd_opts o;
	struct rundata *rd = NULL;
	struct pack_result pr = {0};
	struct grade_result g = {0};
	struct outfile of = {0};
	const char *inputs[2] = {NULL, NULL};
	int ch, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:r:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
		case 'C':
			if (parse_given(ch, optarg, "report", &ig) < 0)
				return 2;
			break;
		case 'o':
			out = optarg;
			break;
		case 'r':
			rules_path = optarg;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			fputs(report_usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 1 || !out) {
		fputs(report_usage, stderr);
		return 2;
	}
	inputs[0] = argv[optind];
	inputs[1] = rules_path;
	/* before the work: a refused output costs nothing */
	if (outfile_open(&of, out, inputs, 2, "<!DOCTYPE html>") < 0)
		return 1;
	if (rules_load(rules_path, &r) < 0)
		goto out;
	rd_opts_default(&o);
	o.flags = RD_PLOTS;
	o.sd_skip_s = r.sd_skip_hours * 3600.0;
	if (rundata_load(argv[optind], &o, &rd) < 0)
		goto out;
	apply_given(argv[optind], &ig, rd);
	if (analyze_run(rd, &pr) < 0 || grade_pack(&pr, &r, NULL, &g) < 0)
		goto out;
	if (report_write_html(of.f, rd, &pr, &g, &r) == 0 &&
	    outfile_commit(&of) == BENCH_OK)
		rc = 0;
out:
	outfile_discard(&of);
	grade_result_release(&g);
	pack_result_release(&pr);
	rundata_free(rd);
	return rc;
}

static const char export_usage[] =
    "usage: bench export RUN.h5 --bdf OUT.csv\n"
    "  Battery Data Format CSV of the pack time series (BDF labels,\n"
    "  current positive on charge).\n";

int cli_export(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{"bdf", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	const char *out = NULL;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			out = optarg;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			fputs(export_usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 1 || !out) {
		fputs(export_usage, stderr);
		return 2;
	}
	return bdf_export(argv[optind], out) < 0 ? 1 : 0;
}
