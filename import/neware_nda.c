/* SPDX-License-Identifier: Apache-2.0 */
/* neware_nda.c - Neware BTS binary file, .nda (docs/importers.md).
 *
 * "NEWARE" and the file version (byte 14): 29 (BTS 7/8) keeps 86-byte
 * records after a header of variable length, found by the first data
 * record ("55 00") that another record follows; 130 (BTS 9) starts its
 * records at 1024: 88-byte records led by the first one's six bytes (BTS
 * 9.0), or 56-byte records led by 0x55 (BTS 9.1). A 0x81 record ends the
 * data of a version 130 file (a footer follows).
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
#include "import/neware_tab.h"

#define NDA_MAGIC "NEWARE"
#define NDA_HEAD 16
#define NDA_V130_DATA 1024
#define NDA_REC_MAX 88
#define NDA_SCAN_MAX (1u << 20) /* a v29 header is tens of kB */

enum nda_layout { NDA_V29, NDA_BTS90, NDA_BTS91 };

struct nda {
	struct binrd b;
	enum nda_layout lay;
	size_t rec_len;
	unsigned char lead[6]; /* BTS 9.0: the bytes that lead a record */
	struct neware_clock clk;
	uint32_t last_index;
};

int neware_nda_detect(const char *head, size_t n)
{
	return n >= NDA_HEAD && !memcmp(head, NDA_MAGIC, 6) ? 20 : 0;
}

/* A version 29 file's first record: "00 00 00 00 55 00", a non-zero step
 * type, and a record (0x55) or the end of the file 86 bytes on. */
static int nda_v29_start(struct nda *d, uint64_t *start)
{
	static const unsigned char id[6] = {0, 0, 0, 0, 0x55, 0};
	unsigned char buf[4096 + sizeof(id)], rec[87];
	uint64_t at = NDA_HEAD;

	while (at < d->b.size && at < NDA_SCAN_MAX) {
		size_t n = sizeof(buf);

		if (n > d->b.size - at)
			n = (size_t)(d->b.size - at);
		TRY(binrd_at(&d->b, at, buf, n, "the header"));
		for (size_t i = 0; i + sizeof(id) <= n; i++) {
			uint64_t r = at + i + 4;
			size_t got = 87;

			if (memcmp(buf + i, id, sizeof(id)))
				continue;
			if (got > d->b.size - r)
				got = (size_t)(d->b.size - r);
			if (got < 86 ||
			    binrd_at(&d->b, r, rec, got, "a record"))
				continue;
			if (rec[12] && (got == 86 || rec[86] == 0x55)) {
				*start = r;
				return BENCH_OK;
			}
		}
		if (n < sizeof(buf))
			break;
		at += n - sizeof(id);
	}
	log_err("%s: offset %d: no data record (\"55 00\" after the header, "
		"a step type, the next record 86 bytes on) in the first %u "
		"bytes",
		d->b.path, NDA_HEAD, NDA_SCAN_MAX);
	return BENCH_ERR_PARSE;
}

