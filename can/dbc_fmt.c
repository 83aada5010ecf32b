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

#include "common/log.h"
#include "common/rc.h"

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
		log_err("out of memory growing the output buffer to %zu bytes", cap);
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

static const double pow10_d[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static long double pow10_ld(int k)
{
	long double p = 1.0L;

	while (k-- > 0)
		p *= 10.0L; /* exact up to 10^27 */
	return p;
}

/* m with k decimals, trailing fraction zeros dropped, at least ".0" */
static size_t put_fixed(char *out, bool neg, uint64_t m, int k)
{
	char dig[24];
	int n = 0, i;
	char *o = out;

	do {
		dig[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	while (n <= k)
		dig[n++] = '0'; /* leading zeros of 0.000ddd */
	/* drop trailing zeros of the fraction */
	i = 0;
	while (i < k && dig[i] == '0')
		i++;
	if (neg)
		*o++ = '-';
	for (int j = n - 1; j >= k; j--)
		*o++ = dig[j];
	*o++ = '.';
	if (i == k)
		*o++ = '0';
	for (int j = k - 1; j >= i; j--)
		*o++ = dig[j];
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

size_t dbc_fmt_double(char *out, double v)
{
	bool neg = signbit(v);
	double a = fabs(v);
	int e;

	if (!isfinite(v)) {
		memcpy(out, "null", 4);
		return 4;
	}
	if (a == 0.0)
		return put_fixed(out, neg, 0, 0);
	if (a < 1e-5 || a >= 1e15)
		return fmt_slow(out, v);
	/* decimal exponent: 10^e <= a < 10^(e+1) */
	e = (int)floor(log10(a));
	if (e >= 0 ? a < pow10_d[e] : a * pow10_d[-e] < 1.0)
		e--;
	else if (e + 1 >= 0 ? a >= pow10_d[e + 1] : a * pow10_d[-e - 1] >= 1.0)
		e++;
	for (int digits = 15; digits <= 17; digits++) {
		int k = digits - 1 - e;
		long double x = (long double)a * pow10_ld(k);
		uint64_t m = (uint64_t)llroundl(x);

		if (digits == 17)
			return put_fixed(out, neg, m, k);
		if (k <= 22 && m < (UINT64_C(1) << 53) &&
		    (double)m / pow10_d[k] == a)
			return put_fixed(out, neg, m, k);
	}
	return fmt_slow(out, v); /* not reached */
}

/* JSON string body: escape quote, backslash and control characters */
static char *put_json_str(char *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	return o;
}

static char *put_u64(char *o, uint64_t v, int min_digits)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < min_digits)
		tmp[n++] = '0';
	while (n)
		*o++ = tmp[--n];
	return o;
}

static char *put_time(char *o, const struct canlog_rec *rec)
{
	o = put_u64(o, rec->t_sec, 1);
	*o++ = '.';
	return put_u64(o, rec->t_frac, rec->t_digits);
}

int dbc_fmt_json(struct dbc_outbuf *o, const struct canlog_rec *rec,
		 const struct dbc_msg *m)
{
	const struct canframe *f = &rec->frame;
	uint32_t id = f->id & (f->id & CANFRAME_EFF ? CANFRAME_EFF_MASK
						    : CANFRAME_SFF_MASK);
	bool first = true;
	char *p;

	/* names are escaped at most 6x; fixed parts fit in 128 bytes */
	TRY(dbc_outbuf_reserve(o, 128 + 6 * (strlen(rec->iface) + strlen(m->name))));
	p = o->p + o->len;
	memcpy(p, "{\"t\":", 5);
	p = put_time(p + 5, rec);
	memcpy(p, ",\"bus\":\"", 8);
	p = put_json_str(p + 8, rec->iface);
	memcpy(p, "\",\"id\":", 7);
	p = put_u64(p + 7, id, 1);
	memcpy(p, ",\"name\":\"", 9);
	p = put_json_str(p + 9, m->name);
	memcpy(p, "\",\"signals\":{", 13);
	p += 13;
	o->len = (size_t)(p - o->p);
	for (size_t i = 0; i < m->n_sigs; i++) {
		const struct dbc_sig *s = &m->sigs[i];

		if (!cansig_active(m, s, f->data, f->len))
			continue;
		TRY(dbc_outbuf_reserve(o, 8 + 6 * strlen(s->name) + DBC_FMT_DOUBLE_MAX));
		p = o->p + o->len;
		if (!first)
			*p++ = ',';
		first = false;
		*p++ = '"';
		p = put_json_str(p, s->name);
		*p++ = '"';
		*p++ = ':';
		p += dbc_fmt_double(p, cansig_decode(s, f->data, f->len));
		o->len = (size_t)(p - o->p);
	}
	TRY(dbc_outbuf_reserve(o, 4));
	memcpy(o->p + o->len, "}}\n", 3);
	o->len += 3;
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

int dbc_fmt_text(struct dbc_outbuf *o, const struct canlog_rec *rec,
		 const struct dbc_msg *m)
{
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
	for (size_t i = 0; i < m->n_sigs; i++) {
		const struct dbc_sig *s = &m->sigs[i];

		if (!cansig_active(m, s, f->data, f->len))
			continue;
		vt = s->n_vals ? val_text(s, cansig_get_raw(s, f->data, f->len)) : NULL;
		TRY(dbc_outbuf_reserve(o, 8 + strlen(s->name) + DBC_FMT_DOUBLE_MAX +
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
