/* SPDX-License-Identifier: Apache-2.0 */
/* neware_ndax.c - Neware BTS 8 archive, .ndax (docs/importers.md).
 *
 * A zip archive: VersionInfo.xml (the software), Step.xml, TestInfo.xml and
 * .ndc files of 4096-byte pages (file type at byte 0, version at byte 2; a
 * 4096-byte header page, then records between byte 132 and a tail of each
 * page). data.ndc holds voltage and current of every record;
 * data_runInfo.ndc time, counters and Unix time of some of them (by record
 * index) with a step count; data_step.ndc the cycle, step and step type of
 * each step; data_AUX_*.ndc a temperature per record. The four are read
 * side by side as streams, never whole.
 */
#define LOG_PREFIX "import"
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/binrd.h"
#include "import/formats.h"
#include "import/neware_tab.h"
#include "import/ziparc.h"

#define NDC_PAGE 4096
#define NDC_REC_START 132

enum { NDC_DATA = 1, NDC_AUX = 5, NDC_STEP = 7, NDC_RUN = 18 };

/* Record size, page tail and units of each file type and version read
 * (docs/importers.md). Versions 11 and 16 keep voltage in 0.1 mV, current
 * in mA and runInfo's counters in mAs and mWs; 14 and 17 in V, A, Ah and
 * Wh. An aux record of 16 is a channel byte (0 in an empty slot), a
 * voltage and the temperature in 0.1 degC at byte 5; of 14 and 17 one
 * float. Version 11's aux channel has two record forms: not read. */
struct ndc_fmt {
	unsigned type, version;
	size_t rec, tail;
	double per_V, per_A; /* data: raw units per V and per A */
	double per_Ah;	     /* runInfo: raw units per Ah (and per Wh) */
	int aux_deci;	     /* aux: the int16 form */
};

/* clang-format off */
static const struct ndc_fmt ndc_fmts[] = {
	{NDC_DATA, 11, 8,   4,  1e4, 1e3, 0,     0},
	{NDC_DATA, 14, 8,   4,  1,   1,   0,     0},
	{NDC_DATA, 16, 8,   4,  1e4, 1e3, 0,     0},
	{NDC_DATA, 17, 8,   4,  1,   1,   0,     0},
	{NDC_AUX,  14, 4,   4,  0,   0,   0,     0},
	{NDC_AUX,  16, 7,   2,  0,   0,   0,     1},
	{NDC_AUX,  17, 4,   4,  0,   0,   0,     0},
	{NDC_STEP, 11, 37,  5,  0,   0,   0,     0},
	{NDC_STEP, 14, 37,  5,  0,   0,   0,     0},
	{NDC_STEP, 16, 100, 64, 0,   0,   0,     0},
	{NDC_STEP, 17, 100, 64, 0,   0,   0,     0},
	{NDC_RUN,  11, 47,  16, 0,   0,   3.6e6, 0},
	{NDC_RUN,  14, 55,  4,  0,   0,   1,     0},
	{NDC_RUN,  16, 100, 64, 0,   0,   3.6e6, 0},
	{NDC_RUN,  17, 100, 64, 0,   0,   1,     0},
};
/* clang-format on */

/* One .ndc entry read page by page. */
struct ndc {
	struct zipent *e;
	const char *path;
	char name[64];
	unsigned version;
	const struct ndc_fmt *fmt;
	unsigned char page[NDC_PAGE];
	size_t pos;	       /* next record in the page */
	unsigned long page_no; /* from 0: the header page */
	unsigned long rec_no;  /* records read, from 1 */
	int eof;
};

/* A data_runInfo.ndc record: raw clock and counters of one data record. */
struct ndax_run {
	uint32_t index;
	double t_s, unix_s, chg_Ah, dchg_Ah, chg_Wh, dchg_Wh;
	int32_t step_raw;
	unsigned long step_no; /* the step count: each change of step_raw */
};

struct ndax {
	const char *path;
	struct ziparc *a;
	struct ndc data, run, step, aux;
	int have_aux;
	struct ndax_run prev, next;
	int have_prev, have_next;
	double rate_s; /* seconds per record in prev's step; NaN: unknown */
	unsigned long rate_step;
	/* The step the rows are in (data_step.ndc). */
	unsigned long step_no;
	long cycle, step_index;
	enum import_kind kind;
	struct neware_clock clk;
};

int neware_ndax_detect(const char *head, size_t n)
{
	static const char *const names[] = {"VersionInfo.xml", "data.ndc",
					    "TestInfo.xml", "Step.xml"};

	if (n < 30 || memcmp(head, "PK\x03\x04", 4))
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (memmem(head, n, names[i], strlen(names[i])))
			return 20;
	return 0;
}

