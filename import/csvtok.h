/* SPDX-License-Identifier: Apache-2.0 */
/* csvtok.h - the line reader and field splitter every text importer shares.
 *
 * Reads the file in blocks of CSVTOK_BLOCK bytes and hands out one line at
 * a time from the block (memory bounded whatever the file size), counts
 * lines for error messages, splits on the separator the
 * header uses (',', ';' or tab) with double-quoted fields, and parses
 * numbers with a decimal point or, where the header says so (a ';' or tab
 * separated export with "1,5"-style numbers), a decimal comma.
 */
#ifndef BENCH_IMPORT_CSVTOK_H
#define BENCH_IMPORT_CSVTOK_H

#include <stdio.h>

#define CSVTOK_MAX_LINE 65536
#define CSVTOK_MAX_FIELDS 256
/* Read size; more than a line, so a line cut by a block's end is moved
 * to the front and completed by the next read. */
#define CSVTOK_BLOCK (4 * CSVTOK_MAX_LINE)

struct csvtok {
	FILE *f;
	const char *path;
	unsigned long line; /* 1-based number of the line in buf */
	char *buf;	    /* the line, inside blk, valid until the next */
	size_t len;
	char *blk; /* CSVTOK_BLOCK + 1 bytes read from f */
	size_t blk_pos, blk_end;
	int blk_eof;
	int eol; /* the line in buf ended with a newline (not cut short) */
	char sep;
	int decimal_comma;
	int owns_file;
	char *field[CSVTOK_MAX_FIELDS];
	size_t n_fields;
};

/* Open path for reading (logged failure: BENCH_ERR_IO). */
int csvtok_open(struct csvtok *c, const char *path);
/* Read from an already open stream (not closed by csvtok_close). */
void csvtok_init_stream(struct csvtok *c, FILE *f, const char *name);
void csvtok_close(struct csvtok *c);

/* Next line into buf without its line end (and without a UTF-8 BOM on the
 * first line). 1 = a line, 0 = end of file, <0 = error (logged: I/O, line
 * too long, NUL byte). */
int csvtok_next(struct csvtok *c);

/* Pick the separator from a header line: the most frequent of tab, ';' and
 * ','. A ';' or tab separator allows decimal commas. */
void csvtok_guess_sep(struct csvtok *c, const char *header);

/* Split buf into fields in place (quotes removed, surrounding blanks
 * trimmed). Returns the field count or <0 (logged: too many fields,
 * unterminated quote). */
int csvtok_split(struct csvtok *c);

/* Strict number: the whole trimmed field, finite. 0 or <0 (not a number;
 * not logged, the caller names the column). An empty field is an error. */
int csvtok_num(const struct csvtok *c, const char *s, double *out);

/* A duration "s", "h:m:s[.f]" or "d-h:m:s" (Neware) in seconds. */
int csvtok_duration(const struct csvtok *c, const char *s, double *out_s);

/* A date and time "YYYY-MM-DD[ T]hh:mm:ss[.f]" or "MM/DD/YYYY hh:mm:ss[.f]
 * [AM|PM]", read as UTC (the exports carry no zone), in Unix seconds. */
int csvtok_datetime(const char *s, double *out_s);

/* Lower-case copy of a column name without blanks, '_' and non-ASCII bytes
 * (so "Test_Time(s)", "Test Time (s)" and "test time(s)" compare equal;
 * "Temperature(°C)" reads "temperature(c)", and so does the one-character
 * degree Celsius sign U+2103 that Neware BTS 8 writes, "Temperature(℃)"). */
void csvtok_norm(const char *in, char *out, size_t out_len);

#endif
