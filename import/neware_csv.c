/* SPDX-License-Identifier: Apache-2.0 */
/* neware_csv.c - Neware BTS CSV exports (docs/importers.md).
 *
 * Two layouts. The "regular" export of BTS 7 nests three header lines:
 *   Cycle ID,Cap_Chg(mAh),Cap_DChg(mAh),...             one row per cycle
 *   ,Step ID,Step Name,Step Time(h:min:s.ms),Capacity(mAh),...  per step
 *   ,,Record ID,Time(h:min:s.ms),Voltage(V),Current(mA),...     per record
 * and the rows follow in that nesting; a record's time is its step's time.
 * The flat record export of BTS 8 has one header (DataPoint, Cycle Index,
 * Step Index, Step Type, Time, Total Time, Current(A), Voltage(V),
 * Capacity(Ah), Chg. Cap.(Ah), ...). Capacity and energy count the step;
 * the current's sign is taken from the step type (Chg, DChg, Rest), which
 * both layouts carry.
 */
#define LOG_PREFIX "import"
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/coltab.h"
#include "import/csvtok.h"
#include "import/formats.h"

/* clang-format off */
static const struct coltab_col neware_cols[] = {
	{"totaltime",            CF_TEST_TIME, 1},
	{"totaltime(h:min:s.ms)",CF_TEST_TIME, 1},
	{"cumulativetime",       CF_TEST_TIME, 1},
	{"time",                 CF_STEP_TIME, 1},
	{"time(h:min:s.ms)",     CF_STEP_TIME, 1},
	{"realtime",             CF_DATETIME,  1},
	{"date",                 CF_DATETIME,  1},
	{"cycleindex",           CF_CYCLE,     1},
	{"cycleid",              CF_CYCLE,     1},
	{"stepindex",            CF_STEP,      1},
	{"stepid",               CF_STEP,      1},
	{"steptype",             CF_STATE,     1},
	{"stepname",             CF_STATE,     1},
	{"current(a)",           CF_CURRENT,   1},
	{"current(ma)",          CF_CURRENT,   1e-3},
	{"voltage(v)",           CF_VOLTAGE,   1},
	{"voltage(mv)",          CF_VOLTAGE,   1e-3},
	{"temperature(c)",       CF_TEMP,      1},
	{"t1(c)",                CF_TEMP,      1},
	{"capacity(ah)",         CF_CAP_AH,    1},
	{"capacity(mah)",        CF_CAP_AH,    1e-3},
	{"energy(wh)",           CF_ENERGY_WH, 1},
	{"energy(mwh)",          CF_ENERGY_WH, 1e-3},
	{"chg.cap.(ah)",         CF_CHG_AH,    1},
	{"dchg.cap.(ah)",        CF_DCHG_AH,   1},
	{"chg.energy(wh)",       CF_CHG_WH,    1},
	{"dchg.energy(wh)",      CF_DCHG_WH,   1},
	{"capacitancechg(mah)",  CF_CHG_AH,    1e-3},
	{"capacitancedchg(mah)", CF_DCHG_AH,   1e-3},
	{"engychg(mwh)",         CF_CHG_WH,    1e-3},
	{"engydchg(mwh)",        CF_DCHG_WH,   1e-3},
	{"dcir(o)",              CF_IR,        1},
	{"dcir(mo)",             CF_IR,        1e-3},
};
/* clang-format on */

static enum import_kind neware_kind(const char *s)
{
	if (import_has(s, "dchg") || import_has(s, "discharge"))
		return IMPORT_KIND_DISCHARGE;
	if (import_has(s, "chg") || import_has(s, "charge"))
		return IMPORT_KIND_CHARGE;
	if (import_has(s, "rest"))
		return IMPORT_KIND_REST;
	return s[0] ? IMPORT_KIND_OTHER : IMPORT_KIND_UNKNOWN;
}

static const struct coltab_fmt neware_fmt = {
    .cols = neware_cols,
    .n_cols = sizeof(neware_cols) / sizeof(neware_cols[0]),
    .kind = neware_kind,
    .max_preamble = 3,
};

static int nested(const char *head)
{
	const char *nl = strchr(head, '\n');

	/* BTS 7 says "Cycle ID", "Step ID"; BTS 8 "Cycle Index", "Step
	 * Index". */
	return (!strncmp(head, "Cycle ID", 8) ||
		!strncmp(head, "Cycle Index", 11)) &&
	       nl && (nl[1] == ',' || nl[1] == '\t') &&
	       !strncmp(nl + 2, "Step I", 6);
}

int neware_csv_detect(const char *head, size_t n)
{
	(void)n; /* a text header: head is a string */
	const char *p = head;

	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	if (nested(p))
		return 10;
	if (import_has(p, "Step Type") &&
	    (import_has(p, "Total Time") || import_has(p, "Cumulative Time")) &&
	    (import_has(p, "DataPoint") || import_has(p, "Record ID")))
		return 9;
	return 0;
}

static double counter(const struct csvtok *c, const struct coltab_map *m,
		      enum coltab_field f)
{
	double v;

	if (m->idx[f] < 0 || csvtok_num(c, c->field[m->idx[f]], &v) < 0)
		return NAN;
	return v;
}

/* The nested layout: cycle and step rows set the context of the records
 * below them. */
