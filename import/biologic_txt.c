/* SPDX-License-Identifier: Apache-2.0 */
/* biologic_txt.c - BioLogic EC-Lab text export, .mpt (docs/importers.md).
 *
 * "EC-Lab ASCII FILE", "Nb header lines : N", a preamble naming the
 * software and the start of the acquisition, then a tab-separated header
 * (time/s, Ewe/V, I/mA, cycle number, Ns, Q charge/mA.h, ...). A European
 * export writes decimal commas. I is positive on oxidation of the working
 * electrode: charge for a cell wired with its positive as working electrode,
 * the usual battery set-up.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "import/coltab.h"
#include "import/csvtok.h"
#include "import/formats.h"

/* clang-format off */
static const struct coltab_col biologic_cols[] = {
	{"time/s",              CF_TEST_TIME, 1},
	{"i/ma",                CF_CURRENT,   1e-3},
	{"<i>/ma",              CF_CURRENT,   1e-3},
	{"i/a",                 CF_CURRENT,   1},
	{"<i>/a",               CF_CURRENT,   1},
	{"ewe/v",               CF_VOLTAGE,   1},
	{"<ewe>/v",             CF_VOLTAGE,   1},
	{"<ewe/v>",             CF_VOLTAGE,   1},
	{"ecell/v",             CF_VOLTAGE,   1},
	{"ewe/mv",              CF_VOLTAGE,   1e-3},
	{"cyclenumber",         CF_CYCLE,     1},
	{"ns",                  CF_STEP,      1},
	{"temperature/c",       CF_TEMP,      1},
	{"qcharge/ma.h",        CF_CHG_AH,    1e-3},
	{"qdischarge/ma.h",     CF_DCHG_AH,   1e-3},
	{"energycharge/w.h",    CF_CHG_WH,    1},
	{"energydischarge/w.h", CF_DCHG_WH,   1},
	{"r/ohm",               CF_IR,        1},
	{"freq/hz",             CF_FREQ,      1},
};
/* clang-format on */

static void biologic_preamble(const char *line, struct import_info *info)
{
	const char *p;

	if ((p = strstr(line, "EC-Lab")) && strstr(line, " v") &&
	    !info->software[0])
		snprintf(info->software, sizeof(info->software), "%s", p);
	if ((p = strstr(line, "Device :")) || (p = strstr(line, "Device:")))
		snprintf(info->instrument, sizeof(info->instrument),
			 "BioLogic%s", strchr(p, ':') + 1);
	if ((p = strstr(line, "Acquisition started on :"))) {
		double t;

		if (csvtok_datetime(strchr(p, ':') + 2, &t) == 0) {
			time_t tt = (time_t)t;
			struct tm tm;

			gmtime_r(&tt, &tm);
			strftime(info->start_time_utc,
				 sizeof(info->start_time_utc),
				 "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
	}
}

static int biologic_is_header(const struct csvtok *c)
{
	return coltab_find(c, "time/s") >= 0;
}

static const struct coltab_fmt biologic_fmt = {
    .cols = biologic_cols,
    .n_cols = sizeof(biologic_cols) / sizeof(biologic_cols[0]),
    .is_header = biologic_is_header,
    .preamble = biologic_preamble,
    .max_preamble = 400,
    .no_current_at_rest = 1,
};

int biologic_txt_detect(const char *head, size_t n)
{
	(void)n; /* a text header: head is a string */
	if (!strncmp(head, "EC-Lab ASCII FILE", 17))
		return 10;
	return import_has(head, "time/s") && import_has(head, "Ewe/V") ? 5 : 0;
}

int biologic_txt_parse(const char *path, struct import_info *info,
		       import_row_fn fn, void *ctx)
{
	return coltab_parse(&biologic_fmt, path, info, fn, ctx);
}
