/* SPDX-License-Identifier: Apache-2.0 */
/* csvtok.c - shared line reader and field splitter of the text importers. */
#define LOG_PREFIX "import"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/csvtok.h"

void csvtok_init_stream(struct csvtok *c, FILE *f, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->path = name;
	c->sep = ',';
}

int csvtok_open(struct csvtok *c, const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	csvtok_init_stream(c, f, path);
	c->owns_file = 1;
	c->blk = malloc(CSVTOK_BLOCK + 1);
	if (!c->blk) {
		fclose(f);
		c->f = NULL;
		return BENCH_ERR_MEM;
	}
	return BENCH_OK;
}

void csvtok_close(struct csvtok *c)
{
	if (c->f && c->owns_file)
		fclose(c->f);
	free(c->blk);
	c->blk = c->buf = NULL;
	c->f = NULL;
}

/* Move the unread part of the block to its front and read after it.
 * 0, or <0 on a read error (logged). */
static int refill(struct csvtok *c)
{
	size_t left = c->blk_end - c->blk_pos, n;

	memmove(c->blk, c->blk + c->blk_pos, left);
	c->blk_pos = 0;
	c->blk_end = left;
	n = fread(c->blk + left, 1, CSVTOK_BLOCK - left, c->f);
	c->blk_end += n;
	if (n == 0 && ferror(c->f)) {
		log_err("cannot read '%s': %s", c->path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (n == 0)
		c->blk_eof = 1;
	return 0;
}

int csvtok_next(struct csvtok *c)
{
	char *s, *nl;
	size_t n;

	if (!c->blk) {
		c->blk = malloc(CSVTOK_BLOCK + 1);
		if (!c->blk)
			return BENCH_ERR_MEM;
	}
	for (;;) {
		s = c->blk + c->blk_pos;
		n = c->blk_end - c->blk_pos;
		nl = memchr(s, '\n', n);
		if (nl) {
			n = (size_t)(nl - s);
			c->blk_pos += n + 1;
			c->eol = 1;
			break;
		}
		if (n > CSVTOK_MAX_LINE) {
			log_err("%s:%lu: line longer than %d bytes", c->path,
				c->line + 1, CSVTOK_MAX_LINE);
			return BENCH_ERR_PARSE;
		}
		if (c->blk_eof) {
			if (n == 0)
				return 0;
			c->blk_pos = c->blk_end;
			c->eol = 0;
			break;
		}
		TRY(refill(c));
	}
	if (memchr(s, '\0', n)) {
		log_err("%s:%lu: NUL byte: not a text export", c->path,
			c->line + 1);
		return BENCH_ERR_PARSE;
	}
	if (n > CSVTOK_MAX_LINE) {
		log_err("%s:%lu: line longer than %d bytes", c->path,
			c->line + 1, CSVTOK_MAX_LINE);
		return BENCH_ERR_PARSE;
	}
	c->line++;
	if (n && s[n - 1] == '\r')
		n--;
	s[n] = '\0'; /* over the newline, or the spare byte at the end */
	c->buf = s;
	c->len = n;
	if (c->line == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
		c->buf += 3;
		c->len -= 3;
	}
	return 1;
}

void csvtok_guess_sep(struct csvtok *c, const char *header)
{
	size_t tab = 0, semi = 0, comma = 0;

	for (const char *p = header; *p; p++) {
		tab += *p == '\t';
		semi += *p == ';';
		comma += *p == ',';
	}
	if (tab >= semi && tab >= comma && tab)
		c->sep = '\t';
	else if (semi >= comma && semi)
		c->sep = ';';
	else
		c->sep = ',';
	/* A comma separator cannot also be the decimal mark. */
	c->decimal_comma = c->sep != ',';
}

static char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

int csvtok_split(struct csvtok *c)
{
	char *p = c->buf, *w, *start;
	int quoted;

	c->n_fields = 0;
	for (;;) {
		if (c->n_fields == CSVTOK_MAX_FIELDS) {
			log_err("%s:%lu: more than %d fields", c->path, c->line,
				CSVTOK_MAX_FIELDS);
			return BENCH_ERR_PARSE;
		}
		while (*p == ' ' || (*p == '\t' && c->sep != '\t'))
			p++;
		start = w = p;
		quoted = *p == '"';
		if (quoted) {
			/* Quoted: "" is a quote; unquote in place. */
			p++;
			for (;;) {
				if (!*p) {
					log_err("%s:%lu: unterminated quote",
						c->path, c->line);
					return BENCH_ERR_PARSE;
				}
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			while (*p && *p != c->sep)
				p++;
		} else {
			while (*p && *p != c->sep)
				p++;
			w = p;
		}
		int last = *p == '\0';
		/* Blanks inside quotes are the value's. */
		*w = '\0';
		c->field[c->n_fields++] = quoted ? start : trim(start, w);
		if (last)
			break;
		p++;
	}
	return (int)c->n_fields;
}

/* The common case without strtod: [+-]digits[.digits][e[+-]ddd], at most
 * 19 digits, read as an integer times a power of ten. Both exact below
 * 2^53 and 1e22, so one rounding gives what strtod gives (Clinger's fast
 * path). 1 = done, 0 = not this simple form (strtod decides). */
static int num_fast(const char *p, int decimal_comma, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,	 1e3,  1e4,  1e5,
				       1e6,  1e7,  1e8,	 1e9,  1e10, 1e11,
				       1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
				       1e18, 1e19, 1e20, 1e21, 1e22};
	uint64_t m = 0; /* wraps past 19 digits: refused below */
	long digits, frac = 0;
	int neg = 0, e = 0;
	const char *start;
	double d;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (start = p; (unsigned)(*p - '0') < 10; p++)
		m = m * 10 + (uint64_t)(*p - '0');
	digits = p - start;
	if (*p == '.' || (*p == ',' && decimal_comma)) {
		for (start = ++p; (unsigned)(*p - '0') < 10; p++)
			m = m * 10 + (uint64_t)(*p - '0');
		frac = p - start;
		digits += frac;
	}
	if (!digits || digits > 19)
		return 0;
	if (*p == 'e' || *p == 'E') {
		int eneg = 0, ed = 0;

		p++;
		if (*p == '-' || *p == '+')
			eneg = *p++ == '-';
		for (; *p >= '0' && *p <= '9'; p++) {
			if (++ed > 3)
				return 0;
			e = e * 10 + (*p - '0');
		}
		if (!ed)
			return 0;
		if (eneg)
			e = -e;
	}
	e -= (int)frac;
	if (*p || m > (1ull << 53) || e < -22 || e > 22)
		return 0;
	d = (double)m;
	d = e < 0 ? d / pow10[-e] : d * pow10[e];
	*out = neg ? -d : d;
	return 1;
}

int csvtok_num(const struct csvtok *c, const char *s, double *out)
{
	char tmp[64], *end;
	size_t n;

	if (num_fast(s, c && c->decimal_comma, out))
		return BENCH_OK;
	n = strlen(s);

	if (n == 0 || n >= sizeof(tmp))
		return BENCH_ERR_PARSE;
	memcpy(tmp, s, n + 1);
	if (c && c->decimal_comma) {
		char *comma = strchr(tmp, ',');

		if (comma) {
			if (strchr(tmp, '.') || strchr(comma + 1, ','))
				return BENCH_ERR_PARSE;
			*comma = '.';
		}
	}
	errno = 0;
	*out = strtod(tmp, &end);
	if (end == tmp || *end || errno == ERANGE || !isfinite(*out))
		return BENCH_ERR_PARSE;
	return BENCH_OK;
}

/* [p, end) as 1 to 9 ASCII digits: 1 and the value, else 0. */
static int uint_digits(const char *p, const char *end, long *out)
{
	long v = 0;

	if (p >= end || end - p > 9)
		return 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 1;
}

int csvtok_duration(const struct csvtok *c, const char *s, double *out_s)
{
	double part[3] = {0, 0, 0}, sec;
	long day = 0, h, m, v;
	char *end;
	const char *p = s;
	int n = 0;

	if (!strchr(s, ':'))
		return csvtok_num(c, s, out_s);
	/* d-h:m:s or h:m:s[.f] or m:s[.f]; the last part may carry a
	 * decimal comma in a European export. */
	if (strchr(s, '-')) {
		errno = 0;
		day = strtol(s, &end, 10);
		if (end == s || *end != '-' || day < 0)
			return BENCH_ERR_PARSE;
		p = end + 1;
	}
	for (;;) {
		const char *colon = strchr(p, ':');

		if (!colon)
			break;
		if (n == 2)
			return BENCH_ERR_PARSE;
		if (!uint_digits(p, colon, &v)) {
			errno = 0;
			v = strtol(p, &end, 10);
			if (end != colon || v < 0)
				return BENCH_ERR_PARSE;
		}
		part[n] = (double)v;
		n++;
		p = colon + 1;
	}
	if (csvtok_num(c, p, &sec) < 0 || sec < 0 || sec >= 60.0 + 1e-9)
		return BENCH_ERR_PARSE;
	h = n == 2 ? (long)part[0] : 0;
	m = n == 2 ? (long)part[1] : (long)part[0];
	if (m >= 60)
		return BENCH_ERR_PARSE;
	*out_s =
	    (double)day * 86400.0 + (double)h * 3600.0 + (double)m * 60.0 + sec;
	return BENCH_OK;
}

/* Days from 1970-01-01 to y-mo-d (proleptic Gregorian), what timegm
 * gives, without its time-zone machinery (Howard Hinnant's
 * days_from_civil; a day past the month's end runs into the next month,
 * as timegm's). */
static long days_from_civil(long y, long mo, long d)
{
	long era, yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The two layouts the exports write in full, digit by digit:
 * "YYYY-MM-DD hh:mm:ss[.f]" (or 'T') and "MM/DD/YYYY hh:mm:ss[.f][ AM|PM]".
 * 1 = read, 0 = another form (sscanf decides). */
static int datetime_fast(const char *s, int *y, int *mo, int *d, int *h,
			 int *mi, double *sec)
{
	long v[5];
	const char *t = s + 10;
	size_t n = strlen(s);
	int iso, pm = -1; /* -1: a 24-hour clock */
	char secs[32];

	if (n < 19)
		return 0;
	iso = s[4] == '-';
	if ((*t != ' ' && !(iso && *t == 'T')) || t[3] != ':' || t[6] != ':' ||
	    !uint_digits(t + 1, t + 3, &v[3]) ||
	    !uint_digits(t + 4, t + 6, &v[4]))
		return 0;
	if (iso ? s[7] != '-' || !uint_digits(s, s + 4, &v[0]) ||
		      !uint_digits(s + 5, s + 7, &v[1]) ||
		      !uint_digits(s + 8, s + 10, &v[2])
		: s[2] != '/' || s[5] != '/' || !uint_digits(s, s + 2, &v[1]) ||
		      !uint_digits(s + 3, s + 5, &v[2]) ||
		      !uint_digits(s + 6, s + 10, &v[0]))
		return 0;
	if (!iso && s[n - 3] == ' ' && (s[n - 1] | 0x20) == 'm' &&
	    ((s[n - 2] | 0x20) == 'a' || (s[n - 2] | 0x20) == 'p')) {
		pm = (s[n - 2] | 0x20) == 'p';
		n -= 3;
	}
	if (n - 17 >= sizeof(secs) || !(t[7] >= '0' && t[7] <= '9'))
		return 0;
	memcpy(secs, t + 7, n - 17);
	secs[n - 17] = '\0';
	if (!num_fast(secs, 0, sec))
		return 0;
	if (pm >= 0) {
		if (v[3] < 1 || v[3] > 12)
			return 0;
		v[3] = v[3] % 12 + (pm ? 12 : 0);
	}
	*y = (int)v[0];
	*mo = (int)v[1];
	*d = (int)v[2];
	*h = (int)v[3];
	*mi = (int)v[4];
	return 1;
}

int csvtok_datetime(const char *s, double *out_s)
{
	int y, mo, d, h, mi, used = 0;
	double sec;
	char ampm[3] = "";

	if (datetime_fast(s, &y, &mo, &d, &h, &mi, &sec)) {
	} else if (sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d:%lf%n", &y, &mo, &d, &h,
			  &mi, &sec, &used) == 6) {
	} else if (sscanf(s, "%2d/%2d/%4d %2d:%2d:%lf%n", &mo, &d, &y, &h, &mi,
			  &sec, &used) == 6) {
		if (sscanf(s + used, " %2[AaPpMm]", ampm) == 1) {
			if (h < 1 || h > 12)
				return BENCH_ERR_PARSE;
			h = h % 12 + ((ampm[0] | 0x20) == 'p' ? 12 : 0);
		}
	} else if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) == 3 ||
		   sscanf(s, "%2d/%2d/%4d%n", &mo, &d, &y, &used) == 3) {
		/* Maccor writes midnight as the date alone. */
		if (s[used] && s[used] != ' ' && s[used] != '\t')
			return BENCH_ERR_PARSE;
		h = mi = 0;
		sec = 0;
	} else {
		char *end;
		double u = strtod(s, &end);

		/* Unix seconds (Arbin's DateTime in some exports). */
		if (end == s || *end || !(u >= 1e8 && u < 7.3e9))
			return BENCH_ERR_PARSE;
		*out_s = u;
		return BENCH_OK;
	}
	if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec >= 61)
		return BENCH_ERR_PARSE;
	*out_s = (double)(days_from_civil(y, mo, d) * 86400L + h * 3600L +
			  mi * 60L) +
		 sec;
	return BENCH_OK;
}

/* U+2103 DEGREE CELSIUS in UTF-8. */
static const char celsius_sign[] = "\xe2\x84\x83";

void csvtok_norm(const char *in, char *out, size_t out_len)
{
	size_t k = 0;

	for (; *in && k + 1 < out_len; in++) {
		unsigned char ch = (unsigned char)*in;

		if (!strncmp(in, celsius_sign, sizeof(celsius_sign) - 1)) {
			out[k++] = 'c';
			in += sizeof(celsius_sign) - 2;
			continue;
		}

		if (ch == ' ' || ch == '_' || ch == '\t' || ch >= 0x80)
			continue;
		out[k++] = (char)tolower(ch);
	}
	out[k] = '\0';
}
