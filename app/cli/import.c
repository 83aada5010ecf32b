/* SPDX-License-Identifier: Apache-2.0 */
/* import.c - `bench import`: another cycler's export into a run file. */
#define LOG_PREFIX "import"
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/log.h"
#include "import/import.h"
#include "import/import_write.h"

static const char import_usage[] =
    "usage: bench import FILE [--format NAME] [--rated-ah X] -o RUN.h5\n"
    "  Read a cycler's export into a bench-run/1 run file "
    "(docs/importers.md).\n"
    "  The format is detected from the content; --format forces one:\n"
    "  neware_csv, arbin_csv, biologic_txt, maccor_txt, bdf_csv,\n"
    "  biologic_mpr, neware_nda, neware_ndax, arbin_res.\n"
    "  --rated-ah X  the cell's rated capacity (Ah), for grading\n"
    "  RUN.h5 must not exist; nothing is written when the file is refused.\n";

int cli_import(int argc, char **argv)
{
	/* clang-format off */
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"rated-ah", required_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	struct import_opts o = {0};
	struct import_result res;
	const char *out = NULL;
	char *end;
	int ch;

	/* zlib allocates and frees its state (about 270 kB) for every chunk
	 * it compresses: keep such blocks in the heap rather than mapping
	 * and unmapping them, which page-faulted a quarter of the writer's
	 * time away. A few MB at most stay reserved. */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:r:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o.fmt = import_format_by_name(optarg);
			if (!o.fmt) {
				log_err("unknown format '%s' (neware_csv, "
					"arbin_csv, biologic_txt, maccor_txt, "
					"bdf_csv, biologic_mpr, neware_nda, "
					"neware_ndax, arbin_res)",
					optarg);
				return 2;
			}
			break;
		case 'r':
			o.rated_Ah = strtod(optarg, &end);
			if (end == optarg || *end || !isfinite(o.rated_Ah) ||
			    o.rated_Ah <= 0 || o.rated_Ah > 1e5) {
				log_err("--rated-ah '%s': expected a capacity "
					"in Ah above 0",
					optarg);
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return 0;
		default:
			fputs(import_usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 1 || !out) {
		fputs(import_usage, stderr);
		return 2;
	}
	if (import_file(argv[optind], out, &o, &res) < 0)
		return 1;
	printf("%s: %s, %zu rows, %zu steps -> %s\n", argv[optind],
	       res.fmt->name, res.rows, res.steps, out);
	if (res.skipped_rows)
		printf("left out %lu rows (see the bench:IMPORT events)\n",
		       res.skipped_rows);
	if (res.counter_checks)
		printf("instrument counters: %zu step totals checked, largest "
		       "difference %.3f %%%s\n",
		       res.counter_checks, 100 * res.counter_max_dev,
		       res.counter_warnings ? " (see bench:IMPORT_CHECK events)"
					    : "");
	if (res.counter_unresolved)
		printf("of them %zu pulse or profile steps: their rows do not "
		       "follow the current between them; the instrument's "
		       "count is kept as their charge and energy\n",
		       res.counter_unresolved);
	return 0;
}