/* Fill buf from the entry: BENCH_ERR_PARSE when it ends part way. */
static int ndc_fill(struct ndc *c, unsigned char *buf, size_t n, int *end)
{
	size_t have = 0;

	*end = 0;
	while (have < n) {
		size_t got;

		TRY(zipent_read(c->e, buf + have, n - have, &got));
		if (!got)
			break;
		have += got;
	}
	if (have == 0 && c->page_no > 0) {
		*end = 1;
		return BENCH_OK;
	}
	if (have < n) {
		log_err("%s: '%s': offset %lu: truncated entry: page %lu needs "
			"%d bytes, has %zu",
			c->path, c->name, c->page_no * NDC_PAGE, c->page_no,
			NDC_PAGE, have);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

/* optional: an aux channel of another version is left out with a warning
 * (1), the data read without it. */
static int ndc_open(struct ndax *x, struct ndc *c, const char *name,
		    unsigned type, int optional)
{
	uint64_t size;
	int end;

	memset(c, 0, sizeof(*c));
	c->path = x->path;
	snprintf(c->name, sizeof(c->name), "%s", name);
	TRY(ziparc_entry(x->a, name, &c->e, &size));
	TRY(ndc_fill(c, c->page, NDC_PAGE, &end));
	c->version = c->page[2];
	for (size_t i = 0; i < sizeof(ndc_fmts) / sizeof(ndc_fmts[0]); i++)
		if (ndc_fmts[i].type == c->page[0] &&
		    ndc_fmts[i].version == c->version)
			c->fmt = &ndc_fmts[i];
	if (optional && (!c->fmt || c->page[0] != type)) {
		log_warn("%s: '%s': .ndc file type %u version %u: aux channel "
			 "not read (no temperature)",
			 x->path, name, c->page[0], c->version);
		zipent_close(c->e);
		c->e = NULL;
		return 1;
	}
	if (!c->fmt || c->page[0] != type) {
		log_err("%s: '%s': offset 0: .ndc file type %u version %u: "
			"this version reads file type %u versions 11, 14, 16 "
			"and 17",
			x->path, name, c->page[0], c->version, type);
		return BENCH_ERR_PARSE;
	}
	c->pos = NDC_PAGE; /* the header page is read: start on the next */
	return BENCH_OK;
}

/* The next record's bytes, *rec NULL at the end of the entry. */
static int ndc_next(struct ndc *c, const unsigned char **rec)
{
	*rec = NULL;
	while (!c->eof) {
		int end;

		if (c->pos + c->fmt->rec <= NDC_PAGE - c->fmt->tail) {
			*rec = c->page + c->pos;
			c->pos += c->fmt->rec;
			c->rec_no++;
			return BENCH_OK;
		}
		c->page_no++;
		TRY(ndc_fill(c, c->page, NDC_PAGE, &end));
		c->eof = end;
		c->pos = NDC_REC_START;
	}
	return BENCH_OK;
}

static uint64_t ndc_offset(const struct ndc *c)
{
	return (uint64_t)c->page_no * NDC_PAGE + c->pos - c->fmt->rec;
}

static int ndc_bad(const struct ndc *c, const char *what, long v)
{
	log_err("%s: '%s' record %lu at offset %llu: corrupt record: %s %ld",
		c->path, c->name, c->rec_no, (unsigned long long)ndc_offset(c),
		what, v);
	return BENCH_ERR_PARSE;
}

/* The next runInfo record (index > 0) into x->next. */
static int ndax_run_next(struct ndax *x)
{
	const unsigned char *p;
	struct ndax_run *r = &x->next;
	int32_t step_raw;

	for (;;) {
		TRY(ndc_next(&x->run, &p));
		x->have_next = p != NULL;
		if (!p)
			return BENCH_OK;
		/* Index 0: an empty slot; the index again: written twice,
		 * the first one counts. */
		if (binrd_u32(p + 41) &&
		    !(x->have_prev && binrd_u32(p + 41) == x->prev.index))
			break;
	}
	step_raw = (int32_t)binrd_u32(p + 37);
	r->step_no = !x->have_prev		    ? 1
		     : step_raw != x->prev.step_raw ? x->prev.step_no + 1
						    : x->prev.step_no;
	r->step_raw = step_raw;
	r->index = binrd_u32(p + 41);
	r->t_s = (int32_t)binrd_u32(p) / 1e3;
	r->chg_Ah = fabs(binrd_f32(p + 5)) / x->run.fmt->per_Ah;
	r->dchg_Ah = fabs(binrd_f32(p + 9)) / x->run.fmt->per_Ah;
	r->chg_Wh = fabs(binrd_f32(p + 13)) / x->run.fmt->per_Ah;
	r->dchg_Wh = fabs(binrd_f32(p + 17)) / x->run.fmt->per_Ah;
	r->unix_s = binrd_u32(p + 33) + (int16_t)binrd_u16(p + 45) / 1e3;
	if ((x->have_prev && r->index <= x->prev.index) || !(r->t_s >= 0))
		return ndc_bad(&x->run, "record index or time goes back: index",
			       (long)r->index);
	return BENCH_OK;
}

/* Move the runInfo pair so that prev.index <= k < next.index. */
static int ndax_run_to(struct ndax *x, uint32_t k)
{
	while (x->have_next && x->next.index <= k) {
		x->prev = x->next;
		x->have_prev = 1;
		TRY(ndax_run_next(x));
		/* The step's last rate serves its tail after its last
		 * runInfo record; another step's does not. */
		if (x->have_next && x->next.step_no == x->prev.step_no) {
			x->rate_s = (x->next.t_s - x->prev.t_s) /
				    (x->next.index - x->prev.index);
			x->rate_step = x->prev.step_no;
		} else if (x->rate_step != x->prev.step_no) {
			x->rate_s = NAN;
		}
	}
	return BENCH_OK;
}

/* The step table up to the step count of prev. */
static int ndax_step_to(struct ndax *x, unsigned long step_no)
{
	while (x->step_no < step_no) {
		const unsigned char *p;
		const char *name;

		TRY(ndc_next(&x->step, &p));
		if (!p) {
			log_err("%s: 'data_runInfo.ndc' counts step %lu, "
				"'data_step.ndc' ends after %lu",
				x->path, step_no, x->step_no);
			return BENCH_ERR_PARSE;
		}
		if (!binrd_u32(p + 4))
			continue;
		if (!neware_status(p[24], &x->kind, &name))
			return ndc_bad(&x->step, "unknown step type", p[24]);
		x->cycle = (long)(int32_t)binrd_u32(p) + 1;
		x->step_index = (long)(int32_t)binrd_u32(p + 4);
		x->step_no++;
	}
	return BENCH_OK;
}

/* A row for data record k, 0 when no time can be given it. */
static int ndax_row(struct ndax *x, const unsigned char *p, uint32_t k,
		    struct import_row *r)
{
	double t;

	import_row_clear(r);
	r->line = k;
	r->voltage_V = binrd_f32(p) / x->data.fmt->per_V;
	r->current_A = binrd_f32(p + 4) / x->data.fmt->per_A;
	if (!isfinite(r->voltage_V) || !isfinite(r->current_A))
		return ndc_bad(&x->data,
			       "voltage or current not a number: record index",
			       (long)k);
	TRY(ndax_run_to(x, k));
	if (!x->have_prev)
		return 0;
	if (x->prev.index == k) {
		t = x->prev.t_s;
		r->chg_Ah = x->prev.chg_Ah;
		r->dchg_Ah = x->prev.dchg_Ah;
		r->chg_Wh = x->prev.chg_Wh;
		r->dchg_Wh = x->prev.dchg_Wh;
	} else if (!isnan(x->rate_s)) {
		/* Between two runInfo records of the step, or past the
		 * last: the step's sampling interval per record. */
		t = x->prev.t_s + x->rate_s * (k - x->prev.index);
	} else {
		return 0;
	}
	TRY(ndax_step_to(x, x->prev.step_no));
	r->unix_time_s = x->prev.unix_s + (t - x->prev.t_s);
	r->cycle = x->cycle;
	r->step = x->step_index;
	r->kind = x->kind;
	neware_sign(r);
	r->test_time_s = neware_clock(&x->clk, r, t);
	return 1;
}

/* Software and instrument from VersionInfo.xml's attributes. */
static void ndax_attr(const char *xml, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *s, *e;

	snprintf(pat, sizeof(pat), " %s=\"", key);
	s = strstr(xml, pat);
	if (!s)
		return;
	s += strlen(pat);
	e = strchr(s, '"');
	if (e)
		snprintf(out, n, "%.*s", (int)(e - s), s);
}

/* The head of an optional XML entry into xml ("" without it). */
static int ndax_xml(struct ndax *x, const char *name, char *xml, size_t n)
{
	struct zipent *e;
	uint64_t size;
	size_t got;

	xml[0] = 0;
	if (!ziparc_find(x->a, name, xml, n))
		return BENCH_OK;
	TRY(ziparc_entry(x->a, name, &e, &size));
	if (zipent_read(e, xml, n - 1, &got) < 0)
		got = 0;
	xml[got] = 0;
	zipent_close(e);
	return BENCH_OK;
}

static int ndax_info(struct ndax *x, struct import_info *info)
{
	char xml[16384], svr[64] = "", unit[64] = "";

	snprintf(info->instrument, sizeof(info->instrument), "Neware BTS");
	snprintf(info->software, sizeof(info->software), "BTS (.ndax)");
	/* optional: the data stands without it */
	TRY(ndax_xml(x, "VersionInfo.xml", xml, sizeof(xml)));
	ndax_attr(xml, "CurrClientVer", info->software, sizeof(info->software));
	ndax_attr(xml, "SvrVer", svr, sizeof(svr));
	ndax_attr(xml, "ZwjVersion", unit, sizeof(unit));
	if (svr[0] || unit[0])
		snprintf(info->instrument, sizeof(info->instrument),
			 "Neware BTS (%s, unit %s)", svr, unit);
	return BENCH_OK;
}

/* A version 14 or 17 aux record is one float whose meaning TestInfo.xml's
 * channel type gives (103: temperature; humidity and others exist): read
 * it only when every aux channel there is a temperature. Version 16's
 * records name their temperature. */
static int aux_is_temperature(struct ndax *x)
{
	char xml[16384];
	const char *p;
	int n = 0;

	if (x->aux.fmt->aux_deci)
		return 1;
	if (ndax_xml(x, "TestInfo.xml", xml, sizeof(xml)) < 0)
		return 0;
	for (p = xml; (p = strstr(p, "<Aux")); p++) {
		char type[16] = "";
		const char *end = strchr(p, '>');
		char el[512];

		if (!end || (size_t)(end - p) >= sizeof(el))
			return 0;
		snprintf(el, sizeof(el), "%.*s", (int)(end - p), p);
		ndax_attr(el, "ChlType", type, sizeof(type));
		if (strcmp(type, "103"))
			return 0;
		n++;
	}
	return n > 0;
}

static int ndax_open(struct ndax *x, struct import_info *info)
{
	char aux[64];

	TRY(ziparc_open(x->path, &x->a));
	TRY(ndax_info(x, info));
	TRY(ndc_open(x, &x->data, "data.ndc", NDC_DATA, 0));
	TRY(ndc_open(x, &x->run, "data_runInfo.ndc", NDC_RUN, 0));
	TRY(ndc_open(x, &x->step, "data_step.ndc", NDC_STEP, 0));
	/* The first aux channel, where it is a temperature this reads:
	 * data_AUX_*.ndc, or data_<n>.ndc in version 16. */
	if (ziparc_find(x->a, "data_AUX_*.ndc", aux, sizeof(aux)) ||
	    ziparc_find(x->a, "data_[0-9]*.ndc", aux, sizeof(aux))) {
		int rc = ndc_open(x, &x->aux, aux, NDC_AUX, 1);

		if (rc < 0)
			return rc;
		x->have_aux = rc == 0;
		if (x->have_aux && !aux_is_temperature(x)) {
			log_warn(
			    "%s: '%s': TestInfo.xml does not say every aux "
			    "channel is a temperature (ChlType 103): not "
			    "read",
			    x->path, aux);
			zipent_close(x->aux.e);
			x->aux.e = NULL;
			x->have_aux = 0;
		}
	}
	x->rate_s = NAN;
	return ndax_run_next(x);
}

static int aux_empty(const struct ndc *c, const unsigned char *t)
{
	return c->fmt->aux_deci ? t[0] == 0 : binrd_f32(t) == 0;
}

static void ndax_close(struct ndax *x)
{
	zipent_close(x->data.e);
	zipent_close(x->run.e);
	zipent_close(x->step.e);
	zipent_close(x->aux.e);
	ziparc_close(x->a);
}

int neware_ndax_parse(const char *path, struct import_info *info,
		      import_row_fn fn, void *ctx)
{
	struct ndax x;
	const unsigned char *p;
	uint32_t k = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	memset(&x, 0, sizeof(x));
	x.path = path;
	rc = ndax_open(&x, info);
	info->has_cycle = info->has_step = 1;
	info->has_temperature = x.have_aux;
	snprintf(info->skipped_why, sizeof(info->skipped_why),
		 "records data_runInfo.ndc gives no time");
	while (rc >= 0 && (rc = ndc_next(&x.data, &p)) >= 0 && p) {
		struct import_row r;
		const unsigned char *t = NULL;

		if (binrd_f32(p) == 0) /* an empty slot */
			continue;
		k++;
		/* The aux channel's slots follow the data records'. */
		while (x.have_aux && (rc = ndc_next(&x.aux, &t)) >= 0 && t &&
		       aux_empty(&x.aux, t))
			;
		if (rc < 0)
			break;
		rc = ndax_row(&x, p, k, &r);
		if (rc == 0)
			info->skipped_rows++;
		if (rc <= 0)
			continue;
		if (t)
			r.temperature_C = x.aux.fmt->aux_deci
					      ? (int16_t)binrd_u16(t + 5) / 10.0
					      : binrd_f32(t);
		rc = fn(ctx, &r);
	}
	ndax_close(&x);
	return rc < 0 ? rc : BENCH_OK;
}
