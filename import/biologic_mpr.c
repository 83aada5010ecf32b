/* SPDX-License-Identifier: Apache-2.0 */
/* biologic_mpr.c - BioLogic EC-Lab binary file, .mpr (docs/importers.md).
 *
 * "BIO-LOGIC MODULAR FILE" then modules, each "MODULE" and a header (short
 * name, long name, length, version, date; EC-Lab 11.50 and later add a
 * maximum length marked by 0xffffffff where the length was). "VMP Set"
 * holds the settings, "VMP data" the rows, "VMP LOG" the start time.
 * The data module: row count, column count, the column ids, then fixed-size
 * little-endian records whose layout the ids give (the flag columns share
 * one byte). An unknown id leaves the record size unknown: an error.
 * GCPL files carry no current column: the current is the charge each row
 * adds (dq) over the time since the row before. A file with neither (OCV,
 * wait) is at rest. Without Q charge and Q discharge columns, dq summed by
 * sign stands for the instrument's charge and discharge counters.
 */
#define LOG_PREFIX "import"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/binrd.h"
#include "import/formats.h"

static const char mpr_magic[] = "BIO-LOGIC MODULAR FILE\x1a";
#define MPR_MAGIC_LEN 52 /* the text, blanks to 48, four zero bytes */
#define MPR_HDR_V1 51	 /* short 10, long 25, length, version, date 8 */
#define MPR_HDR_V2 59	 /* ... max length before length, one more u32 */
#define MPR_DATA_HDR 1007
#define MPR_MAX_COLS 64
#define MPR_MAX_MODULES 64

enum mpr_type { T_FLAGS, T_U1, T_U2, T_U4, T_F4, T_F8 };
enum mpr_field {
	M_NONE,
	M_TIME,
	M_STEP_TIME,
	M_EWE,
	M_I,
	M_DQ,
	M_CYCLE,
	M_HALF,
	M_NS,
	M_QCHG,
	M_QDCHG,
	M_ECHG,
	M_EDCHG,
	M_TEMP,
	M_FREQ,
	M_R,
};

/* Column ids lo..hi: their type, and what we read from them (scale to SI).
 * Ids not listed are unknown. */
struct mpr_col {
	unsigned lo, hi;
	enum mpr_type type;
	enum mpr_field field;
	double scale;
};

