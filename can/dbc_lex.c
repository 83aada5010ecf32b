/* SPDX-License-Identifier: Apache-2.0 */
/* dbc_lex.c - character cursor for the DBC parser. */
#define LOG_PREFIX "dbc"
#include "dbc_lex.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

void dbc_lex_init(struct dbc_lex *lx, const char *name, const char *s,
		  size_t len, bool quiet)
{
	memset(lx, 0, sizeof(*lx));
	lx->name = name;
	lx->s = s;
	lx->len = len;
	lx->quiet = quiet;
	lx->line = 1;
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static bool is_word(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int cur(const struct dbc_lex *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : -1;
}

int dbc_lex_peek(struct dbc_lex *lx)
{
	int c;

	while ((c = cur(lx)) == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\f' || c == '\v')
		lx->pos++;
	return c;
}

bool dbc_lex_at_eol(struct dbc_lex *lx)
{
	int c;

	while (is_blank(c = cur(lx)))
		lx->pos++;
	return c == -1 || c == '\n' || c == '\r';
}

bool dbc_lex_accept(struct dbc_lex *lx, char c)
{
	if (dbc_lex_peek(lx) != (unsigned char)c)
		return false;
	lx->pos++;
	return true;
}

/* A short description of what the cursor sees, for "got ..." */
static void describe(const struct dbc_lex *lx, size_t pos, char *buf,
		     size_t size)
{
	int c = pos < lx->len ? (unsigned char)lx->s[pos] : -1;
	size_t n = 0;

	if (c == -1) {
		snprintf(buf, size, "end of file");
	} else if (c == '\n' || c == '\r') {
		snprintf(buf, size, "end of line");
	} else if (c > 0x20 && c < 0x7f) {
		if (is_word(c)) {
			while (pos + n < lx->len && n < 32 &&
			       is_word((unsigned char)lx->s[pos + n]))
				n++;
			snprintf(buf, size, "'%.*s'", (int)n, lx->s + pos);
		} else {
			snprintf(buf, size, "'%c'", c);
		}
	} else {
		snprintf(buf, size, "byte 0x%02x", (unsigned)c);
	}
}

int dbc_lex_expect(struct dbc_lex *lx, char c, const char *where)
{
	char got[48];

	if (dbc_lex_accept(lx, c))
		return BENCH_OK;
	describe(lx, lx->pos, got, sizeof(got));
	return dbc_lex_error(lx, "expected '%c' %s, got %s", c, where, got);
}

bool dbc_lex_word(struct dbc_lex *lx, struct dbc_span *w)
{
	size_t start;

	dbc_lex_peek(lx);
	start = lx->pos;
	while (is_word(cur(lx)))
		lx->pos++;
	w->p = lx->s + start;
	w->n = lx->pos - start;
	return w->n > 0;
}

int dbc_lex_expect_word(struct dbc_lex *lx, struct dbc_span *w,
			const char *what)
{
	char got[48];

	if (dbc_lex_word(lx, w))
		return BENCH_OK;
	describe(lx, lx->pos, got, sizeof(got));
	return dbc_lex_error(lx, "expected %s, got %s", what, got);
}

/* Copy a number-looking token [+-0-9.eE] into buf; returns its length. */
static size_t number_token(struct dbc_lex *lx, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	dbc_lex_peek(lx);
	while (n + 1 < size) {
		c = cur(lx);
		if (!((c >= '0' && c <= '9') || c == '.' || c == '+' ||
		      c == '-' || c == 'e' || c == 'E'))
			break;
		/* a sign only leads the number or its exponent */
		if ((c == '+' || c == '-') && n > 0 && buf[n - 1] != 'e' &&
		    buf[n - 1] != 'E')
			break;
		buf[n++] = (char)c;
		lx->pos++;
	}
	buf[n] = '\0';
	return n;
}

int dbc_lex_double(struct dbc_lex *lx, double *v, const char *what)
{
	char buf[128], got[48], *end;
	size_t start = (dbc_lex_peek(lx), lx->pos);
	size_t n = number_token(lx, buf, sizeof(buf));

	if (n > 0) {
		*v = strtod(buf, &end);
		if (*end == '\0' && end != buf) {
			/* J1939 DBCs write maxima like 4.4E+481: saturate */
			if (isinf(*v))
				*v = *v > 0 ? DBL_MAX : -DBL_MAX;
			return BENCH_OK;
		}
	}
	describe(lx, start, got, sizeof(got));
	lx->pos = start;
	return dbc_lex_error(lx, "expected %s (a number), got %s", what, got);
}

int dbc_lex_uint(struct dbc_lex *lx, uint64_t max, uint64_t *v,
		 const char *what)
{
	char got[48];
	size_t start = (dbc_lex_peek(lx), lx->pos);
	uint64_t x = 0;
	int c;

	while ((c = cur(lx)) >= '0' && c <= '9') {
		if (x > max / 10 ||
		    (x == max / 10 && (uint64_t)(c - '0') > max % 10)) {
			lx->pos = start;
			return dbc_lex_error(lx, "%s out of range 0..%llu",
					     what, (unsigned long long)max);
		}
		x = x * 10 + (uint64_t)(c - '0');
		lx->pos++;
	}
	if (lx->pos == start || is_word(cur(lx)) || cur(lx) == '.') {
		describe(lx, start, got, sizeof(got));
		lx->pos = start;
		return dbc_lex_error(
		    lx, "expected %s (an unsigned integer), got %s", what, got);
	}
	*v = x;
	return BENCH_OK;
}

int dbc_lex_int(struct dbc_lex *lx, int64_t *v, const char *what)
{
	size_t start = (dbc_lex_peek(lx), lx->pos);
	bool neg = false;
	uint64_t x = 0;
	double d;
	int c;

	if (cur(lx) == '-' || cur(lx) == '+') {
		neg = cur(lx) == '-';
		lx->pos++;
	}
	while ((c = cur(lx)) >= '0' && c <= '9') {
		if (x > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
			break; /* too long for 64 bits: read it as a double */
		x = x * 10 + (uint64_t)(c - '0');
		lx->pos++;
	}
	c = cur(lx);
	if (lx->pos > start + neg && !is_word(c) && c != '.' &&
	    !(c >= '0' && c <= '9')) {
		/* two's complement: 18446744073709551615 and -1 are one value
		 */
		*v = (int64_t)(neg ? 0 - x : x);
		return BENCH_OK;
	}
	/* "1.0", "1e3": value tables written by tools that print floats */
	lx->pos = start;
	TRY(dbc_lex_double(lx, &d, what));
	if (d != floor(d) || d < -0x1p63 || d >= 0x1p64) {
		lx->pos = start;
		return dbc_lex_error(lx, "%s must be an integer", what);
	}
	*v = d < 0 ? (int64_t)d : (int64_t)(uint64_t)d;
	return BENCH_OK;
}

/* cp1252 0x80..0x9F; the five undefined bytes map to their C1 control. */
/* clang-format off */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};
/* clang-format on */

static bool valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		unsigned char c = p[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

static char *cp1252_to_utf8(const unsigned char *p, size_t n)
{
	char *out = malloc(3 * n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = p[i];

		if (cp >= 0x80 && cp < 0xA0)
			cp = cp1252_hi[cp - 0x80];
		if (cp < 0x80) {
			*o++ = (char)cp;
		} else if (cp < 0x800) {
			*o++ = (char)(0xC0 | cp >> 6);
			*o++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*o++ = (char)(0xE0 | cp >> 12);
			*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*o++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	*o = '\0';
	return out;
}

int dbc_lex_string(struct dbc_lex *lx, char **out, const char *what)
{
	char got[48], *buf;
	size_t start, n = 0;
	int c;

	if (dbc_lex_peek(lx) != '"') {
		describe(lx, lx->pos, got, sizeof(got));
		return dbc_lex_error(
		    lx, "expected %s (a quoted string), got %s", what, got);
	}
	start = lx->pos++;
	/* size the copy by the string, not by the rest of the file */
	for (size_t i = lx->pos; i < lx->len && lx->s[i] != '"'; i++, n++)
		if (lx->s[i] == '\\' && i + 1 < lx->len &&
		    (lx->s[i + 1] == '"' || lx->s[i + 1] == '\\'))
			i++; /* exactly the escapes the copy below folds */
	buf = malloc(n + 1);
	n = 0;
	if (!buf)
		return BENCH_ERR_MEM;
	for (;;) {
		c = cur(lx);
		if (c == -1) {
			free(buf);
			return dbc_lex_error_at(
			    lx, start, "unterminated string (%s)", what);
		}
		lx->pos++;
		if (c == '"')
			break;
		if (c == '\\' && (cur(lx) == '"' || cur(lx) == '\\'))
			c = lx->s[lx->pos++];
		buf[n++] = (char)c;
	}
	if (valid_utf8((const unsigned char *)buf, n)) {
		buf[n] = '\0';
		*out = buf;
		return BENCH_OK;
	}
	*out = cp1252_to_utf8((const unsigned char *)buf, n);
	free(buf);
	return *out ? BENCH_OK : BENCH_ERR_MEM;
}

void dbc_lex_skip_line(struct dbc_lex *lx)
{
	int c;

	while ((c = cur(lx)) != -1 && c != '\n')
		lx->pos++;
}

void dbc_lex_skip_statement(struct dbc_lex *lx,
			    bool (*stop)(const struct dbc_span *w))
{
	struct dbc_span w;
	int c;

	while ((c = cur(lx)) != -1) {
		if (c == ';') {
			lx->pos++;
			return;
		}
		if (c == '"') {
			lx->pos++;
			while ((c = cur(lx)) != -1 && c != '"') {
				lx->pos++;
				if (c == '\\' && cur(lx) != -1)
					lx->pos++;
			}
			if (c == '"')
				lx->pos++;
			continue;
		}
		lx->pos++;
		if (c == '\n' && stop) {
			size_t save = lx->pos;

			while (is_blank(cur(lx)) || cur(lx) == '\r')
				lx->pos++;
			if (dbc_lex_word(lx, &w) && stop(&w)) {
				lx->pos = save;
				return;
			}
			lx->pos = save;
		}
	}
}

bool dbc_span_is(const struct dbc_span *w, const char *s)
{
	return strlen(s) == w->n && !memcmp(w->p, s, w->n);
}

char *dbc_span_dup(const struct dbc_span *w)
{
	char *s = malloc(w->n + 1);

	if (!s)
		return NULL;
	memcpy(s, w->p, w->n);
	s[w->n] = '\0';
	return s;
}

void dbc_lex_where(struct dbc_lex *lx, size_t pos, unsigned *line,
		   unsigned *col)
{
	if (pos < lx->counted) { /* rare: rewind, recount from the top */
		lx->counted = 0;
		lx->line = 1;
		lx->line_start = 0;
	}
	for (; lx->counted < pos && lx->counted < lx->len; lx->counted++) {
		if (lx->s[lx->counted] == '\n') {
			lx->line++;
			lx->line_start = lx->counted + 1;
		}
	}
	*line = lx->line;
	*col = (unsigned)(pos - lx->line_start + 1);
}

static void vreport(struct dbc_lex *lx, enum log_level lvl, size_t pos,
		    const char *fmt, va_list ap)
{
	char msg[512];
	unsigned line, col;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	dbc_lex_where(lx, pos, &line, &col);
	log_msg(lvl, LOG_PREFIX, "%s:%u:%u: %s", lx->name, line, col, msg);
}

int dbc_lex_error_at(struct dbc_lex *lx, size_t pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(lx, LOG_ERR, pos, fmt, ap);
	va_end(ap);
	return BENCH_ERR_PARSE;
}

int dbc_lex_error(struct dbc_lex *lx, const char *fmt, ...)
{
	va_list ap;

	dbc_lex_peek(lx);
	va_start(ap, fmt);
	vreport(lx, LOG_ERR, lx->pos, fmt, ap);
	va_end(ap);
	return BENCH_ERR_PARSE;
}

void dbc_lex_warn_at(struct dbc_lex *lx, size_t pos, const char *fmt, ...)
{
	va_list ap;

	lx->n_warnings++;
	if (lx->quiet)
		return;
	va_start(ap, fmt);
	vreport(lx, LOG_WARN, pos, fmt, ap);
	va_end(ap);
}

void dbc_lex_warn(struct dbc_lex *lx, const char *fmt, ...)
{
	va_list ap;

	lx->n_warnings++;
	if (lx->quiet)
		return;
	va_start(ap, fmt);
	vreport(lx, LOG_WARN, lx->pos, fmt, ap);
	va_end(ap);
}