static int parse_nested(struct csvtok *c, struct import_info *info,
			import_row_fn fn, void *ctx)
{
	struct coltab_map m;
	struct import_row r;
	struct coltab_steptime st = {0};
	long cycle = -1, step = -1;
	enum import_kind kind = IMPORT_KIND_UNKNOWN;
	int rc, step_name = -1;
	size_t cycle_width = 0;

	/* Three header lines; their separator is that of the first. */
	for (int h = 0; h < 3; h++) {
		if ((rc = csvtok_next(c)) <= 0) {
			log_err("%s:%lu: truncated file: expected the %s "
				"header line",
				c->path, c->line + 1,
				h == 0	 ? "cycle"
				: h == 1 ? "step"
					 : "record");
			return rc < 0 ? rc : BENCH_ERR_PARSE;
		}
		if (h == 0)
			csvtok_guess_sep(c, c->buf);
		TRY(csvtok_split(c));
		if (h == 0)
			cycle_width = c->n_fields;
		if (h == 1) {
			step_name = coltab_find(c, "stepname");
			if (step_name < 0)
				step_name = coltab_find(c, "steptype");
			if ((coltab_find(c, "stepid") != 1 &&
			     coltab_find(c, "stepindex") != 1) ||
			    step_name < 0) {
				log_err("%s:%lu: expected ',Step ID,Step "
					"Name,...' (the step header)",
					c->path, c->line);
				return BENCH_ERR_PARSE;
			}
		}
		if (h == 2) {
			if (coltab_find(c, "recordid") != 2 &&
			    coltab_find(c, "datapoint") != 2) {
				log_err("%s:%lu: expected ',,Record ID,...' "
					"(the record header)",
					c->path, c->line);
				return BENCH_ERR_PARSE;
			}
			TRY(coltab_map(&neware_fmt, c, &m));
		}
	}
	info->has_cycle = info->has_step = 1;
	info->has_temperature = m.idx[CF_TEMP] >= 0;
	while ((rc = csvtok_next(c)) > 0) {
		double v;
		size_t off;

		if (c->len == 0)
			continue;
		TRY(csvtok_split(c));
		if (c->field[0][0]) { /* a cycle row */
			if (csvtok_num(c, c->field[0], &v) < 0 || v < 0 ||
			    v > 1e9) {
				log_err("%s:%lu: cycle ID '%s' is not a "
					"number",
					c->path, c->line, c->field[0]);
				return BENCH_ERR_PARSE;
			}
			cycle = (long)v;
			/* BTS 8 goes on with the cycle's first step row on
			 * the same line, its leading empty field left out. */
			if (c->n_fields <= cycle_width)
				continue;
			off = cycle_width - 1;
		} else {
			off = 0;
		}
		if (off || (c->n_fields > 1 && c->field[1][0])) { /* a step */
			if (csvtok_num(c, c->field[off + 1], &v) < 0 || v < 0 ||
			    v > 1e9 || off + (size_t)step_name >= c->n_fields) {
				log_err("%s:%lu: expected a step row (Step "
					"ID, Step Name, ...)",
					c->path, c->line);
				return BENCH_ERR_PARSE;
			}
			step = (long)v;
			kind = neware_kind(c->field[off + (size_t)step_name]);
			continue;
		}
		if (cycle < 0 || step < 0) {
			log_err("%s:%lu: a record before its cycle and step "
				"rows",
				c->path, c->line);
			return BENCH_ERR_PARSE;
		}
		TRY(coltab_row(&neware_fmt, &m, c, &r));
		r.cycle = cycle;
		r.step = step;
		r.kind = kind;
		if (kind == IMPORT_KIND_DISCHARGE)
			r.current_A = -fabs(r.current_A);
		else if (kind == IMPORT_KIND_CHARGE)
			r.current_A = fabs(r.current_A);
		/* coltab_row checked these but had no kind to place them. */
		v = counter(c, &m, CF_CAP_AH);
		if (!isnan(v) && kind == IMPORT_KIND_CHARGE)
			r.chg_Ah = fabs(v) * m.scale[CF_CAP_AH];
		else if (!isnan(v) && kind == IMPORT_KIND_DISCHARGE)
			r.dchg_Ah = fabs(v) * m.scale[CF_CAP_AH];
		v = counter(c, &m, CF_ENERGY_WH);
		if (!isnan(v) && kind == IMPORT_KIND_CHARGE)
			r.chg_Wh = fabs(v) * m.scale[CF_ENERGY_WH];
		else if (!isnan(v) && kind == IMPORT_KIND_DISCHARGE)
			r.dchg_Wh = fabs(v) * m.scale[CF_ENERGY_WH];
		if (m.idx[CF_TEST_TIME] < 0)
			coltab_steptime(&st, &r, r.step_time_s);
		TRY(fn(ctx, &r));
	}
	return rc < 0 ? rc : BENCH_OK;
}

int neware_csv_parse(const char *path, struct import_info *info,
		     import_row_fn fn, void *ctx)
{
	struct csvtok c;
	char head[IMPORT_HEAD_BYTES + 1] = "";
	FILE *f;
	int rc;

	snprintf(info->instrument, sizeof(info->instrument), "Neware BTS");
	/* Which layout: the first two lines decide. */
	f = fopen(path, "rb");
	if (f) {
		size_t n = fread(head, 1, sizeof(head) - 1, f);

		head[n] = '\0';
		fclose(f);
	}
	if (!nested(head + (strncmp(head, "\xEF\xBB\xBF", 3) ? 0 : 3)))
		return coltab_parse(&neware_fmt, path, info, fn, ctx);
	TRY(csvtok_open(&c, path));
	rc = parse_nested(&c, info, fn, ctx);
	csvtok_close(&c);
	return rc;
}
