/* SPDX-License-Identifier: Apache-2.0 */
/* recipe_lex.h - tokens and quantities of one recipe line (private to
 * recipe.c / recipe_lex.c).
 *
 * A token is a run of characters other than blanks and '['; columns are
 * 1-based. A quantity is a number with a unit, written attached ("4.2V",
 * "1C") or apart ("4.2 V"), or a C-rate "C/3".
 */
#ifndef BENCH_RECIPE_LEX_H
#define BENCH_RECIPE_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rlex {
	const char *name; /* file name for messages */
	uint32_t line;
	const char *s;	 /* the line (not NUL-terminated) */
	size_t pos, end; /* cursor and end of the part being read */
	char *err;	 /* message buffer (recipe.error) */
	size_t err_len;
};

struct rtok {
	const char *p;
	size_t len;
	uint32_t col;
};

enum rq_kind {
	RQ_VOLT = 1u << 0,    /* value in V */
	RQ_CURRENT = 1u << 1, /* value in A */
	RQ_CRATE = 1u << 2,   /* value in C */
	RQ_POWER = 1u << 3,   /* W */
	RQ_TIME = 1u << 4,    /* s */
	RQ_AH = 1u << 5,      /* Ah */
	RQ_WH = 1u << 6,      /* Wh */
	RQ_TEMP = 1u << 7,    /* degrees C */
};

struct rquant {
	enum rq_kind kind;
	double value;
	uint32_t col;  /* of the number */
	char text[32]; /* as written, for messages */
};

/* Next token; false at the end (t->col is then the end column). */
bool rlex_next(struct rlex *lx, struct rtok *t);
bool rlex_peek(const struct rlex *lx, struct rtok *t);
uint32_t rlex_col(const struct rlex *lx);

/* Case-insensitive whole-token match. */
bool rtok_is(const struct rtok *t, const char *word);

/* "FILE:LINE:COL: expected EXPECTED, found 'TOK'" (or "found end of line"
 * when tok is NULL); logged once. Returns BENCH_ERR_PARSE. */
int rlex_fail(struct rlex *lx, uint32_t col, const char *expected,
	      const struct rtok *tok);
/* Same with a free-form found text. */
int rlex_fail_text(struct rlex *lx, uint32_t col, const char *expected,
		   const char *found);

/* Read a quantity whose kind is in allowed; what names it for messages
 * ("a current (A, mA, 1C, C/3) or power (W, kW)"). Negative numbers only
 * if allow_negative. "C" is a temperature when RQ_TEMP is allowed, else a
 * C-rate. */
int rlex_quantity(struct rlex *lx, unsigned allowed, bool allow_negative,
		  const char *what, struct rquant *q);

#endif
