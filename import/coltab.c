/* SPDX-License-Identifier: Apache-2.0 */
/* coltab.c - table-driven parser of one-header-line exports. */
#define LOG_PREFIX "import"
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/coltab.h"

static const char *const field_name[CF_N] = {
    [CF_TEST_TIME] = "test time", [CF_STEP_TIME] = "step time",
    [CF_DATETIME] = "date/time",  [CF_UNIX_TIME] = "unix time",
    [CF_CURRENT] = "current",	  [CF_VOLTAGE] = "voltage",
    [CF_TEMP] = "temperature",	  [CF_CYCLE] = "cycle",
    [CF_STEP] = "step",		  [CF_STATE] = "state",
    [CF_CHG_AH] = "charge Ah",	  [CF_DCHG_AH] = "discharge Ah",
    [CF_CHG_WH] = "charge Wh",	  [CF_DCHG_WH] = "discharge Wh",
    [CF_CAP_AH] = "capacity",	  [CF_ENERGY_WH] = "energy",
    [CF_IR] = "resistance",	  [CF_FREQ] = "frequency",
};

int coltab_find(const struct csvtok *c, const char *norm_name)
{
	char n[128];

	for (size_t i = 0; i < c->n_fields; i++) {
		csvtok_norm(c->field[i], n, sizeof(n));
		if (!strcmp(n, norm_name))
			return (int)i;
	}
	return -1;
}

static int is_header_any(const struct coltab_fmt *fmt, const struct csvtok *c)
{
	for (size_t k = 0; k < fmt->n_cols; k++)
		if ((fmt->cols[k].field == CF_CURRENT ||
		     fmt->cols[k].field == CF_VOLTAGE) &&
		    coltab_find(c, fmt->cols[k].name) >= 0)
			return 1;
	return 0;
}

/* The accepted names of a field, for the "expected" part of a message. */
static void expected(const struct coltab_fmt *fmt, enum coltab_field f,
		     char *out, size_t len)
{
	size_t k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < fmt->n_cols && k + 1 < len; i++) {
		if (fmt->cols[i].field != f)
			continue;
		int w = snprintf(out + k, len - k, "%s'%s'", k ? ", " : "",
				 fmt->cols[i].name);
		if (w < 0 || (size_t)w >= len - k)
			break;
		k += (size_t)w;
	}
}

/* A current column in a unit not known ("I/uA"): not an OCV file. */
static int current_in_other_unit(const struct csvtok *c)
{
	char n[128];

	for (size_t i = 0; i < c->n_fields; i++) {
		csvtok_norm(c->field[i], n, sizeof(n));
		if (!strncmp(n, "i/", 2) || !strncmp(n, "<i>/", 4))
			return 1;
	}
	return 0;
}

int coltab_map(const struct coltab_fmt *fmt, const struct csvtok *c,
	       struct coltab_map *m)
{
	char n[128], want[256];