/* clang-format off */
static const struct mpr_col mpr_cols[] = {
	{1,   3,   T_FLAGS, M_NONE, 1},  /* mode, ox/red, error */
	{21,  21,  T_FLAGS, M_NONE, 1},  /* control changes */
	{31,  31,  T_FLAGS, M_NONE, 1},  /* Ns changes */
	{65,  65,  T_FLAGS, M_NONE, 1},  /* counter inc. */
	{4,   4,   T_F8, M_TIME,  1},    /* time/s */
	{5,   5,   T_F4, M_NONE,  1},    /* control/V/mA */
	{6,   6,   T_F4, M_EWE,   1},    /* Ewe/V */
	{7,   7,   T_F8, M_DQ,    1e-3}, /* dq/mA.h */
	{8,   8,   T_F4, M_I,     1e-3}, /* I/mA */
	{9,   9,   T_F4, M_NONE,  1},    /* Ece/V */
	{11,  11,  T_F8, M_I,     1e-3}, /* <I>/mA */
	{13,  13,  T_F8, M_NONE,  1},    /* (Q-Qo)/mA.h */
	{15,  15,  T_F4, M_NONE,  1},    /* Phase(Z1) */
	{16,  17,  T_F4, M_NONE,  1},    /* Analog IN 1, 2/V */
	{19,  20,  T_F4, M_NONE,  1},    /* control/V, control/mA */
	{23,  23,  T_F8, M_NONE,  1},    /* dQ/mA.h */
	{24,  24,  T_F8, M_CYCLE, 1},    /* cycle number */
	{26,  27,  T_F4, M_NONE,  1},    /* Rapp/Ohm, Ewe-Ece/V */
	{32,  32,  T_F4, M_FREQ,  1},    /* freq/Hz */
	{33,  38,  T_F4, M_NONE,  1},    /* |Ewe|, |I|, Phase, |Z|, Re, -Im */
	{39,  39,  T_U2, M_NONE,  1},    /* I Range */
	{45,  46,  T_F4, M_NONE,  1},    /* |Z1|, |Z2| */
	{69,  69,  T_F4, M_R,     1},    /* R/Ohm */
	{70,  70,  T_F4, M_NONE,  1},    /* P/W */
	{74,  74,  T_F8, M_NONE,  1},    /* |Energy|/W.h */
	{75,  75,  T_F4, M_NONE,  1},    /* Analog OUT/V */
	{76,  76,  T_F4, M_I,     1e-3}, /* <I>/mA */
	{77,  77,  T_F4, M_EWE,   1},    /* <Ewe>/V */
	{78,  78,  T_F4, M_NONE,  1},    /* Cs-2 */
	{96,  96,  T_F4, M_NONE,  1},    /* |Ece|/V */
	{98,  101, T_F4, M_NONE,  1},    /* Zce */
	{105, 106, T_F4, M_NONE,  1},    /* -Im(Z1), -Im(Z2) */
	{110, 110, T_F8, M_NONE,  1},    /* Energy ce/W.h */
	{112, 112, T_F8, M_NONE,  1},    /* Energy we/W.h */
	{115, 116, T_F8, M_NONE,  1},    /* Energy ce charge, discharge */
	{123, 123, T_F8, M_ECHG,  1},    /* Energy charge/W.h */
	{124, 124, T_F8, M_EDCHG, 1},    /* Energy discharge/W.h */
	{125, 126, T_F8, M_NONE,  1},    /* Capacitance charge, discharge */
	{131, 131, T_U2, M_NS,    1},    /* Ns */
	{135, 136, T_F4, M_NONE,  1},    /* <E1>, <E2> */
	{163, 163, T_F4, M_NONE,  1},    /* |Estack|/V */
	{166, 167, T_F4, M_NONE,  1},    /* Phase(Zstack), |Zstack| */
	{168, 169, T_F4, M_NONE,  1},    /* Rcmp, Cs */
	{172, 173, T_F4, M_NONE,  1},    /* Cp, Cp-2 */
	{174, 174, T_F4, M_EWE,   1},    /* Ewe/V (newer files) */
	{175, 177, T_F4, M_NONE,  1},    /* Zwe-ce */
	{178, 179, T_F4, M_NONE,  1},    /* (Q-Qo)/C, dQ/C */
	{182, 182, T_F8, M_STEP_TIME, 1},/* step time/s */
	{185, 185, T_F4, M_NONE,  1},    /* <Ece>/V */
	{206, 206, T_F4, M_TEMP,  1},    /* Temperature/°C */
	{211, 211, T_F8, M_NONE,  1},    /* Q charge/discharge/mA.h */
	{212, 212, T_U4, M_HALF,  1},    /* half cycle */
	{213, 213, T_U4, M_NONE,  1},    /* z cycle */
	{215, 215, T_F4, M_NONE,  1},    /* <Ece>/V */
	{217, 225, T_F4, M_NONE,  1},    /* THD, NSD, NSR of Ewe, I, Ece */
	{230, 247, T_F4, M_NONE,  1},    /* harmonics of Ewe, I, Ece */
	{248, 249, T_F4, M_NONE,  1},    /* Rac, Rdc/Ohm */
	{253, 253, T_U1, M_NONE,  1},    /* Acir/Dcir Control */
	{271, 272, T_F4, M_NONE,  1},    /* Phase(Z1), (Z2) */
	{301, 302, T_F4, M_NONE,  1},    /* |Z1|, |Z2| */
	{331, 332, T_F4, M_NONE,  1},    /* Re(Z1), Re(Z2) */
	{361, 362, T_F4, M_NONE,  1},    /* -Im(Z1), -Im(Z2) */
	{391, 392, T_F4, M_NONE,  1},    /* <E1>, <E2> */
	{422, 426, T_F4, M_NONE,  1},    /* Zstack, <Estack> */
	{430, 435, T_F4, M_NONE,  1},    /* Zwe-ce, (Q-Qo)/C, dQ/C */
	{438, 438, T_F8, M_STEP_TIME, 1},/* step time/s */
	{441, 441, T_F4, M_NONE,  1},    /* <Ecv>/V */
	{462, 462, T_F4, M_TEMP,  1},    /* Temperature/°C */
	{467, 467, T_F8, M_NONE,  1},    /* Q charge/discharge/mA.h */
	{468, 468, T_U4, M_HALF,  1},    /* half cycle */
	{469, 469, T_U4, M_NONE,  1},    /* z cycle */
	{471, 471, T_F4, M_NONE,  1},    /* <Ece>/V */
	{473, 474, T_F4, M_NONE,  1},    /* THD */
	{476, 477, T_F4, M_NONE,  1},    /* NSD */
	{479, 480, T_F4, M_NONE,  1},    /* NSR */
	{486, 497, T_F4, M_NONE,  1},    /* harmonics */
	{498, 498, T_F8, M_QCHG,  1e-3}, /* Q charge/mA.h */
	{499, 499, T_F8, M_QDCHG, 1e-3}, /* Q discharge/mA.h */
	{500, 500, T_F8, M_STEP_TIME, 1},/* step time/s */
	{501, 502, T_F8, M_NONE,  1},    /* Efficiency/%, Capacity/mA.h */
	{505, 505, T_F4, M_R,     1},    /* Rdc/Ohm */
	{509, 509, T_U1, M_NONE,  1},    /* Acir/Dcir Control */
};
/* clang-format on */

