/* SPDX-License-Identifier: Apache-2.0 */
/* dbc_index.c - id and name lookups over a parsed DBC.
 *
 * Ids go through an open-addressing hash (power-of-two table, at most half
 * full), so per-frame lookup is a multiply and usually one probe.
 */
#define LOG_PREFIX "dbc"
#include "dbc.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "dbc_priv.h"

#define SLOT_EMPTY UINT32_MAX

struct dbc_slot {
	uint32_t id;
	uint32_t msg; /* index into msgs, SLOT_EMPTY if free */
};

struct dbc_index {
	uint32_t mask;
	struct dbc_slot *slots;
	struct dbc_plan *plans; /* one per message */
	size_t n_plans;
};

/* A multiplexor value table larger than this is not worth it: such
 * signals are tested one by one instead. */
#define PLAN_MAX_VALUES 4096u

static bool tabled(const struct dbc_sig *s, int sw)
{
	if (s->mux_parent != sw || sw < 0)
		return false;
	for (size_t r = 0; r < s->n_mux_ranges; r++)
		if (s->mux_ranges[r].hi >= PLAN_MAX_VALUES ||
		    s->mux_ranges[r].lo > s->mux_ranges[r].hi)
			return false;
	return true;
}

/* Is v already covered by one of the signal's ranges before range r? */
static bool seen_before(const struct dbc_sig *s, size_t r, uint64_t v)
{
	for (size_t q = 0; q < r; q++)
		if (v >= s->mux_ranges[q].lo && v <= s->mux_ranges[q].hi)
			return true;
	return false;
}

static int plan_build(const struct dbc_msg *m, struct dbc_plan *pl)
{
	uint32_t *fill = NULL;
	int rc = BENCH_ERR_MEM;

	pl->sw = -1;
	for (size_t k = 0; k < m->n_sigs && pl->sw < 0; k++)
		if (m->sigs[k].mux == DBC_MUX_SWITCH &&
		    m->sigs[k].mux_parent < 0)
			pl->sw = (int)k;
	for (size_t k = 0; k < m->n_sigs; k++) {
		const struct dbc_sig *s = &m->sigs[k];

		for (size_t r = 0; tabled(s, pl->sw) && r < s->n_mux_ranges;
		     r++)
			if (s->mux_ranges[r].hi + 1 > pl->n_vals)
				pl->n_vals = (uint32_t)s->mux_ranges[r].hi + 1;
	}
	pl->off = calloc(pl->n_vals + 1, sizeof(*pl->off));
	fill = calloc(pl->n_vals + 1, sizeof(*fill));
	pl->gen = malloc((m->n_sigs ? m->n_sigs : 1) * sizeof(*pl->gen));
	if (!pl->off || !fill || !pl->gen)
		goto out;
	/* count per value, prefix-sum, then fill in signal order */
	for (size_t k = 0; k < m->n_sigs; k++) {
		const struct dbc_sig *s = &m->sigs[k];

		if (!tabled(s, pl->sw)) {
			pl->gen[pl->n_gen++] = (uint32_t)k;
			continue;
		}
		for (size_t r = 0; r < s->n_mux_ranges; r++)
			for (uint64_t v = s->mux_ranges[r].lo;
			     v <= s->mux_ranges[r].hi; v++)
				if (!seen_before(s, r, v))
					pl->off[v + 1]++;
	}
	for (uint32_t v = 0; v < pl->n_vals; v++)
		pl->off[v + 1] += pl->off[v];
	pl->idx = malloc((pl->off[pl->n_vals] ? pl->off[pl->n_vals] : 1) *
			 sizeof(*pl->idx));
	if (!pl->idx)
		goto out;
	for (size_t k = 0; k < m->n_sigs; k++) {
		const struct dbc_sig *s = &m->sigs[k];

		for (size_t r = 0; tabled(s, pl->sw) && r < s->n_mux_ranges;
		     r++)
			for (uint64_t v = s->mux_ranges[r].lo;
			     v <= s->mux_ranges[r].hi; v++)
				if (!seen_before(s, r, v))
					pl->idx[pl->off[v] + fill[v]++] =
					    (uint32_t)k;
	}
	rc = BENCH_OK;
out:
	free(fill);
	if (rc < 0)
		log_err("out of memory building the decode plan of '%s'",
			m->name);
	return rc;
}

