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
	uint32_t msg;   /* index into msgs, SLOT_EMPTY if free */
};

struct dbc_index {
	uint32_t mask;
	struct dbc_slot *slots;
};

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
	return BENCH_OK;
}

void dbc_index_free(void *index)
{
	struct dbc_index *ix = index;

	if (!ix)
		return;
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

const struct dbc_sig *dbc_sig_by_name(const struct dbc_msg *m,
				      const char *name)
{
	for (size_t i = 0; i < m->n_sigs; i++)
		if (!strcmp(m->sigs[i].name, name))
			return &m->sigs[i];
	return NULL;
}
