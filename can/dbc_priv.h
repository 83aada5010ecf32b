/* SPDX-License-Identifier: Apache-2.0 */
/* dbc_priv.h - shared between the DBC parser, its checks and its index. */
#ifndef BENCH_CAN_DBC_PRIV_H
#define BENCH_CAN_DBC_PRIV_H

#include "dbc.h"
#include "dbc_lex.h"

/* Fill a signal's private codec fields (bitpos_, need_len_). */
void cansig_prepare(struct dbc_sig *s);

/* Out-of-frame (warning, error if strict) and overlap (strict only)
 * checks; sig_pos[m][s] is the file offset of each SG_. Returns the number
 * of errors found. */
unsigned dbc_check_layout(const struct dbc *db, struct dbc_lex *lx,
			  size_t *const *sig_pos, bool strict);

/* Per-message decode plan: which signals to look at for a frame without
 * testing every multiplexed signal (a 96-cell block message has ~100
 * signals, 4 present per frame). */
struct dbc_plan {
	int sw;		 /* top-level multiplexor (M, no parent), -1 none */
	uint32_t n_vals; /* dispatch table covers its raw values 0..n_vals-1 */
	uint32_t *off;	 /* n_vals + 1 offsets into idx */
	uint32_t *idx;	 /* per value: signals directly under sw that the
			  * value selects, ascending */
	uint32_t *gen;	 /* all other signals, ascending: test each */
	uint32_t n_gen;
};

const struct dbc_plan *dbc_plan_of(const struct dbc *db,
				   const struct dbc_msg *m);

int dbc_index_build(struct dbc *db);
void dbc_index_free(void *index);

void dbc_sig_release(struct dbc_sig *s);

#endif
