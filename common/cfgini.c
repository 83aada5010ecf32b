/* SPDX-License-Identifier: Apache-2.0 */
/* cfgini.c - line-numbered INI reading over libinih. */
#define LOG_PREFIX "config"

#include "common/cfgini.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/rc.h"

/* libinih's reader: one line per call, counted. */
static char *reader(char *str, int num, void *stream)
{
	struct cfgini *c = stream;
	const char *s = c->text + c->pos;
	const char *nl;
	size_t len;

	if (c->failed || *s == '\0')
		return NULL;
	nl = strchr(s, '\n');
	len = nl ? (size_t)(nl - s) + 1 : strlen(s);
	c->line++;
	if (len > (size_t)num - 1) {
		cfgini_fail(c, "", "line longer than %d characters", num - 2);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\0';
	c->pos += len;
	return str;
}

/* A key given twice would silently win over the first: refused. */
static int once(struct cfgini *c, const char *section, const char *key)
{
	char *id, **seen;
	unsigned *lines;

	if (asprintf(&id, "%s]%s", section, key) < 0)
		return cfgini_fail(c, key, "out of memory");
	for (size_t i = 0; i < c->n_seen; i++)
		if (!strcmp(c->seen[i], id)) {
			free(id);
			return cfgini_fail(c, key,
					   "given twice (first on line %u)",
					   c->seen_line[i]);
		}
	seen = realloc(c->seen, (c->n_seen + 1) * sizeof(*seen));
	if (seen)
		c->seen = seen;
	lines = realloc(c->seen_line, (c->n_seen + 1) * sizeof(*lines));
	if (lines)
		c->seen_line = lines;
	if (!seen || !lines) {
		free(id);
		return cfgini_fail(c, key, "out of memory");
	}
	c->seen[c->n_seen] = id;
	c->seen_line[c->n_seen++] = c->line;
	return 0;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct cfgini *c = user;

	if (c->failed)
		return 0;
	return c->fn(c, section, key, value) < 0 || once(c, section, key) < 0
		   ? 0
		   : 1;
}

int cfgini_run(const char *text, const char *name, void *user,
	       int (*fn)(struct cfgini *c, const char *section, const char *key,
			 const char *value),
	       char *err, size_t err_len)
{
	/* clang-format off */
	struct cfgini c = {
		.name = name, .text = text, .err = err, .err_len = err_len,
		.user = user, .fn = fn,
	};
	/* clang-format on */
	int rc;

	err[0] = '\0';
	rc = ini_parse_stream(reader, &c, handler, &c);
	for (size_t i = 0; i < c.n_seen; i++)
		free(c.seen[i]);
	free(c.seen);
	free(c.seen_line);
	if (c.failed)
		return BENCH_ERR_PARSE;
	if (rc != 0) {
		snprintf(err, err_len,
			 "%s:%d: expected '[section]' or 'key = value'", name,
			 rc);
		log_err("%s", err);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

int cfgini_fail(struct cfgini *c, const char *key, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key && key[0])
		snprintf(c->err, c->err_len, "%s:%u: key '%s': %s", c->name,
			 c->line, key, msg);
	else
		snprintf(c->err, c->err_len, "%s:%u: %s", c->name, c->line,
			 msg);
	log_err("%s", c->err);
	c->failed = true;
	return BENCH_ERR_PARSE;
}

int cfgini_fail_line(const char *name, unsigned line, char *err, size_t err_len,
		     const char *key, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, err_len, "%s:%u: key '%s': %s", name, line, key, msg);
	log_err("%s", err);
	return BENCH_ERR_PARSE;
}

int cfgini_fail_file(const char *name, char *err, size_t err_len,
		     const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, err_len, "%s: %s", name, msg);
	log_err("%s", err);
	return BENCH_ERR_PARSE;
}

