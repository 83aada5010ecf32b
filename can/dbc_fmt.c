/* SPDX-License-Identifier: Apache-2.0 */
/* dbc_fmt.c - decoded frames as JSON lines or readable text.
 *
 * Number printing is the hot spot of `bench can decode --json`: printf's
 * %.17g costs more than the whole decode. A double a in [1e-5, 1e15) is
 * printed as the integer m = round(a * 10^k) with k decimals, taking the
 * fewest significant digits D in 15, 16, 17 that read back exactly:
 *  - for D <= 16 this is checked exactly: m < 2^53 and 10^k (k <= 22) are
 *    exact doubles, so m / 10^k is the correctly rounded value of the
 *    decimal, the same value strtod() returns;
 *  - D = 17 always reads back: the rounding step is at most 5e-17 of a,
 *    less than half an ulp (> 5.55e-17 of a); a * 10^k is formed in long
 *    double (64-bit mantissa, 10^k exact up to k = 27) to keep it so.
 * Anything else falls back to snprintf("%.17g").
 */
#define LOG_PREFIX "dbc"
#include "dbc_fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/rc.h"
#include "dbc_priv.h"

int dbc_outbuf_reserve(struct dbc_outbuf *o, size_t n)
{
	size_t cap;
	char *p;

	if (o->cap - o->len >= n)
		return BENCH_OK;
	cap = o->cap ? o->cap : 1 << 16;
	while (cap - o->len < n)
		cap *= 2;
	p = realloc(o->p, cap);
	if (!p) {
		log_err("out of memory growing the output buffer to %zu bytes",
			cap);
		return BENCH_ERR_MEM;
	}
	o->p = p;
	o->cap = cap;
	return BENCH_OK;
}

void dbc_outbuf_free(struct dbc_outbuf *o)
{
	free(o->p);
	o->p = NULL;
	o->len = o->cap = 0;
}