static const size_t mpr_type_size[] = {1, 1, 2, 4, 4, 8};

/* Where each read quantity sits in a record. */
struct mpr_layout {
	size_t rec_size;
	long off[M_R + 1]; /* -1: absent */
	enum mpr_type type[M_R + 1];
	double scale[M_R + 1];
	long flags_off;
};

struct mpr_module {
	char name[11];
	uint64_t off, len; /* of its data, after the header */
	uint32_t version;
};

int biologic_mpr_detect(const char *head, size_t n)
{
	return n >= sizeof(mpr_magic) - 1 &&
		       !memcmp(head, mpr_magic, sizeof(mpr_magic) - 1)
		   ? 20
		   : 0;
}

static const struct mpr_col *mpr_col_find(unsigned id)
{
	for (size_t i = 0; i < sizeof(mpr_cols) / sizeof(mpr_cols[0]); i++)
		if (id >= mpr_cols[i].lo && id <= mpr_cols[i].hi)
			return &mpr_cols[i];
	return NULL;
}

static int mpr_modules(struct binrd *b, struct mpr_module *mods, size_t *n)
{
	unsigned char h[6 + MPR_HDR_V2];
	uint64_t off = MPR_MAGIC_LEN;

	*n = 0;
	while (off < b->size) {
		struct mpr_module *m = &mods[*n];
		size_t hl = 6 + MPR_HDR_V1;
		const unsigned char *p = h + 6 + 35;

		if (*n == MPR_MAX_MODULES) {
			log_err("%s: offset %llu: more than %d modules",
				b->path, (unsigned long long)off,
				MPR_MAX_MODULES);
			return BENCH_ERR_PARSE;
		}
		TRY(binrd_at(b, off, h, hl, "a module header"));
		if (memcmp(h, "MODULE", 6)) {
			log_err("%s: offset %llu: corrupt file: expected a "
				"MODULE header",
				b->path, (unsigned long long)off);
			return BENCH_ERR_PARSE;
		}
		if (binrd_u32(p) == 0xffffffffu) {
			hl = 6 + MPR_HDR_V2;
			TRY(binrd_at(b, off, h, hl, "a module header"));
			p += 4;
		}
		memcpy(m->name, h + 6, 10);
		m->name[10] = '\0';
		for (int i = 9; i >= 0 && m->name[i] == ' '; i--)
			m->name[i] = '\0';
		m->len = binrd_u32(p);
		m->version = binrd_u32(p + 4);
		m->off = off + hl;
		if (m->len > b->size - m->off) {
			log_err("%s: offset %llu: truncated file: module '%s' "
				"holds %llu bytes, the file has %llu",
				b->path, (unsigned long long)off, m->name,
				(unsigned long long)m->len,
				(unsigned long long)(b->size - m->off));
			return BENCH_ERR_PARSE;
		}
		off = m->off + m->len;
		(*n)++;
	}
	return BENCH_OK;
}

