/* SPDX-License-Identifier: Apache-2.0 */
/* dbc_check.c - layout checks: signals outside their frame, overlaps. */
#define LOG_PREFIX "dbc"
#include "dbc.h"

#include <string.h>

#include "dbc_priv.h"

#define LAYOUT_WORDS (8 * CANFRAME_MAX_LEN / 64)

struct layout {
	uint64_t w[LAYOUT_WORDS];
};

static void layout_of(const struct dbc_sig *s, struct layout *l)
{
	memset(l, 0, sizeof(*l));
	for (unsigned i = 0; i < s->len; i++) {
		unsigned k = s->bitpos_ + i, b;

		/* payload bit number b = 8*byte + bit-in-byte */
		b = s->big_endian ? 8 * (k / 8) + 7 - k % 8 : k;
		if (b < 8 * CANFRAME_MAX_LEN)
			l->w[b / 64] |= UINT64_C(1) << (b % 64);
	}
}

static bool layouts_meet(const struct layout *a, const struct layout *b)
{
	for (unsigned i = 0; i < LAYOUT_WORDS; i++)
		if (a->w[i] & b->w[i])
			return true;
	return false;
}

static bool ranges_meet(const struct dbc_sig *a, const struct dbc_sig *b)
{
	for (size_t i = 0; i < a->n_mux_ranges; i++)
		for (size_t k = 0; k < b->n_mux_ranges; k++)
			if (a->mux_ranges[i].lo <= b->mux_ranges[k].hi &&
			    b->mux_ranges[k].lo <= a->mux_ranges[i].hi)
				return true;
	return false;
}

/* Can both signals be present in the same frame? Signals under different
 * multiplexors are given the benefit of the doubt. */
static bool coexist(const struct dbc_sig *a, const struct dbc_sig *b)
{
	if (a->mux_parent < 0 || b->mux_parent < 0)
		return true;
	return a->mux_parent == b->mux_parent && ranges_meet(a, b);
}

static unsigned check_msg(const struct dbc_msg *m, struct dbc_lex *lx,
			  const size_t *pos, bool strict)
{
	struct layout la, lb;
	unsigned errors = 0;

	for (size_t i = 0; i < m->n_sigs; i++) {
		const struct dbc_sig *s = &m->sigs[i];

		if (s->need_len_ <= m->size)
			continue;
		if (strict) {
			dbc_lex_error_at(lx, pos[i],
					 "signal '%s' of message '%s' needs %u "
					 "bytes, the message has %u",
					 s->name, m->name, s->need_len_,
					 m->size);
			errors++;
		} else {
			dbc_lex_warn_at(lx, pos[i],
					"signal '%s' of message '%s' needs %u "
					"bytes, the message has %u",
					s->name, m->name, s->need_len_,
					m->size);
		}
	}
	if (!strict)
		return errors;
	for (size_t i = 0; i < m->n_sigs; i++) {
		layout_of(&m->sigs[i], &la);
		for (size_t k = i + 1; k < m->n_sigs; k++) {
			if (!coexist(&m->sigs[i], &m->sigs[k]))
				continue;
			layout_of(&m->sigs[k], &lb);
			if (!layouts_meet(&la, &lb))
				continue;
			dbc_lex_error_at(
			    lx, pos[k],
			    "signal '%s' of message '%s' overlaps signal '%s'",
			    m->sigs[k].name, m->name, m->sigs[i].name);
			errors++;
		}
	}
	return errors;
}

unsigned dbc_check_layout(const struct dbc *db, struct dbc_lex *lx,
			  size_t *const *sig_pos, bool strict)
{
	unsigned errors = 0;

	for (size_t i = 0; i < db->n_msgs; i++)
		errors += check_msg(&db->msgs[i], lx, sig_pos[i], strict);
	return errors;
}