static void plan_free(struct dbc_plan *pl)
{
	free(pl->off);
	free(pl->idx);
	free(pl->gen);
}

const struct dbc_plan *dbc_plan_of(const struct dbc *db,
				   const struct dbc_msg *m)
{
	const struct dbc_index *ix = db->index_;

	return &ix->plans[m - db->msgs];
}

static uint32_t hash_id(uint32_t id)
{
	return (id * 0x9E3779B1u) ^ (id >> 16);
}

int dbc_index_build(struct dbc *db)
{
	struct dbc_index *ix = calloc(1, sizeof(*ix));
	size_t n = 16;

	if (!ix) {
		log_err("out of memory building the id index");
		return BENCH_ERR_MEM;
	}
	while (n < 2 * db->n_msgs)
		n *= 2;
	ix->mask = (uint32_t)n - 1;
	ix->slots = malloc(n * sizeof(*ix->slots));
	if (!ix->slots) {
		free(ix);
		log_err("out of memory building the id index");
		return BENCH_ERR_MEM;
	}
	for (size_t i = 0; i < n; i++)
		ix->slots[i].msg = SLOT_EMPTY;
	for (size_t i = 0; i < db->n_msgs; i++) {
		uint32_t h = hash_id(db->msgs[i].id) & ix->mask;

		while (ix->slots[h].msg != SLOT_EMPTY &&
		       ix->slots[h].id != db->msgs[i].id)
			h = (h + 1) & ix->mask;
		if (ix->slots[h].msg != SLOT_EMPTY)
			continue; /* duplicate id: the first one wins */
		ix->slots[h].id = db->msgs[i].id;
		ix->slots[h].msg = (uint32_t)i;
	}
	db->index_ = ix;
	ix->plans = calloc(db->n_msgs ? db->n_msgs : 1, sizeof(*ix->plans));
	if (!ix->plans) {
		log_err("out of memory building the decode plans");
		return BENCH_ERR_MEM;
	}
	ix->n_plans = db->n_msgs;
	for (size_t i = 0; i < db->n_msgs; i++)
		TRY(plan_build(&db->msgs[i], &ix->plans[i]));
	return BENCH_OK;
}

void dbc_index_free(void *index)
{
	struct dbc_index *ix = index;

	if (!ix)
		return;
	for (size_t i = 0; ix->plans && i < ix->n_plans; i++)
		plan_free(&ix->plans[i]);
	free(ix->plans);
	free(ix->slots);
	free(ix);
}

const struct dbc_msg *dbc_msg_by_id(const struct dbc *db, uint32_t id)
{
	const struct dbc_index *ix = db->index_;
	uint32_t h;

	if (!ix)
		return NULL;
	h = hash_id(id) & ix->mask;
	while (ix->slots[h].msg != SLOT_EMPTY) {
		if (ix->slots[h].id == id)
			return &db->msgs[ix->slots[h].msg];
		h = (h + 1) & ix->mask;
	}
	return NULL;
}

const struct dbc_msg *dbc_msg_by_name(const struct dbc *db, const char *name)
{
	for (size_t i = 0; i < db->n_msgs; i++)
		if (!strcmp(db->msgs[i].name, name))
			return &db->msgs[i];
	return NULL;
}

const struct dbc_sig *dbc_sig_by_name(const struct dbc_msg *m, const char *name)
{
	for (size_t i = 0; i < m->n_sigs; i++)
		if (!strcmp(m->sigs[i].name, name))
			return &m->sigs[i];
	return NULL;
}