/* A version 130 file: which of the two record layouts. */
static int nda_v130_layout(struct nda *d)
{
	unsigned char buf[NDA_REC_MAX + 2];

	TRY(binrd_at(&d->b, NDA_V130_DATA, buf, sizeof(buf),
		     "the first record"));
	if (buf[0] != 0x55) {
		d->lay = NDA_BTS90;
		d->rec_len = 88;
		memcpy(d->lead, buf, sizeof(d->lead));
		return BENCH_OK;
	}
	/* BTS 9.1: the next record repeats the first one's two lead bytes. */
	d->lay = NDA_BTS91;
	d->rec_len = 56;
	if (buf[56] != buf[0] || buf[57] != buf[1]) {
		log_err(
		    "%s: offset %d: unsupported record layout: expected the "
		    "next 0x55 record 56 bytes on (BTS 9.1)",
		    d->b.path, NDA_V130_DATA + 56);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

/* The software named in a version 29 header ("BTSServer..."). */
static void nda_software(struct nda *d, unsigned version,
			 struct import_info *info)
{
	unsigned char head[8192 + 1];
	size_t n = d->b.size < 8192 ? (size_t)d->b.size : 8192;
	const unsigned char *s;

	snprintf(info->instrument, sizeof(info->instrument), "Neware BTS");
	snprintf(info->software, sizeof(info->software), "%s (.nda v%u)",
		 d->lay == NDA_V29     ? "BTS 7/8"
		 : d->lay == NDA_BTS90 ? "BTS 9.0"
				       : "BTS 9.1",
		 version);
	if (d->lay != NDA_V29 || binrd_at(&d->b, 0, head, n, "the header"))
		return;
	head[n] = 0;
	s = memmem(head, n, "BTSServer", 9);
	if (s && s + 50 <= head + n)
		snprintf(info->software, sizeof(info->software),
			 "%.50s (.nda v%u)", (const char *)s, version);
}

static double nda_v29_unix(const unsigned char *p)
{
	struct tm tm = {0};

	tm.tm_year = binrd_u16(p) - 1900;
	tm.tm_mon = p[2] - 1;
	tm.tm_mday = p[3];
	tm.tm_hour = p[4];
	tm.tm_min = p[5];
	tm.tm_sec = p[6];
	if (tm.tm_year < 90 || tm.tm_year > 200 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || !tm.tm_mday)
		return NAN;
	return (double)timegm(&tm);
}

static int nda_bad(struct nda *d, unsigned long i, uint64_t off,
		   const char *what, long v)
{
	log_err("%s: record %lu at offset %llu: corrupt record: %s %ld",
		d->b.path, i, (unsigned long long)off, what, v);
	return BENCH_ERR_PARSE;
}

/* One record into r: 1 a row, 0 none (another record type), 2 the end of
 * the data, <0 corrupt. */
static int nda_record(struct nda *d, const unsigned char *p, unsigned long i,
		      uint64_t off, struct import_row *r)
{
	const char *name;
	unsigned status;
	uint32_t index;
	double t, mA = 1, cap = 1.0 / 3.6e6; /* mA.s to Ah */
	int32_t range;

	import_row_clear(r);
	r->line = i;
	switch (d->lay) {
	case NDA_V29:
		/* Aux records and 0xaa ones (seen at the end of real
		 * files, content unknown): not read. */
		if (p[0] == 0x65 || p[0] == 0xaa)
			return 0;
		if (p[0] != 0x55 || p[1])
			return nda_bad(d, i, off, "lead byte", p[0]);
		if (binrd_u32(p + 82))
			return nda_bad(d, i, off, "non-zero record tail",
				       (long)binrd_u32(p + 82));
		range = (int32_t)binrd_u32(p + 78);
		if (!neware_range_mA(range, &mA))
			return nda_bad(d, i, off, "unknown current range",
				       range);
		index = binrd_u32(p + 2);
		r->cycle = (long)binrd_u32(p + 6) + 1;
		r->step = binrd_u16(p + 10);
		status = p[12];
		t = (double)binrd_u64(p + 14) / 1e3;
		r->voltage_V = (int32_t)binrd_u32(p + 22) / 1e4;
		r->current_A = (int32_t)binrd_u32(p + 26) * mA / 1e3;
		r->chg_Ah = (double)(int64_t)binrd_u64(p + 38) * mA * cap;
		r->dchg_Ah = (double)(int64_t)binrd_u64(p + 46) * mA * cap;
		r->chg_Wh = (double)(int64_t)binrd_u64(p + 54) * mA * cap;
		r->dchg_Wh = (double)(int64_t)binrd_u64(p + 62) * mA * cap;
		r->unix_time_s = nda_v29_unix(p + 70);
		break;
	case NDA_BTS90:
		if (p[0] == 0x81)
			return 2;
		if (!memcmp(p, "\0\0\0\0\x65", 5)) /* aux: not read */
			return 0;
		if (memcmp(p, d->lead, sizeof(d->lead)))
			return nda_bad(d, i, off, "lead byte", p[0]);
		p += 4;
		r->step = p[5];
		status = p[6];
		index = binrd_u32(p + 12);
		t = (double)binrd_u64(p + 24) / 1e6;
		r->voltage_V = binrd_f32(p + 32);
		r->current_A = binrd_f32(p + 36) / 1e3;
		r->chg_Ah = binrd_f32(p + 48) * cap;
		r->chg_Wh = binrd_f32(p + 52) * cap;
		r->dchg_Ah = binrd_f32(p + 56) * cap;
		r->dchg_Wh = binrd_f32(p + 60) * cap;
		r->unix_time_s = (double)binrd_u64(p + 64) / 1e6;
		break;
	default: /* NDA_BTS91 */
		if (p[0] == 0x81)
			return 2;
		if (p[0] != 0x55)
			return nda_bad(d, i, off, "lead byte", p[0]);
		r->step = p[2];
		status = p[3];
		index = binrd_u32(p + 8);
		t = binrd_u32(p + 12) + binrd_u32(p + 16) / 1e9;
		r->current_A = binrd_f32(p + 20) / 1e3;
		r->voltage_V = binrd_f32(p + 24);
		/* One signed counter per step: positive on charge. */
		r->chg_Ah = fmax(binrd_f32(p + 28), 0) * cap;
		r->dchg_Ah = fmax(-binrd_f32(p + 28), 0) * cap;
		r->chg_Wh = fmax(binrd_f32(p + 32), 0) * cap;
		r->dchg_Wh = fmax(-binrd_f32(p + 32), 0) * cap;
		/* Counts the cycles (0 until the first charge step). */
		r->cycle = (long)binrd_u32(p + 36);
		r->unix_time_s = binrd_u32(p + 44) + binrd_u32(p + 48) / 1e9;
		r->temperature_C = binrd_f32(p + 52);
		break;
	}
	if (!neware_status(status, &r->kind, &name))
		return nda_bad(d, i, off, "unknown step type", (long)status);
	if (!isfinite(r->voltage_V) || !isfinite(r->current_A) ||
	    !(t >= 0 && t < 1e10))
		return nda_bad(d, i, off,
			       "time, voltage or current not a number "
			       "in range: index",
			       (long)index);
	if (index <= d->last_index)
		return 0; /* written twice: the first one counts */
	d->last_index = index;
	/* Counters and temperature only where they are numbers. */
	r->chg_Ah = fabs(r->chg_Ah);
	r->dchg_Ah = fabs(r->dchg_Ah);
	r->chg_Wh = fabs(r->chg_Wh);
	r->dchg_Wh = fabs(r->dchg_Wh);
	r->step_time_s = d->lay == NDA_V29 ? t : NAN;
	r->test_time_s = neware_clock(&d->clk, r, t);
	neware_sign(r);
	return 1;
}

int neware_nda_parse(const char *path, struct import_info *info,
		     import_row_fn fn, void *ctx)
{
	struct nda d;
	unsigned char head[NDA_HEAD], rec[NDA_REC_MAX];
	uint64_t off = NDA_V130_DATA;
	unsigned long i = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	memset(&d, 0, sizeof(d));
	TRY(binrd_open(&d.b, path));
	rc = binrd_at(&d.b, 0, head, sizeof(head), "the file header");
	if (rc == 0 && memcmp(head, NDA_MAGIC, 6)) {
		log_err("%s: offset 0: not a Neware .nda file (no 'NEWARE')",
			path);
		rc = BENCH_ERR_PARSE;
	}
	if (rc < 0)
		goto out;
	if (head[14] == 29) {
		d.lay = NDA_V29;
		d.rec_len = 86;
		rc = nda_v29_start(&d, &off);
	} else if (head[14] == 130) {
		rc = nda_v130_layout(&d);
	} else {
		log_err("%s: offset 14: .nda version %u: this version reads 29 "
			"and 130",
			path, head[14]);
		rc = BENCH_ERR_PARSE;
	}
	if (rc < 0)
		goto out;
	nda_software(&d, head[14], info);
	info->has_cycle = d.lay != NDA_BTS90;
	info->has_step = 1;
	info->has_temperature = d.lay == NDA_BTS91;
	for (; off < d.b.size; off += d.rec_len) {
		struct import_row r;

		i++;
		rc = binrd_at(&d.b, off, rec, d.rec_len, "a record");
		if (rc == 0)
			rc = nda_record(&d, rec, i, off, &r);
		if (rc == 2)
			break;
		if (rc == 1)
			rc = fn(ctx, &r);
		if (rc < 0)
			goto out;
	}
	rc = BENCH_OK;
out:
	binrd_close(&d.b);
	return rc;
}