int cfgini_str(struct cfgini *c, const char *key, const char *value, char *buf,
	       size_t len)
{
	size_t n = strlen(value);

	if (n == 0)
		return cfgini_fail(c, key, "expected a value, found nothing");
	if (n >= len)
		return cfgini_fail(c, key, "value longer than %zu characters",
				   len - 1);
	memcpy(buf, value, n + 1);
	return 0;
}

bool cfgini_scan_double(const char **s, double *out)
{
	const char *p = *s;
	double v = 0.0, frac = 0.1;
	bool neg = false;
	unsigned digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	while (*p >= '0' && *p <= '9') {
		v = v * 10.0 + (*p++ - '0');
		digits++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			v += (*p++ - '0') * frac;
			frac /= 10.0;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	*out = neg ? -v : v;
	*s = p;
	return true;
}

int cfgini_double(struct cfgini *c, const char *key, const char *value,
		  double min, double max, double *out)
{
	const char *p = value;
	double v;

	if (!cfgini_scan_double(&p, &v) || *p != '\0')
		return cfgini_fail(c, key, "expected a number, found '%s'",
				   value);
	if (v < min || v > max)
		return cfgini_fail(
		    c, key, "expected a number from %g to %g, found '%s'", min,
		    max, value);
	*out = v;
	return 0;
}

int cfgini_uint(struct cfgini *c, const char *key, const char *value,
		uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	const char *p = value;

	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT32_MAX)
			goto range;
	}
	if (v < min || v > max)
		goto range;
	*out = (uint32_t)v;
	return 0;
bad:
	return cfgini_fail(c, key, "expected a whole number, found '%s'",
			   value);
range:
	return cfgini_fail(c, key,
			   "expected a whole number from %u to %u, found '%s'",
			   min, max, value);
}

int cfgini_int(struct cfgini *c, const char *key, const char *value,
	       int32_t min, int32_t max, int32_t *out)
{
	long long v = 0;
	const char *p = value;
	bool neg = false;

	if (*p == '-')
		neg = *p++ == '-';
	if (*p == '\0')
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (*p - '0');
		if (v > (long long)INT32_MAX + 1)
			goto range;
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		goto range;
	*out = (int32_t)v;
	return 0;
bad:
	return cfgini_fail(c, key, "expected a whole number, found '%s'",
			   value);
range:
	return cfgini_fail(c, key,
			   "expected a whole number from %d to %d, found '%s'",
			   min, max, value);
}

int cfgini_bool(struct cfgini *c, const char *key, const char *value, bool *out)
{
	if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
	    !strcmp(value, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(value, "false") || !strcasecmp(value, "no") ||
	    !strcmp(value, "0")) {
		*out = false;
		return 0;
	}
	return cfgini_fail(c, key, "expected true or false, found '%s'", value);
}

int cfgini_read_file(const char *path, char **text, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = BENCH_OK;

	*text = NULL;
	if (!f) {
		snprintf(err, err_len, "cannot open '%s': %s", path,
			 strerror(errno));
		log_err("%s", err);
		return BENCH_ERR_IO;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				snprintf(err, err_len,
					 "cannot read '%s': out of memory",
					 path);
				log_err("%s", err);
				rc = BENCH_ERR_MEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, err_len, "cannot read '%s': %s", path,
			 strerror(errno));
		log_err("%s", err);
		rc = BENCH_ERR_IO;
		goto out;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, err_len, "%s: expected text, found a NUL byte",
			 path);
		log_err("%s", err);
		rc = BENCH_ERR_PARSE;
		goto out;
	}
	*text = buf;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return rc;
}

void cfgini_dirname(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

int cfgini_resolve(const char *base_dir, const char *rel, char *buf, size_t len)
{
	int n;

	if (!base_dir || rel[0] == '/')
		n = snprintf(buf, len, "%s", rel);
	else
		n = snprintf(buf, len, "%s/%s", base_dir, rel);
	return n < 0 || (size_t)n >= len ? BENCH_ERR_ARG : BENCH_OK;
}