	for (int f = 0; f < CF_N; f++) {
		m->idx[f] = -1;
		m->scale[f] = 1.0;
	}
	/* EC-Lab ends its header line with a separator its rows lack. */
	m->width = c->n_fields;
	while (m->width > 0 && !c->field[m->width - 1][0])
		m->width--;
	for (size_t i = 0; i < c->n_fields; i++) {
		csvtok_norm(c->field[i], n, sizeof(n));
		for (size_t k = 0; k < fmt->n_cols; k++) {
			const struct coltab_col *col = &fmt->cols[k];

			if (strcmp(n, col->name))
				continue;
			if (m->idx[col->field] >= 0 &&
			    m->scale[col->field] != col->scale) {
				log_err("%s:%lu: mixed units: '%s' and '%s' "
					"both give the %s",
					c->path, c->line,
					c->field[m->idx[col->field]],
					c->field[i], field_name[col->field]);
				return BENCH_ERR_PARSE;
			}
			if (m->idx[col->field] < 0) {
				m->idx[col->field] = (int)i;
				m->scale[col->field] = col->scale;
			}
			break;
		}
	}
	static const enum coltab_field req[] = {CF_CURRENT, CF_VOLTAGE};
	for (size_t k = 0; k < sizeof(req) / sizeof(req[0]); k++) {
		if (m->idx[req[k]] >= 0 ||
		    (req[k] == CF_CURRENT && fmt->no_current_at_rest &&
		     !current_in_other_unit(c)))
			continue;
		expected(fmt, req[k], want, sizeof(want));
		log_err("%s:%lu: no %s column in a unit this importer knows "
			"(expected one of %s)",
			c->path, c->line, field_name[req[k]], want);
		return BENCH_ERR_PARSE;
	}
	if (m->idx[CF_TEST_TIME] < 0 && m->idx[CF_DATETIME] < 0 &&
	    m->idx[CF_UNIX_TIME] < 0 && m->idx[CF_STEP_TIME] < 0) {
		expected(fmt, CF_TEST_TIME, want, sizeof(want));
		log_err("%s:%lu: no test time column (expected one of %s)",
			c->path, c->line, want);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

static int num(const struct csvtok *c, const struct coltab_map *m,
	       enum coltab_field f, double *out)
{
	const char *s;
	int rc;

	*out = NAN;
	if (m->idx[f] < 0)
		return BENCH_OK;
	s = c->field[m->idx[f]];
	if (f == CF_STEP_TIME && !*s && m->idx[CF_TEST_TIME] >= 0)
		return BENCH_OK; /* only a label beside the test time */
	if (f == CF_TEST_TIME || f == CF_STEP_TIME)
		rc = csvtok_duration(c, s, out);
	else if (f == CF_DATETIME && m->idx[CF_TEST_TIME] >= 0 &&
		 csvtok_datetime(s, out) < 0)
		/* Only a label beside the test time: some exports write the
		 * time of day alone. */
		return (*out = NAN, BENCH_OK);
	else if (f == CF_DATETIME)
		rc = csvtok_datetime(s, out);
	else if (!*s && f != CF_CURRENT && f != CF_VOLTAGE)
		return BENCH_OK; /* optional value left empty */
	else
		rc = csvtok_num(c, s, out);
	if (rc < 0) {
		log_err("%s:%lu: %s column %d: '%s' is not a %s", c->path,
			c->line, field_name[f], m->idx[f] + 1, s,
			f == CF_DATETIME ? "date and time" : "number");
		return BENCH_ERR_PARSE;
	}
	if (f != CF_DATETIME)
		*out *= m->scale[f];
	return BENCH_OK;
}

int coltab_row(const struct coltab_fmt *fmt, const struct coltab_map *m,
	       const struct csvtok *c, struct import_row *r)
{
	double v;

	import_row_clear(r);
	r->line = c->line;
	if (c->n_fields < m->width) {
		log_err("%s:%lu: %zu fields where the header has %zu "
			"(truncated file?)",
			c->path, c->line, c->n_fields, m->width);
		return BENCH_ERR_PARSE;
	}
	TRY(num(c, m, CF_TEST_TIME, &r->test_time_s));
	TRY(num(c, m, CF_STEP_TIME, &r->step_time_s));
	TRY(num(c, m, CF_DATETIME, &r->unix_time_s));
	if (m->idx[CF_UNIX_TIME] >= 0)
		TRY(num(c, m, CF_UNIX_TIME, &r->unix_time_s));
	TRY(num(c, m, CF_CURRENT, &r->current_A));
	if (m->idx[CF_CURRENT] < 0) { /* no_current_at_rest */
		r->current_A = 0.0;
		r->kind = IMPORT_KIND_REST;
	}
	TRY(num(c, m, CF_VOLTAGE, &r->voltage_V));
	TRY(num(c, m, CF_TEMP, &r->temperature_C));
	TRY(num(c, m, CF_CYCLE, &v));
	r->cycle = isnan(v) ? -1 : (long)v;
	TRY(num(c, m, CF_STEP, &v));
	r->step = isnan(v) ? -1 : (long)v;
	if (r->cycle < -1 || r->step < -1 || r->cycle > 1000000000L ||
	    r->step > 1000000000L) {
		log_err("%s:%lu: negative or huge cycle or step number",
			c->path, c->line);
		return BENCH_ERR_PARSE;
	}
	if (m->idx[CF_STATE] >= 0 && fmt->kind) {
		r->kind = fmt->kind(c->field[m->idx[CF_STATE]]);
		if (r->kind == IMPORT_KIND_UNKNOWN && fmt->current_unsigned) {
			log_err("%s:%lu: unknown state '%s'", c->path, c->line,
				c->field[m->idx[CF_STATE]]);
			return BENCH_ERR_PARSE;
		}
	}
	if (fmt->current_unsigned || r->kind == IMPORT_KIND_CHARGE ||
	    r->kind == IMPORT_KIND_DISCHARGE) {
		/* Sign from the state where the file has one. */
		double a = fabs(r->current_A);

		if (r->kind == IMPORT_KIND_DISCHARGE)
			r->current_A = -a;
		else if (r->kind == IMPORT_KIND_CHARGE)
			r->current_A = a;
	}
	TRY(num(c, m, CF_CHG_AH, &r->chg_Ah));
	TRY(num(c, m, CF_DCHG_AH, &r->dchg_Ah));
	TRY(num(c, m, CF_CHG_WH, &r->chg_Wh));
	TRY(num(c, m, CF_DCHG_WH, &r->dchg_Wh));
	TRY(num(c, m, CF_CAP_AH, &v));
	if (!isnan(v) && r->kind == IMPORT_KIND_CHARGE)
		r->chg_Ah = fabs(v);
	else if (!isnan(v) && r->kind == IMPORT_KIND_DISCHARGE)
		r->dchg_Ah = fabs(v);
	TRY(num(c, m, CF_ENERGY_WH, &v));
	if (!isnan(v) && r->kind == IMPORT_KIND_CHARGE)
		r->chg_Wh = fabs(v);
	else if (!isnan(v) && r->kind == IMPORT_KIND_DISCHARGE)
		r->dchg_Wh = fabs(v);
	TRY(num(c, m, CF_IR, &r->resistance_ohm));
	return BENCH_OK;
}

void coltab_steptime(struct coltab_steptime *st, struct import_row *r,
		     double step_time_s)
{
	/* A new step starts where the numbers change or the step clock
	 * restarts; the steps follow each other without a gap. */
	if (st->started &&
	    (r->cycle != st->last_cycle || r->step != st->last_step ||
	     step_time_s < st->last_step_s))
		st->offset_s += st->last_step_s;
	st->started = 1;
	st->last_cycle = r->cycle;
	st->last_step = r->step;
	st->last_step_s = step_time_s;
	r->test_time_s = st->offset_s + step_time_s;
}

int coltab_parse(const struct coltab_fmt *fmt, const char *path,
		 struct import_info *info, import_row_fn fn, void *ctx)
{
	struct csvtok c;
	struct coltab_map m;
	struct import_row r;
	struct coltab_steptime st = {0};
	double t0_unix = NAN;
	int rc, have_header = 0;
	char line[1024];

	TRY(csvtok_open(&c, path));
	while ((rc = csvtok_next(&c)) > 0) {
		if (!have_header) {
			if (c.line > fmt->max_preamble) {
				log_err("%s:%lu: no column header with a "
					"current and a voltage column this "
					"format knows in the first %lu lines",
					path, c.line - 1, fmt->max_preamble);
				rc = BENCH_ERR_PARSE;
				break;
			}
			/* The preamble reads the whole line: splitting cuts
			 * it at the first separator. */
			snprintf(line, sizeof(line), "%s", c.buf);
			csvtok_guess_sep(&c, c.buf);
			if ((rc = csvtok_split(&c)) < 0)
				break;
			if (!(fmt->is_header ? fmt->is_header(&c)
					     : is_header_any(fmt, &c))) {
				if (fmt->preamble)
					fmt->preamble(line, info);
				continue;
			}
			if ((rc = coltab_map(fmt, &c, &m)) < 0)
				break;
			info->has_cycle = m.idx[CF_CYCLE] >= 0;
			info->has_step = m.idx[CF_STEP] >= 0;
			info->has_temperature = m.idx[CF_TEMP] >= 0;
			have_header = 1;
			continue;
		}
		if (c.len == 0)
			continue;
		if ((rc = csvtok_split(&c)) < 0)
			break;
		if ((rc = coltab_row(fmt, &m, &c, &r)) < 0)
			break;
		if (m.idx[CF_FREQ] >= 0) {
			double f;

			if ((rc = num(&c, &m, CF_FREQ, &f)) < 0)
				break;
			/* As biologic_mpr: PEIS/GEIS points are not charge. */
			if (f > 0) {
				snprintf(info->skipped_why,
					 sizeof(info->skipped_why),
					 "impedance rows (freq > 0): not "
					 "charge");
				info->skipped_rows++;
				continue;
			}
		}
		if (m.idx[CF_TEST_TIME] < 0 && m.idx[CF_STEP_TIME] >= 0) {
			coltab_steptime(&st, &r, r.step_time_s);
		} else if (m.idx[CF_TEST_TIME] < 0) {
			/* Test time from the clock column (BDF/NREL without
			 * one, some Arbin exports). */
			if (isnan(t0_unix))
				t0_unix = r.unix_time_s;
			r.test_time_s = r.unix_time_s - t0_unix;
		}
		if ((rc = fn(ctx, &r)) < 0)
			break;
	}
	if (rc == 0 && !have_header) {
		log_err("%s:%lu: no column header found (expected one with "
			"time, current and voltage)",
			path, c.line);
		rc = BENCH_ERR_PARSE;
	}
	csvtok_close(&c);
	return rc < 0 ? rc : BENCH_OK;
}
