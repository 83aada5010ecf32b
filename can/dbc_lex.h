/* SPDX-License-Identifier: Apache-2.0 */
/* dbc_lex.h - character cursor for the DBC parser (private to can/dbc*.c).
 *
 * DBC is token based but not line based: BO_/SG_ end at the line's end,
 * everything else at ';', strings may span lines. So the parser pulls the
 * token it expects (word, number, string, punctuation) and the cursor
 * keeps line/column bookkeeping for "FILE:LINE:COL: problem" messages.
 */
#ifndef BENCH_CAN_DBC_LEX_H
#define BENCH_CAN_DBC_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dbc_lex {
	const char *name; /* file name in messages */
	const char *s;	  /* text, NUL-terminated, may contain NULs */
	size_t len;
	size_t pos;
	bool quiet; /* suppress warnings */
	unsigned n_warnings;
	/* line bookkeeping, advanced lazily up to pos */
	size_t counted;
	unsigned line;
	size_t line_start;
};

struct dbc_span {
	const char *p;
	size_t n;
};

void dbc_lex_init(struct dbc_lex *lx, const char *name, const char *s,
		  size_t len, bool quiet);
/* Skip blanks and newlines; next char, or -1 at end of text. */
int dbc_lex_peek(struct dbc_lex *lx);
/* Skip blanks only; true if at end of line or text. */
bool dbc_lex_at_eol(struct dbc_lex *lx);
bool dbc_lex_accept(struct dbc_lex *lx, char c);
int dbc_lex_expect(struct dbc_lex *lx, char c, const char *where);
/* [A-Za-z0-9_]+ (DBC names may start with a digit). */
bool dbc_lex_word(struct dbc_lex *lx, struct dbc_span *w);
int dbc_lex_expect_word(struct dbc_lex *lx, struct dbc_span *w,
			const char *what);
int dbc_lex_uint(struct dbc_lex *lx, uint64_t max, uint64_t *v,
		 const char *what);
int dbc_lex_int(struct dbc_lex *lx, int64_t *v, const char *what);
int dbc_lex_double(struct dbc_lex *lx, double *v, const char *what);
/* "text" with \" and \\ escapes, converted to UTF-8 (cp1252 if the bytes
 * are not UTF-8 already); *out is malloc'd. */
int dbc_lex_string(struct dbc_lex *lx, char **out, const char *what);
/* Skip to just past the next ';' outside strings, or, if a new line starts
 * with a word for which stop() is true first, to that line. */
void dbc_lex_skip_statement(struct dbc_lex *lx,
			    bool (*stop)(const struct dbc_span *w));
/* Skip the rest of the current line. */
void dbc_lex_skip_line(struct dbc_lex *lx);

bool dbc_span_is(const struct dbc_span *w, const char *s);
char *dbc_span_dup(const struct dbc_span *w);

void dbc_lex_where(struct dbc_lex *lx, size_t pos, unsigned *line,
		   unsigned *col);
/* Log "FILE:LINE:COL: msg" at the cursor (after blanks); error returns
 * BENCH_ERR_PARSE. */
int dbc_lex_error(struct dbc_lex *lx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dbc_lex_warn(struct dbc_lex *lx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dbc_lex_warn_at(struct dbc_lex *lx, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int dbc_lex_error_at(struct dbc_lex *lx, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