static const struct mpr_module *mpr_module(const struct mpr_module *mods,
					   size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(mods[i].name, name))
			return &mods[i];
	return NULL;
}

/* The data module's header: row count, column ids, where the rows start. */
static int mpr_layout(struct binrd *b, const struct mpr_module *m,
		      struct mpr_layout *lay, uint32_t *n_rows,
		      uint64_t *rows_off)
{
	unsigned char h[MPR_DATA_HDR];
	size_t hl = m->len < sizeof(h) ? (size_t)m->len : sizeof(h);
	unsigned n_cols, ids[MPR_MAX_COLS];
	size_t start;

	TRY(binrd_at(b, m->off, h, hl, "the data module header"));
	if (hl < 6) {
		log_err("%s: offset %llu: truncated data module", b->path,
			(unsigned long long)m->off);
		return BENCH_ERR_PARSE;
	}
	*n_rows = binrd_u32(h);
	n_cols = h[4];
	if (n_cols == 0 || n_cols > MPR_MAX_COLS) {
		log_err("%s: offset %llu: corrupt data module: %u columns",
			b->path, (unsigned long long)m->off + 4, n_cols);
		return BENCH_ERR_PARSE;
	}
	if (m->version == 2 || m->version == 3)
		start = m->version == 2 ? 405 : 406;
	else if (m->version == 0)
		start = h[5] ? 100 : MPR_DATA_HDR;
	else {
		log_err("%s: offset %llu: data module version %u: not a "
			"version this reader knows (0, 2, 3)",
			b->path, (unsigned long long)m->off, m->version);
		return BENCH_ERR_SUPP;
	}
	if (start > hl) {
		log_err("%s: offset %llu: truncated data module header",
			b->path, (unsigned long long)m->off);
		return BENCH_ERR_PARSE;
	}
	for (unsigned i = 0; i < n_cols; i++)
		ids[i] = m->version ? binrd_u16(h + 5 + 2 * i)
			 : h[5]	    ? h[5 + i]
				    : h[6 + 2 * i];
	memset(lay, 0, sizeof(*lay));
	lay->flags_off = -1;
	for (int f = 0; f <= M_R; f++)
		lay->off[f] = -1;
	for (unsigned i = 0; i < n_cols; i++) {
		const struct mpr_col *c = mpr_col_find(ids[i]);

		if (!c) {
			log_err("%s: offset %llu: column id %u unknown: the "
				"record size cannot be known",
				b->path, (unsigned long long)m->off + 5 + 2 * i,
				ids[i]);
			return BENCH_ERR_SUPP;
		}
		if (c->type == T_FLAGS) {
			if (lay->flags_off >= 0)
				continue; /* the flags share one byte */
			lay->flags_off = (long)lay->rec_size;
		} else if (c->field != M_NONE && lay->off[c->field] < 0) {
			lay->off[c->field] = (long)lay->rec_size;
			lay->type[c->field] = c->type;
			lay->scale[c->field] = c->scale;
		}
		lay->rec_size += mpr_type_size[c->type];
	}
	if (lay->off[M_TIME] < 0 || lay->off[M_EWE] < 0) {
		log_err("%s: offset %llu: the data module has no time or Ewe "
			"column",
			b->path, (unsigned long long)m->off + 5);
		return BENCH_ERR_PARSE;
	}
	if ((uint64_t)*n_rows * lay->rec_size > m->len - start) {
		log_err("%s: offset %llu: truncated file: %u records of %zu "
			"bytes announced, %llu bytes present",
			b->path, (unsigned long long)(m->off + start), *n_rows,
			lay->rec_size, (unsigned long long)(m->len - start));
		return BENCH_ERR_PARSE;
	}
	*rows_off = m->off + start;
	return BENCH_OK;
}

/* The start of the acquisition: an OLE date (days from 1899-12-30) at one
 * of a few places in the LOG module; NaN where none is plausible. */
static double mpr_start(struct binrd *b, const struct mpr_module *log)
{
	static const unsigned at[] = {465, 469, 473, 585};
	unsigned char d[8];

	for (size_t i = 0; log && i < sizeof(at) / sizeof(at[0]); i++) {
		double days;

		if (at[i] + 8 > log->len ||
		    binrd_at(b, log->off + at[i], d, 8, "the LOG date"))
			continue;
		days = binrd_f64(d);
		if (days > 40000 && days < 50000) /* 2009 .. 2036 */
			return (days - 25569.0) * 86400.0;
	}
	return NAN;
}

