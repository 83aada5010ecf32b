/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_csvtok.c - the tokenizer's block reader and its number and
 * date shortcuts give what the slow, obvious way gives. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import/csvtok.h"
#include "support.h"

TestSuite(import_csvtok, .timeout = 60);

/* Lines of every length up to a few hundred bytes, so that many of them
 * straddle a block's end, CRLF on every other one, no newline after the
 * last: each comes back whole, numbered, without its line end. */
Test(import_csvtok, lines_across_blocks_come_back_whole)
{
	size_t n_lines = 3 * CSVTOK_BLOCK / 150, len = 0,
	       cap = 4 * CSVTOK_BLOCK;
	char *text = malloc(cap), *want = malloc(512);
	struct csvtok c;
	FILE *f;

	cr_assert(text && want);
	for (size_t i = 0; i < n_lines; i++) {
		size_t w = (i * 37) % 300;

		for (size_t k = 0; k < w; k++)
			text[len++] = (char)('a' + (i + k) % 26);
		if (i + 1 < n_lines)
			len += (size_t)sprintf(text + len, "%s",
					       i % 2 ? "\r\n" : "\n");
	}
	f = fmemopen(text, len, "rb");
	cr_assert(f);
	csvtok_init_stream(&c, f, "mem");
	for (size_t i = 0; i < n_lines; i++) {
		size_t w = (i * 37) % 300;

		for (size_t k = 0; k < w; k++)
			want[k] = (char)('a' + (i + k) % 26);
		want[w] = '\0';
		cr_assert_eq(csvtok_next(&c), 1, "line %zu", i + 1);
		cr_assert_eq(c.line, i + 1);
		cr_assert_eq(c.len, w, "line %zu: %zu bytes, want %zu", i + 1,
			     c.len, w);
		cr_assert_str_eq(c.buf, want, "line %zu", i + 1);
		cr_assert_eq(c.eol, i + 1 < n_lines);
	}
	cr_assert_eq(csvtok_next(&c), 0);
	csvtok_close(&c);
	fclose(f);
	free(text);
	free(want);
}

/* The longest line allowed passes; one byte more is refused, naming the
 * line. */
Test(import_csvtok, line_length_limit)
{
	size_t len = 2 * (CSVTOK_MAX_LINE + 2) + 8;
	char *text = malloc(len), *p = text;
	struct csvtok c;
	FILE *f;

	cr_assert(text);
	memset(p, 'x', CSVTOK_MAX_LINE);
	p += CSVTOK_MAX_LINE;
	*p++ = '\n';
	memset(p, 'y', CSVTOK_MAX_LINE + 1);
	p += CSVTOK_MAX_LINE + 1;
	*p++ = '\n';
	f = fmemopen(text, (size_t)(p - text), "rb");
	cr_assert(f);
	csvtok_init_stream(&c, f, "mem");
	cr_assert_eq(csvtok_next(&c), 1);
	cr_assert_eq(c.len, CSVTOK_MAX_LINE);
	cr_assert_lt(csvtok_next(&c), 0);
	csvtok_close(&c);
	fclose(f);
	free(text);
}

Test(import_csvtok, nul_byte_refused)
{
	static const char text[] = "a,b\n1,\0002\n";
	struct csvtok c;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "rb");

	cr_assert(f);
	csvtok_init_stream(&c, f, "mem");
	cr_assert_eq(csvtok_next(&c), 1);
	cr_assert_lt(csvtok_next(&c), 0);
	csvtok_close(&c);
	fclose(f);
}

/* A small deterministic generator: the same numbers on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Numbers as exports write them (and some that only strtod reads): bit
 * for bit what strtod gives, with a decimal point or a decimal comma. */
