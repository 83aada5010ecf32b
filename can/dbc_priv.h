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

int dbc_index_build(struct dbc *db);
void dbc_index_free(void *index);

void dbc_sig_release(struct dbc_sig *s);

#endif