static double mpr_value(const unsigned char *rec, const struct mpr_layout *l,
			enum mpr_field f)
{
	const unsigned char *p = rec + l->off[f];

	if (l->off[f] < 0)
		return NAN;
	switch (l->type[f]) {
	case T_U1:
		return p[0] * l->scale[f];
	case T_U2:
		return binrd_u16(p) * l->scale[f];
	case T_U4:
		return binrd_u32(p) * l->scale[f];
	case T_F4:
		return binrd_f32(p) * l->scale[f];
	case T_F8:
		return binrd_f64(p) * l->scale[f];
	default:
		return NAN;
	}
}

static void mpr_info(struct import_info *info, const struct mpr_module *data,
		     double start)
{
	snprintf(info->instrument, sizeof(info->instrument), "BioLogic");
	snprintf(info->software, sizeof(info->software),
		 "EC-Lab (.mpr data module v%u)", data->version);
	if (!isnan(start)) {
		time_t tt = (time_t)start;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(info->start_time_utc, sizeof(info->start_time_utc),
			 "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}

/* The current of a file without a current column: the charge the row adds
 * over the time since the row before. A row at the same time as the one
 * before (EC-Lab writes the instant a step changes twice) takes the next
 * row's, the current of the step it starts; the first row keeps 0. None
 * without a charge column either. */
struct mpr_dq {
	double t_s, current_A;
	double chg_Ah, dchg_Ah; /* dq summed by sign */
};

static double mpr_current(const unsigned char *rec, const unsigned char *next,
			  const struct mpr_layout *l, double t_s,
			  struct mpr_dq *d)
{
	double dq_Ah = mpr_value(rec, l, M_DQ), dt_s = t_s - d->t_s;

	if (l->off[M_I] >= 0)
		return mpr_value(rec, l, M_I);
	if (l->off[M_DQ] < 0)
		return 0.0;
	if (dt_s > 0)
		d->current_A = dq_Ah * 3600.0 / dt_s;
	else if (dt_s == 0 && next) {
		double dt_next_s = mpr_value(next, l, M_TIME) - t_s;

		if (dt_next_s > 0)
			d->current_A =
			    mpr_value(next, l, M_DQ) * 3600.0 / dt_next_s;
	}
	d->t_s = t_s;
	return isfinite(dq_Ah) ? d->current_A : NAN;
}

static int mpr_row(struct binrd *b, const unsigned char *rec,
		   const unsigned char *next, const struct mpr_layout *l,
		   uint64_t off, unsigned long i, double start,
		   struct mpr_dq *d, struct import_row *r)
{
	double cyc = mpr_value(rec, l, M_CYCLE);

	import_row_clear(r);
	r->line = i + 1;
	r->test_time_s = mpr_value(rec, l, M_TIME);
	r->step_time_s = mpr_value(rec, l, M_STEP_TIME);
	r->voltage_V = mpr_value(rec, l, M_EWE);
	r->current_A = mpr_current(rec, next, l, r->test_time_s, d);
	r->temperature_C = mpr_value(rec, l, M_TEMP);
	r->chg_Ah = mpr_value(rec, l, M_QCHG);
	r->dchg_Ah = mpr_value(rec, l, M_QDCHG);
	r->chg_Wh = mpr_value(rec, l, M_ECHG);
	r->dchg_Wh = mpr_value(rec, l, M_EDCHG);
	r->resistance_ohm = mpr_value(rec, l, M_R);
	if (l->off[M_QCHG] < 0 && l->off[M_DQ] >= 0) {
		double dq_Ah = mpr_value(rec, l, M_DQ);

		if (dq_Ah > 0)
			d->chg_Ah += dq_Ah;
		else if (dq_Ah < 0)
			d->dchg_Ah -= dq_Ah;
		r->chg_Ah = d->chg_Ah;
		r->dchg_Ah = d->dchg_Ah;
	}
	if (!isfinite(r->test_time_s) || !isfinite(r->voltage_V) ||
	    !isfinite(r->current_A) ||
	    (l->off[M_CYCLE] >= 0 && !(cyc >= 0 && cyc < 1e9))) {
		log_err("%s: record %lu at offset %llu: corrupt record: time, "
			"Ewe, I or cycle number is not a number in range",
			b->path, i + 1, (unsigned long long)off);
		return BENCH_ERR_PARSE;
	}
	if (!isnan(start))
		r->unix_time_s = start + r->test_time_s;
	if (l->off[M_CYCLE] >= 0)
		r->cycle = (long)cyc;
	else if (l->off[M_HALF] >= 0) /* EC-Lab's cycle number: half / 2 */
		r->cycle = (long)(mpr_value(rec, l, M_HALF) / 2);
	if (l->off[M_NS] >= 0)
		r->step = (long)mpr_value(rec, l, M_NS);
	/* mode 3 in the flags byte: the cell at rest (OCV). */
	if (l->flags_off >= 0 && (rec[l->flags_off] & 0x03) == 3)
		r->kind = IMPORT_KIND_REST;
	return BENCH_OK;
}

int biologic_mpr_parse(const char *path, struct import_info *info,
		       import_row_fn fn, void *ctx)
{
	struct mpr_module mods[MPR_MAX_MODULES];
	const struct mpr_module *data;
	struct mpr_layout lay;
	unsigned char magic[MPR_MAGIC_LEN], buf[2][MPR_MAX_COLS * 8];
	unsigned char *rec = buf[0], *next = buf[1], *swap;
	uint32_t n_rows;
	uint64_t off;
	size_t n_mods = 0;
	double start;
	struct mpr_dq dq = {NAN, 0.0, 0.0, 0.0};
	struct binrd b;
	int rc;

	memset(info, 0, sizeof(*info));
	TRY(binrd_open(&b, path));
	rc = binrd_at(&b, 0, magic, sizeof(magic), "the file magic");
	if (rc == 0 && memcmp(magic, mpr_magic, sizeof(mpr_magic) - 1)) {
		log_err("%s: offset 0: not a BioLogic .mpr file (no 'BIO-LOGIC "
			"MODULAR FILE')",
			path);
		rc = BENCH_ERR_PARSE;
	}
	if (rc == 0)
		rc = mpr_modules(&b, mods, &n_mods);
	if (rc < 0)
		goto out;
	data = mpr_module(mods, n_mods, "VMP data");
	if (!data || !mpr_module(mods, n_mods, "VMP Set")) {
		log_err("%s: no 'VMP %s' module", path, data ? "Set" : "data");
		rc = BENCH_ERR_PARSE;
		goto out;
	}
	rc = mpr_layout(&b, data, &lay, &n_rows, &off);
	if (rc < 0)
		goto out;
	start = mpr_start(&b, mpr_module(mods, n_mods, "VMP LOG"));
	mpr_info(info, data, start);
	info->has_cycle = lay.off[M_CYCLE] >= 0 || lay.off[M_HALF] >= 0;
	info->has_step = lay.off[M_NS] >= 0;
	info->has_temperature = lay.off[M_TEMP] >= 0;
	snprintf(info->skipped_why, sizeof(info->skipped_why),
		 "impedance rows (freq > 0): not charge");
	/* Each record read once, the next one beside it: a GCPL row at a step
	 * change takes its current from the row after it. */
	if (n_rows)
		rc = binrd_at(&b, off, rec, lay.rec_size, "a record");
	for (unsigned long i = 0; rc >= 0 && i < n_rows;
	     i++, off += lay.rec_size) {
		struct import_row r;
		int more = i + 1 < n_rows;

		if (more)
			rc = binrd_at(&b, off + lay.rec_size, next,
				      lay.rec_size, "a record");
		if (rc == 0)
			rc = mpr_row(&b, rec, more ? next : NULL, &lay, off, i,
				     start, &dq, &r);
		if (rc < 0)
			goto out;
		/* PEIS/GEIS rows measure impedance at a frequency. */
		if (mpr_value(rec, &lay, M_FREQ) > 0)
			info->skipped_rows++;
		else
			rc = fn(ctx, &r);
		swap = rec;
		rec = next;
		next = swap;
	}
out:
	binrd_close(&b);
	return rc < 0 ? rc : BENCH_OK;
}