Test(import_csvtok, numbers_as_strtod_reads_them)
{
	static const char *const odd[] = {"0",
					  "-0",
					  "+1",
					  ".5",
					  "5.",
					  "1e5",
					  "1E-5",
					  "-2.5e+3",
					  "123456789012345678",
					  "9007199254740993",
					  "1234567890123456789012",
					  "0.1",
					  "1e23",
					  "1e-23",
					  "2.2250738585072014e-308",
					  "1.7976931348623157e308",
					  "0x10",
					  "00012.50",
					  "3.14159265358979323846"};
	struct csvtok comma = {.decimal_comma = 1};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char s[64];
	double got, want;

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		want = strtod(odd[i], NULL);
		cr_assert_eq(csvtok_num(NULL, odd[i], &got), 0, "%s", odd[i]);
		cr_assert(memcmp(&got, &want, sizeof(got)) == 0,
			  "%s: %.17g, strtod %.17g", odd[i], got, want);
	}
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rnd(&seed), m = r >> 8, ten = 1;
		int digits = 1 + (int)(r % 17), point = (int)((r >> 5) % 8);
		const char *sign = (r >> 63) ? "-" : "";
		char body[24];
		char *c;

		for (int k = 0; k < digits; k++)
			ten *= 10;
		snprintf(body, sizeof(body), "%0*llu", digits,
			 (unsigned long long)(m % ten));
		if (point > 0 && point < digits)
			snprintf(s, sizeof(s), "%s%.*s.%s", sign,
				 digits - point, body, body + digits - point);
		else
			snprintf(s, sizeof(s), "%s%s", sign, body);
		want = strtod(s, NULL);
		cr_assert_eq(csvtok_num(NULL, s, &got), 0, "%s", s);
		cr_assert(memcmp(&got, &want, sizeof(got)) == 0,
			  "%s: %.17g, strtod %.17g", s, got, want);
		c = strchr(s, '.');
		if (c) {
			*c = ',';
			cr_assert_eq(csvtok_num(&comma, s, &got), 0, "%s", s);
			cr_assert(memcmp(&got, &want, sizeof(got)) == 0,
				  "%s: %.17g, strtod %.17g", s, got, want);
			cr_expect_lt(csvtok_num(NULL, s, &got), 0, "%s", s);
		}
	}
	cr_expect_lt(csvtok_num(NULL, "1e", &got), 0);
	cr_expect_lt(csvtok_num(NULL, "-", &got), 0);
	cr_expect_lt(csvtok_num(NULL, "1.2.3", &got), 0);
	cr_expect_lt(csvtok_num(NULL, "1 ", &got), 0);
	cr_expect_lt(csvtok_num(NULL, "inf", &got), 0);
	cr_expect_lt(csvtok_num(&comma, "1,5.0", &got), 0);
}

/* Dates in both layouts against timegm, over the years the reader takes,
 * with and without fractions of a second. */
Test(import_csvtok, dates_as_timegm_reads_them)
{
	uint64_t seed = 12345;
	char iso[64], us[64], ampm[96];

	for (int i = 0; i < 50000; i++) {
		uint64_t r = rnd(&seed);
		struct tm tm = {.tm_year = 70 + (int)(r % 231),
				.tm_mon = (int)((r >> 8) % 12),
				.tm_mday = 1 + (int)((r >> 12) % 31),
				.tm_hour = (int)((r >> 20) % 24),
				.tm_min = (int)((r >> 26) % 60)};
		int ms = (int)((r >> 32) % 60000);
		double want, got;

		want = (double)timegm(&tm) + ms / 1000.0;
		snprintf(iso, sizeof(iso),
			 "%04d-%02d-%02d%c%02d:%02d:%02d.%03d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 (r >> 50) & 1 ? 'T' : ' ', tm.tm_hour, tm.tm_min,
			 ms / 1000, ms % 1000);
		snprintf(us, sizeof(us), "%02d/%02d/%04d %02d:%02d:%02d.%03d",
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min, ms / 1000, ms % 1000);
		cr_assert_eq(csvtok_datetime(iso, &got), 0, "%s", iso);
		cr_assert_float_eq(got, want, 1e-6, "%s", iso);
		cr_assert_eq(csvtok_datetime(us, &got), 0, "%s", us);
		cr_assert_float_eq(got, want, 1e-6, "%s", us);
		/* Maccor's 12-hour clock: 12 AM is midnight, 12 PM noon. */
		snprintf(ampm, sizeof(ampm), "%.*s%02d%s %s", 11, us,
			 (tm.tm_hour + 11) % 12 + 1, us + 13,
			 tm.tm_hour < 12 ? ((r >> 52) & 1 ? "am" : "AM")
					 : "PM");
		cr_assert_eq(csvtok_datetime(ampm, &got), 0, "%s", ampm);
		cr_assert_float_eq(got, want, 1e-6, "%s", ampm);
	}
	cr_expect_lt(csvtok_datetime("2021-13-04 10:00:00", &(double){0}), 0);
	cr_expect_lt(csvtok_datetime("2021-03-04 24:00:00", &(double){0}), 0);
	cr_expect_lt(csvtok_datetime("2021-03-04 10:00:61", &(double){0}), 0);
	cr_expect_lt(csvtok_datetime("1969-12-31 23:59:59", &(double){0}), 0);
	cr_expect_lt(csvtok_datetime("2021-03", &(double){0}), 0);
	cr_expect_lt(csvtok_datetime("03/04/2021 13:00:00 PM", &(double){0}),
		     0);
	cr_expect_lt(csvtok_datetime("03/04/2021 00:00:00 AM", &(double){0}),
		     0);
}
