/* SPDX-License-Identifier: Apache-2.0 */
/* csvtok.c - shared line reader and field splitter of the text importers. */
#define LOG_PREFIX "import"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	c->buf = malloc(CSVTOK_MAX_LINE + 1);
	if (!c->buf) {
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
	free(c->buf);
	c->buf = NULL;
	c->f = NULL;
}

int csvtok_next(struct csvtok *c)
{
	size_t n = 0;
	int ch;

	if (!c->buf) {
		c->buf = malloc(CSVTOK_MAX_LINE + 1);
		if (!c->buf)
			return BENCH_ERR_MEM;
	}
	c->eol = 0;
	while ((ch = getc(c->f)) != EOF) {
		if (ch == '\n') {
			c->eol = 1;
			break;
		}
		if (ch == '\0') {
			log_err("%s:%lu: NUL byte: not a text export", c->path,
				c->line + 1);
			return BENCH_ERR_PARSE;
		}
		if (n == CSVTOK_MAX_LINE) {
			log_err("%s:%lu: line longer than %d bytes", c->path,
				c->line + 1, CSVTOK_MAX_LINE);
			return BENCH_ERR_PARSE;
		}
		c->buf[n++] = (char)ch;
	}
	if (ferror(c->f)) {
		log_err("cannot read '%s': %s", c->path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (ch == EOF && n == 0)
		return 0;
	c->line++;
	if (n && c->buf[n - 1] == '\r')
		n--;
	c->buf[n] = '\0';
	c->len = n;
	if (c->line == 1 && n >= 3 && !memcmp(c->buf, "\xEF\xBB\xBF", 3)) {
		memmove(c->buf, c->buf + 3, n - 2);
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

int csvtok_num(const struct csvtok *c, const char *s, double *out)
{
	char tmp[64], *end;
	size_t n = strlen(s);

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

int csvtok_duration(const struct csvtok *c, const char *s, double *out_s)
{
	double part[3] = {0, 0, 0}, sec;
	long day = 0, h, m;
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
		errno = 0;
		part[n] = (double)strtol(p, &end, 10);
		if (end != colon || part[n] < 0)
			return BENCH_ERR_PARSE;
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

int csvtok_datetime(const char *s, double *out_s)
{
	struct tm tm;
	int y, mo, d, h, mi, used = 0;
	double sec;
	char ampm[3] = "";

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi,
		   &sec, &used) == 6) {
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
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	*out_s = (double)timegm(&tm) + sec;
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
