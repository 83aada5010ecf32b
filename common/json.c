/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - the JSON writer (see json.h). */
#define LOG_PREFIX "json"
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

void json_init_file(struct json *j, FILE *f)
{
	*j = (struct json){.f = f};
}

void json_init_buf(struct json *j, char *buf, size_t cap)
{
	*j = (struct json){.buf = buf, .cap = cap};
	buf[0] = '\0';
}

static void fail(struct json *j, int rc, const char *what)
{
	if (j->rc < 0)
		return;
	j->rc = rc;
	log_err("%s", what);
}

static void put(struct json *j, const char *s, size_t n)
{
	if (j->rc < 0)
		return;
	if (j->f) {
		if (fwrite(s, 1, n, j->f) != n)
			j->rc = BENCH_ERR_IO; /* the caller names the stream */
		return;
	}
	if (n >= j->cap - j->len) {
		/* keep what fits whole-byte-wise, never past the end */
		n = j->cap - j->len - 1;
		memcpy(j->buf + j->len, s, n);
		j->len += n;
		j->buf[j->len] = '\0';
		fail(j, BENCH_ERR_ARG, "JSON output does not fit its buffer");
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void putc_(struct json *j, char c)
{
	put(j, &c, 1);
}

/* The separator before a value: a comma unless it is the first one here,
 * nothing after a key. */
static void value_start(struct json *j)
{
	uint32_t bit = 1u << j->depth;

	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->has_item & bit)
		putc_(j, ',');
	j->has_item |= bit;
}

static void open_(struct json *j, char c)
{
	value_start(j);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		fail(j, BENCH_ERR_ARG, "JSON nested too deep");
		return;
	}
	putc_(j, c);
	j->depth++;
	j->has_item &= ~(1u << j->depth);
	if (c == '[')
		j->is_arr |= 1u << j->depth;
	else
		j->is_arr &= ~(1u << j->depth);
}

void json_obj(struct json *j)
{
	open_(j, '{');
}

void json_arr(struct json *j)
{
	open_(j, '[');
}

void json_end(struct json *j)
{
	if (j->depth == 0) {
		fail(j, BENCH_ERR_ARG, "JSON end without an open object");
		return;
	}
	j->depth--;
	putc_(j, (j->is_arr >> (j->depth + 1)) & 1 ? ']' : '}');
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return n;
}

static void string_(struct json *j, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s;

	putc_(j, '"');
	while (*s) {
		char e[7] = "\\u00";
		size_t n;

		if (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') {
			s++;
			continue;
		}
		if (*s >= 0x80 && (n = utf8_len(s))) {
			s += n;
			continue;
		}
		put(j, (const char *)run, (size_t)(s - run));
		if (*s == '"' || *s == '\\') {
			e[1] = (char)*s;
			put(j, e, 2);
		} else if (*s < 0x20) {
			e[4] = hex[*s >> 4];
			e[5] = hex[*s & 15];
			put(j, e, 6);
		} else {
			put(j, "\\ufffd", 6);
		}
		run = ++s;
	}
	put(j, (const char *)run, (size_t)(s - run));
	putc_(j, '"');
}

void json_key(struct json *j, const char *key)
{
	value_start(j);
	string_(j, key);
	putc_(j, ':');
	j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
	value_start(j);
	string_(j, s);
}

void json_num(struct json *j, double x, const char *fmt)
{
	char tmp[64];
	int n;

	value_start(j);
	if (!isfinite(x)) {
		put(j, "null", 4);
		return;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = snprintf(tmp, sizeof(tmp), fmt, x);
#pragma GCC diagnostic pop
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fail(j, BENCH_ERR_ARG, "JSON number format too long");
		return;
	}
	put(j, tmp, (size_t)n);
}

void json_int(struct json *j, long long v)
{
	char tmp[24];

	value_start(j);
	put(j, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%lld", v));
}

void json_uint(struct json *j, unsigned long long v)
{
	char tmp[24];

	value_start(j);
	put(j, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%llu", v));
}

void json_bool(struct json *j, bool v)
{
	value_start(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void json_null(struct json *j)
{
	value_start(j);
	put(j, "null", 4);
}

void json_raw(struct json *j, const char *tok, size_t n)
{
	value_start(j);
	put(j, tok, n);
}

void json_key_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_key_num(struct json *j, const char *key, double x, const char *fmt)
{
	json_key(j, key);
	json_num(j, x, fmt);
}

void json_key_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_key_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_uint(j, v);
}

int json_finish(struct json *j)
{
	if (j->rc == BENCH_OK && (j->depth || j->after_key))
		fail(j, BENCH_ERR_ARG, "JSON left unfinished");
	if (j->f && j->rc == BENCH_OK && ferror(j->f))
		j->rc = BENCH_ERR_IO;
	if (j->rc < 0)
		return j->rc;
	return j->f ? BENCH_OK : (int)j->len;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int json_scan_str(const char *js, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key), o = 0;
	const char *p = js;

	out[0] = '\0';
	/* "key":" with the key's own quotes: an escaped quote inside a value
	 * reads \" and cannot match */
	for (;; p++) {
		p = strstr(p, key);
		if (!p)
			return BENCH_ERR_PARSE;
		if (p > js && p[-1] == '"' && !strncmp(p + kl, "\":\"", 3))
			break;
	}
	for (p += kl + 3; *p && *p != '"' && o + 1 < len; p++) {
		char c = *p;

		if (c == '\\' && p[1]) {
			c = *++p;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'r')
				c = '\r';
			else if (c == 'u') {
				int v = 0;

				for (int k = 1; k <= 4; k++) {
					int h = unhex(p[k]);

					if (h < 0)
						return BENCH_ERR_PARSE;
					v = v * 16 + h;
				}
				p += 4;
				c = v < 0x80 ? (char)v : '?';
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return BENCH_OK;
}

int json_scan_num(const char *js, const char *key, double *out)
{
	size_t kl = strlen(key);
	const char *p = js;
	char *end;

	*out = NAN;
	for (;; p++) {
		p = strstr(p, key);
		if (!p)
			return BENCH_ERR_PARSE;
		if (p > js && p[-1] == '"' && !strncmp(p + kl, "\":", 2))
			break;
	}
	p += kl + 2;
	if (!strncmp(p, "null", 4))
		return BENCH_OK;
	*out = strtod(p, &end);
	if (end == p) {
		*out = NAN;
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}
