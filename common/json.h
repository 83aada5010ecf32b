/* SPDX-License-Identifier: Apache-2.0 */
/* json.h - the one JSON writer: every JSON the program prints goes here.
 *
 * Strings are escaped per RFC 8259: '"' and '\' get a backslash, control
 * characters become \u00XX, valid UTF-8 passes through and a byte that is
 * not part of valid UTF-8 becomes \ufffd. Non-finite numbers are null.
 * The writer puts the commas between members and elements:
 *
 *     struct json j;
 *     json_init_buf(&j, buf, sizeof(buf));
 *     json_obj(&j);
 *     json_key_str(&j, "pack_id", id);
 *     json_key_num(&j, "soc_pct", soc, "%.1f");
 *     json_key(&j, "cells");
 *     json_arr(&j);
 *     json_uint(&j, 3);
 *     json_end(&j);            closes the array
 *     json_end(&j);            closes the object
 *     n = json_finish(&j);
 *
 * Output goes to a FILE* or into a bounded buffer. The buffer is always
 * NUL-terminated and never written past its end: output that does not fit
 * stops there, and json_finish reports it.
 */
#ifndef BENCH_COMMON_JSON_H
#define BENCH_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16
/* the default number format: round-trips what the metrics resolve */
#define JSON_NUM_FMT "%.10g"

struct json {
	FILE *f;   /* NULL: write into buf */
	char *buf; /* cap bytes, NUL-terminated */
	size_t cap, len;
	int rc;		   /* first error, BENCH_OK until then */
	unsigned depth;	   /* open objects and arrays */
	uint32_t has_item; /* bit d: depth d has a member/element already */
	uint32_t is_arr;   /* bit d: depth d is an array */
	bool after_key;	   /* a key was written, its value comes next */
};

void json_init_file(struct json *j, FILE *f);
/* cap >= 1 */
void json_init_buf(struct json *j, char *buf, size_t cap);

void json_obj(struct json *j);
void json_arr(struct json *j);
/* Close the innermost object or array. */
void json_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_str(struct json *j, const char *s);
/* fmt: a printf format for one double (JSON_NUM_FMT, "%.3f"...). */
void json_num(struct json *j, double x, const char *fmt);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A value already formatted as a JSON number by the caller. */
void json_raw(struct json *j, const char *tok, size_t n);

/* key and value in one call */
void json_key_str(struct json *j, const char *key, const char *s);
void json_key_num(struct json *j, const char *key, double x, const char *fmt);
void json_key_int(struct json *j, const char *key, long long v);
void json_key_uint(struct json *j, const char *key, unsigned long long v);

/* Bytes written (buffer) or BENCH_OK (stream); BENCH_ERR_ARG when the
 * buffer was too small or the nesting was wrong, BENCH_ERR_IO when the
 * stream failed. */
int json_finish(struct json *j);

/* Read back the string value of "key" in a flat object this writer made
 * (the control socket's status), unescaped into out (truncated to len).
 * Returns BENCH_OK, or BENCH_ERR_PARSE when the key is absent. */
int json_scan_str(const char *js, const char *key, char *out, size_t len);

/* The number value of "key" in such an object; null reads as NaN.
 * BENCH_ERR_PARSE (and NaN) when the key is absent or not a number. */
int json_scan_num(const char *js, const char *key, double *out);

#endif
