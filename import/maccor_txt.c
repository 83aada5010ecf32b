/* SPDX-License-Identifier: Apache-2.0 */
/* maccor_txt.c - Maccor text export (docs/importers.md).
 *
 * A first line "Today's Date ... Date of Test: ... Filename: ...
 * Procedure: ...", then a tab-separated header (Rec#, Cyc#, Step,
 * Test (Sec), Step (Sec), Amp-hr, Watt-hr, Amps, Volts, State, ES,
 * DPt Time, DCIR/Ohms, Temp 1). Amps are unsigned: State C is charge, D
 * discharge, R rest, O and S other. Amp-hr and Watt-hr count the current
 * charge or discharge.
 *
 * The other export ("Name:", "Channel:", "Started" lines, then Rec, Cycle
 * P, Cycle C, Step, TestTime, StepTime, Cap. [Ah], Ener. [Wh],
 * Current [A], Voltage [V], Md, ES, DPT Time) gives its times in minutes
 * without saying so: its table scales them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "import/coltab.h"
#include "import/csvtok.h"
#include "import/formats.h"

/* clang-format off */
static const struct coltab_col maccor_cols[] = {
	{"test(sec)",       CF_TEST_TIME, 1},
	{"testtime(sec)",   CF_TEST_TIME, 1},
	{"test(min)",       CF_TEST_TIME, 60},
	{"step(sec)",       CF_STEP_TIME, 1},
	{"step(min)",       CF_STEP_TIME, 60},
	{"dpttime",         CF_DATETIME,  1},
	{"cyc#",            CF_CYCLE,     1},
	{"step",            CF_STEP,      1},
	{"amps",            CF_CURRENT,   1},
	{"current(a)",      CF_CURRENT,   1},
	{"volts",           CF_VOLTAGE,   1},
	{"voltage(v)",      CF_VOLTAGE,   1},
	{"state",           CF_STATE,     1},
	{"md",              CF_STATE,     1},
	{"amp-hr",          CF_CAP_AH,    1},
	{"watt-hr",         CF_ENERGY_WH, 1},
	{"dcir/ohms",       CF_IR,        1},
	{"temp1",           CF_TEMP,      1},
};
/* clang-format on */

/* clang-format off */
static const struct coltab_col named_cols[] = {
	{"testtime",        CF_TEST_TIME, 60},
	{"steptime",        CF_STEP_TIME, 60},
	{"dpttime",         CF_DATETIME,  1},
	{"cyclec",          CF_CYCLE,     1},
	{"step",            CF_STEP,      1},
	{"current[a]",      CF_CURRENT,   1},
	{"voltage[v]",      CF_VOLTAGE,   1},
	{"md",              CF_STATE,     1},
	{"cap.[ah]",        CF_CAP_AH,    1},
	{"ener.[wh]",       CF_ENERGY_WH, 1},
};
/* clang-format on */

static enum import_kind maccor_kind(const char *s)
{
	switch (s[0]) {
	case 'C':
		return IMPORT_KIND_CHARGE;
	case 'D':
		return IMPORT_KIND_DISCHARGE;
	case 'R':
		return IMPORT_KIND_REST;
	case 'O':
	case 'S':
	case 'F': /* FRA: an impedance sweep */
	case 'P': /* paused */
		return IMPORT_KIND_OTHER;
	default:
		return IMPORT_KIND_UNKNOWN;
	}
}

static void maccor_preamble(const char *line, struct import_info *info)
{
	const char *p = strstr(line, "Date of Test:");
	double t;

	snprintf(info->instrument, sizeof(info->instrument), "Maccor");
	if (p)
		p += strlen("Date of Test:");
	else if (!strncmp(line, "Started\t", 8))
		p = line + 8;
	else
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	if (csvtok_datetime(p, &t) == 0) {
		time_t tt = (time_t)t;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(info->start_time_utc, sizeof(info->start_time_utc),
			 "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}

static int maccor_is_header(const struct csvtok *c)
{
	return coltab_find(c, "rec#") >= 0 && coltab_find(c, "cyc#") >= 0;
}

static int named_is_header(const struct csvtok *c)
{
	return coltab_find(c, "rec") >= 0 && coltab_find(c, "md") >= 0;
}

static const struct coltab_fmt named_fmt = {
    .cols = named_cols,
    .n_cols = sizeof(named_cols) / sizeof(named_cols[0]),
    .is_header = named_is_header,
    .preamble = maccor_preamble,
    .kind = maccor_kind,
    .max_preamble = 20,
    .current_unsigned = 1,
};

static int named_export(const char *head)
{
	return !strncmp(head, "Name:", 5) && import_has(head, "Cycle C") &&
	       import_has(head, "Cap. [Ah]");
}

static const struct coltab_fmt maccor_fmt = {
    .cols = maccor_cols,
    .n_cols = sizeof(maccor_cols) / sizeof(maccor_cols[0]),
    .is_header = maccor_is_header,
    .preamble = maccor_preamble,
    .kind = maccor_kind,
    .max_preamble = 20,
    .current_unsigned = 1,
};

int maccor_txt_detect(const char *head, size_t n)
{
	(void)n; /* a text header: head is a string */
	int hdr = import_has(head, "Rec#") && import_has(head, "Cyc#");

	if (hdr && import_has(head, "Today's Date"))
		return 10;
	if (named_export(head))
		return 9;
	return hdr ? 8 : 0;
}

int maccor_txt_parse(const char *path, struct import_info *info,
		     import_row_fn fn, void *ctx)
{
	char head[IMPORT_HEAD_BYTES + 1] = "";
	FILE *f = fopen(path, "rb");

	if (f) {
		size_t n = fread(head, 1, sizeof(head) - 1, f);

		head[n] = '\0';
		fclose(f);
	}
	return coltab_parse(named_export(head) ? &named_fmt : &maccor_fmt, path,
			    info, fn, ctx);
}