/* clang-format off */
static const double pow10_d[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
/* clang-format on */

/* exact: 10^k = 2^k * 5^k and 5^27 < 2^64 */
/* clang-format off */
static const long double pow10_ld[28] = {
	1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L,
	1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
	1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};
/* clang-format on */

static const char digits2[201] = "000102030405060708091011121314151617181920212"
				 "22324252627282930313233343536373839"
				 "404142434445464748495051525354555657585960616"
				 "26364656667686970717273747576777879"
				 "8081828384858687888990919293949596979899";

/* Decimal digits of v, right-aligned ending at end; returns the start. */
static char *digits_before(char *end, uint64_t v)
{
	while (v >= 100) {
		end -= 2;
		memcpy(end, digits2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digits2 + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/* m with k decimals, trailing fraction zeros dropped, at least ".0" */
static size_t put_fixed(char *out, bool neg, uint64_t m, int k)
{
	char buf[48], *end = buf + sizeof(buf), *p;
	char *o = out;
	size_t n;

	while (k >= 2 && m % 100 == 0) {
		m /= 100;
		k -= 2;
	}
	if (k >= 1 && m % 10 == 0) {
		m /= 10;
		k--;
	}
	p = digits_before(end, m);
	while (end - p <= k)
		*--p = '0'; /* leading zeros of 0.000ddd */
	if (neg)
		*o++ = '-';
	n = (size_t)(end - p) - (size_t)k;
	memcpy(o, p, n);
	o += n;
	*o++ = '.';
	if (k == 0) {
		*o++ = '0';
	} else {
		memcpy(o, p + n, (size_t)k);
		o += k;
	}
	return (size_t)(o - out);
}

static size_t fmt_slow(char *out, double v)
{
	char buf[DBC_FMT_DOUBLE_MAX];
	int n = 0;

	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	memcpy(out, buf, (size_t)n);
	return (size_t)n;
}

/* round(a * 10^k) for a > 0 */
static uint64_t scaled(double a, int k)
{
	return (uint64_t)((long double)a * pow10_ld[k] + 0.5L);
}

/* Is m / 10^k exactly a, i.e. does "m e-k" read back as a? */
static bool reads_back(uint64_t m, int k, double a)
{
	return k >= 0 && k <= 22 && m < (UINT64_C(1) << 53) &&
	       (double)m / pow10_d[k] == a;
}

size_t dbc_fmt_double(char *out, double v)
{
	bool neg = signbit(v);
	double a = fabs(v);
	uint64_t bits, m;
	int e, k;

	if (!isfinite(v)) {
		memcpy(out, "null", 4);
		return 4;
	}
	if (a == 0.0)
		return put_fixed(out, neg, 0, 0);
	if (a < 1e-5 || a >= 1e15)
		return fmt_slow(out, v);
	/* decimal exponent from the binary one E (a in [2^(E-1), 2^E)):
	 * floor((E-1) log10 2) = floor((E-1) 1233 / 4096) for small E,
	 * kept non-negative for the shift; then 10^e <= a < 10^(e+1), give
	 * or take one near powers of ten (the checks below make that safe) */
	memcpy(&bits, &a, sizeof(bits));
	e = (((int)(bits >> 52) - 1023 + 4096) * 1233 >> 12) - 1233;
	if (e + 1 >= 0 ? a >= pow10_d[e + 1] : a * pow10_d[-e - 1] >= 1.0)
		e++;
	/* the 17-digit rounding always reads back; make sure it has 17 */
	k = 16 - e;
	m = scaled(a, k);
	if (m < UINT64_C(10000000000000000))
		m = scaled(a, ++k);
	else if (m >= UINT64_C(100000000000000000))
		m = scaled(a, --k);
	/* fewer digits when they read back too (checked exactly) */
	if (reads_back((m + 50) / 100, k - 2, a))
		return put_fixed(out, neg, (m + 50) / 100, k - 2);
	if (reads_back((m + 5) / 10, k - 1, a))
		return put_fixed(out, neg, (m + 5) / 10, k - 1);
	return put_fixed(out, neg, m, k);
}

/* JSON string body: escape quote, backslash and control characters */
static char *put_u64(char *o, uint64_t v, int min_digits)
{
	char tmp[24], *end = tmp + sizeof(tmp), *p = digits_before(end, v);

	while (end - p < min_digits)
		*--p = '0';
	memcpy(o, p, (size_t)(end - p));
	return o + (end - p);
}

static char *put_time(char *o, const struct canlog_rec *rec)
{
	o = put_u64(o, rec->t_sec, 1);
	*o++ = '.';
	return put_u64(o, rec->t_frac, rec->t_digits);
}

/* Multiplexor values of the frame being formatted, each read once: a
 * 96-cell block message has one multiplexor and ~100 signals under it. */
#define MUXC_MAX 8

struct muxc {
	int n;
	int idx[MUXC_MAX];
	bool on[MUXC_MAX];
	uint64_t raw[MUXC_MAX];
};

static bool in_ranges(const struct dbc_sig *s, uint64_t raw)
{
	for (size_t i = 0; i < s->n_mux_ranges; i++)
		if (raw >= s->mux_ranges[i].lo && raw <= s->mux_ranges[i].hi)
			return true;
	return false;
}

/* cansig_active() with the multiplexor reads cached; the parser
 * guarantees multiplexor chains end. */
static bool sig_on(const struct dbc_msg *m, const struct dbc_sig *s,
		   const struct canframe *f, struct muxc *c)
{
	const struct dbc_sig *par;
	uint64_t raw;
	bool on;
	int i;

	if (s->need_len_ > f->len)
		return false;
	if (s->mux_parent < 0)
		return true;
	for (i = 0; i < c->n; i++)
		if (c->idx[i] == s->mux_parent)
			return c->on[i] && in_ranges(s, c->raw[i]);
	par = &m->sigs[s->mux_parent];
	on = sig_on(m, par, f, c);
	raw = on ? cansig_get_raw(par, f->data, f->len) : 0;
	if (c->n < MUXC_MAX) {
		c->idx[c->n] = s->mux_parent;
		c->on[c->n] = on;
		c->raw[c->n++] = raw;
	}
	return on && in_ranges(s, raw);
}

/* Walks the signals present in a frame, in DBC order: the message's
 * "generic" signals are tested one by one, the ones its top-level
 * multiplexor selects come from the plan's table. */
struct sig_iter {
	const struct dbc_msg *m;
	const struct canframe *f;
	const struct dbc_plan *pl;
	const uint32_t *tbl;
	uint32_t n_tbl, ti, gi;
	struct muxc mc;
};

static void iter_init(struct sig_iter *it, const struct dbc *db,
		      const struct dbc_msg *m, const struct canframe *f)
{
	const struct dbc_plan *pl = dbc_plan_of(db, m);
	const struct dbc_sig *sw;
	uint64_t raw;

	memset(it, 0, sizeof(*it));
	it->m = m;
	it->f = f;
	it->pl = pl;
	if (pl->sw < 0)
		return;
	sw = &m->sigs[pl->sw];
	it->mc.n = 1;
	it->mc.idx[0] = pl->sw;
	it->mc.on[0] = sw->need_len_ <= f->len;
	if (!it->mc.on[0])
		return;
	raw = cansig_get_raw(sw, f->data, f->len);
	it->mc.raw[0] = raw;
	if (raw < pl->n_vals) {
		it->tbl = pl->idx + pl->off[raw];
		it->n_tbl = pl->off[raw + 1] - pl->off[raw];
	}
}

static const struct dbc_sig *iter_next(struct sig_iter *it)
{
	const struct dbc_sig *s;

	for (;;) {
		if (it->ti < it->n_tbl &&
		    (it->gi >= it->pl->n_gen ||
		     it->tbl[it->ti] < it->pl->gen[it->gi])) {
			/* selected by the multiplexor already read */
			s = &it->m->sigs[it->tbl[it->ti++]];
			if (s->need_len_ <= it->f->len)
				return s;
		} else if (it->gi < it->pl->n_gen) {
			s = &it->m->sigs[it->pl->gen[it->gi++]];
			if (sig_on(it->m, s, it->f, &it->mc))
				return s;
		} else {
			return NULL;
		}
	}
}

int dbc_fmt_json(struct dbc_outbuf *o, const struct dbc *db,
		 const struct canlog_rec *rec, const struct dbc_msg *m)
{
	const struct dbc_sig *s;
	struct sig_iter it;
	const struct canframe *f = &rec->frame;
	uint32_t id = f->id & (f->id & CANFRAME_EFF ? CANFRAME_EFF_MASK
						    : CANFRAME_SFF_MASK);
	char num[DBC_FMT_DOUBLE_MAX + 24];
	struct json j;
	size_t need;
	int n;

	/* room for every signal of the message, names escaped at most 6x;
	 * the fixed parts fit in 128 bytes */
	need = 128 + 6 * (strlen(rec->iface) + strlen(m->name));
	for (size_t k = 0; k < m->n_sigs; k++)
		need += 8 + 6 * strlen(m->sigs[k].name) + DBC_FMT_DOUBLE_MAX;
	TRY(dbc_outbuf_reserve(o, need));
	json_init_buf(&j, o->p + o->len, o->cap - o->len);
	json_obj(&j);
	json_key(&j, "t");
	json_raw(&j, num, (size_t)(put_time(num, rec) - num));
	json_key_str(&j, "bus", rec->iface);
	json_key_uint(&j, "id", id);
	json_key_str(&j, "name", m->name);
	json_key(&j, "signals");
	json_obj(&j);
	iter_init(&it, db, m, f);
	while ((s = iter_next(&it))) {
		json_key(&j, s->name);
		json_raw(
		    &j, num,
		    dbc_fmt_double(num, cansig_decode(s, f->data, f->len)));
	}
	json_end(&j);
	json_end(&j);
	n = json_finish(&j);
	if (n < 0)
		return n;
	o->len += (size_t)n;
	o->p[o->len++] = '\n';
	return BENCH_OK;
}

static const char *val_text(const struct dbc_sig *s, uint64_t raw)
{
	int64_t r = (int64_t)raw;

	if (s->is_signed && s->len < 64 && (raw >> (s->len - 1)) & 1)
		r = (int64_t)(raw | ~((UINT64_C(1) << s->len) - 1));
	for (size_t i = 0; i < s->n_vals; i++)
		if (s->vals[i].raw == r)
			return s->vals[i].text;
	return NULL;
}

int dbc_fmt_text(struct dbc_outbuf *o, const struct dbc *db,
		 const struct canlog_rec *rec, const struct dbc_msg *m)
{
	const struct dbc_sig *s;
	struct sig_iter it;
	const struct canframe *f = &rec->frame;
	const char *vt;
	char *p;

	TRY(dbc_outbuf_reserve(o, 64 + strlen(rec->iface) + strlen(m->name)));
	p = o->p + o->len;
	*p++ = '(';
	p = put_time(p, rec);
	*p++ = ')';
	*p++ = ' ';
	p = stpcpy(p, rec->iface);
	*p++ = ' ';
	p = stpcpy(p, m->name);
	o->len = (size_t)(p - o->p);
	iter_init(&it, db, m, f);
	while ((s = iter_next(&it))) {
		vt = s->n_vals ? val_text(s, cansig_get_raw(s, f->data, f->len))
			       : NULL;
		TRY(dbc_outbuf_reserve(o, 8 + strlen(s->name) +
					      DBC_FMT_DOUBLE_MAX +
					      strlen(s->unit ? s->unit : "") +
					      (vt ? strlen(vt) + 3 : 0)));
		p = o->p + o->len;
		*p++ = ' ';
		p = stpcpy(p, s->name);
		*p++ = '=';
		p += dbc_fmt_double(p, cansig_decode(s, f->data, f->len));
		if (s->unit && *s->unit) {
			*p++ = ' ';
			p = stpcpy(p, s->unit);
		}
		if (vt) {
			*p++ = ' ';
			*p++ = '"';
			p = stpcpy(p, vt);
			*p++ = '"';
		}
		o->len = (size_t)(p - o->p);
	}
	TRY(dbc_outbuf_reserve(o, 2));
	o->p[o->len++] = '\n';
	return BENCH_OK;
}
