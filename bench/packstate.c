/* SPDX-License-Identifier: Apache-2.0 */
/* packstate.c - decode BMS frames through the profile's signal map. */
#define LOG_PREFIX "packstate"

#include "packstate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/profile.h"
#include "can/dbc.h"
#include "common/log.h"
#include "common/rc.h"

enum ps_role {
	ROLE_CELL_V,
	ROLE_TEMP,
	ROLE_PACK_V,
	ROLE_PACK_I,
	ROLE_SOC,
	ROLE_SOH,
	ROLE_CAPACITY,
	ROLE_RATED_CAP,
	ROLE_RATED_V,
	ROLE_CCL,
	ROLE_DCL,
	ROLE_CONTACTOR,
	ROLE_FAULT,
};

/* Mux keys: a plain signal, one selected by anything but a single value
 * of the message's one multiplexor (checked with cansig_active), or the
 * multiplexor value that selects it. */
#define KEY_PLAIN (-2)
#define KEY_COMPLEX (-1)

struct ps_entry {
	const struct dbc_sig *sig;
	enum ps_role role;
	unsigned index; /* cell, probe or fault index, 0-based */
	int64_t key;
};

/* One BMS message and its mapped signals; sorted by id for bsearch.
 * Entries are sorted by key: plain and complex ones first (n_first), then
 * by multiplexor value, so a frame of a 64-block cell message visits only
 * its own block's signals. */
struct ps_msg {
	uint32_t id;
	const struct dbc_msg *msg;
	struct ps_entry *entries;
	size_t n;
	size_t n_first;
	const struct dbc_sig *mux; /* the multiplexor, NULL if none */
};

struct packstate {
	struct ps_msg *msgs;
	size_t n_msgs;
	bool charge_positive;
	int contactor_closed_value;
	/* Set tracking: a reading belongs to the set in progress when its
	 * generation equals the current one. */
	uint32_t cell_gen[PACKSTATE_MAX_CELLS], temp_gen[PACKSTATE_MAX_PROBES];
	unsigned cell_fresh, temp_fresh;
	struct pack_snap snap;
};

void packstate_map_from_profile(const struct profile *p,
				struct packstate_map *m)
{
	memset(m, 0, sizeof(*m));
	m->cell_voltage_fmt = p->cell_voltage_fmt;
	m->series = p->series;
	m->temperature_fmt = p->temperature_fmt;
	m->n_probes = p->n_probes;
	m->pack_voltage = p->pack_voltage;
	m->pack_current = p->pack_current;
	m->current_charge_positive = p->current_charge_positive;
	m->soc = p->soc;
	m->soh = p->soh;
	m->capacity = p->capacity;
	m->rated_capacity = p->rated_capacity;
	m->rated_voltage = p->rated_voltage;
	m->ccl = p->ccl;
	m->dcl = p->dcl;
	m->contactor_state = p->contactor_state;
	m->contactor_closed_value = p->contactor_closed;
	m->n_faults = p->n_faults;
	for (unsigned i = 0; i < p->n_faults && i < PACKSTATE_MAX_FAULTS; i++)
		m->fault_signals[i] = p->faults[i].signal;
}

/* Count reading i into the set in progress; complete sets bump *seq. */
static void set_mark(uint32_t *gen, unsigned i, unsigned *fresh, unsigned n,
		     uint32_t *seq)
{
	if (gen[i] == *seq + 1)
		return;
	gen[i] = *seq + 1;
	if (++*fresh == n) {
		*fresh = 0;
		++*seq;
	}
}

static struct ps_msg *msg_slot(struct packstate *ps, const struct dbc_msg *m)
{
	struct ps_msg *grown;

	for (size_t i = 0; i < ps->n_msgs; i++)
		if (ps->msgs[i].msg == m)
			return &ps->msgs[i];
	grown = realloc(ps->msgs, (ps->n_msgs + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	ps->msgs = grown;
	grown[ps->n_msgs] = (struct ps_msg){.id = m->id, .msg = m};
	return &grown[ps->n_msgs++];
}

/* Find the signal called name in any message of db and add it. */
static int add_sig(struct packstate *ps, const struct dbc *db, const char *name,
		   enum ps_role role, unsigned index)
{
	struct ps_entry *grown;
	struct ps_msg *slot;

	for (size_t i = 0; i < db->n_msgs; i++) {
		const struct dbc_msg *m = &db->msgs[i];
		const struct dbc_sig *s = dbc_sig_by_name(m, name);

		if (!s)
			continue;
		slot = msg_slot(ps, m);
		if (!slot)
			return BENCH_ERR_MEM;
		grown = realloc(slot->entries, (slot->n + 1) * sizeof(*grown));
		if (!grown)
			return BENCH_ERR_MEM;
		slot->entries = grown;
		grown[slot->n++] = (struct ps_entry){s, role, index, KEY_PLAIN};
		return BENCH_OK;
	}
	log_err("signal '%s' not found in '%s' (profile and DBC disagree)",
		name, db->path ? db->path : "DBC");
	return BENCH_ERR_ARG;
}

static int add_opt(struct packstate *ps, const struct dbc *db, const char *name,
		   enum ps_role role)
{
	if (!name || !*name)
		return BENCH_OK;
	return add_sig(ps, db, name, role, 0);
}

static int add_indexed(struct packstate *ps, const struct dbc *db,
		       const char *fmt, unsigned n, enum ps_role role)
{
	char name[128];

	if (!fmt || !*fmt)
		return BENCH_OK;
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), fmt, i + 1);
		TRY(add_sig(ps, db, name, role, i));
	}
	return BENCH_OK;
}

static int cmp_msg(const void *a, const void *b)
{
	uint32_t x = ((const struct ps_msg *)a)->id;
	uint32_t y = ((const struct ps_msg *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct ps_entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Give each entry its key; one multiplexor per message is indexed. */
static void index_mux(struct ps_msg *m)
{
	const struct dbc_sig *mux = NULL;

	for (size_t i = 0; i < m->n; i++) {
		const struct dbc_sig *s = m->entries[i].sig;
		const struct dbc_sig *parent =
		    s->mux_parent >= 0 ? &m->msg->sigs[s->mux_parent] : NULL;

		m->entries[i].key = KEY_PLAIN;
		if (s->mux == DBC_MUX_NONE || s->mux == DBC_MUX_SWITCH)
			continue;
		m->entries[i].key = KEY_COMPLEX;
		if (s->mux != DBC_MUX_VALUE || !parent ||
		    parent->mux != DBC_MUX_SWITCH || s->n_mux_ranges != 1 ||
		    s->mux_ranges[0].lo != s->mux_ranges[0].hi ||
		    s->mux_ranges[0].lo > INT32_MAX || (mux && mux != parent))
			continue;
		mux = parent;
		m->entries[i].key = (int64_t)s->mux_ranges[0].lo;
	}
	m->mux = mux;
	qsort(m->entries, m->n, sizeof(*m->entries), cmp_entry);
	m->n_first = 0;
	while (m->n_first < m->n && m->entries[m->n_first].key < 0)
		m->n_first++;
}

static int build(struct packstate *ps, const struct dbc *db,
		 const struct packstate_map *map)
{
	TRY(add_indexed(ps, db, map->cell_voltage_fmt, map->series,
			ROLE_CELL_V));
	TRY(add_indexed(ps, db, map->temperature_fmt, map->n_probes,
			ROLE_TEMP));
	TRY(add_opt(ps, db, map->pack_voltage, ROLE_PACK_V));
	TRY(add_opt(ps, db, map->pack_current, ROLE_PACK_I));
	TRY(add_opt(ps, db, map->soc, ROLE_SOC));
	TRY(add_opt(ps, db, map->soh, ROLE_SOH));
	TRY(add_opt(ps, db, map->capacity, ROLE_CAPACITY));
	TRY(add_opt(ps, db, map->rated_capacity, ROLE_RATED_CAP));
	TRY(add_opt(ps, db, map->rated_voltage, ROLE_RATED_V));
	TRY(add_opt(ps, db, map->ccl, ROLE_CCL));
	TRY(add_opt(ps, db, map->dcl, ROLE_DCL));
	TRY(add_opt(ps, db, map->contactor_state, ROLE_CONTACTOR));
	for (unsigned i = 0; i < map->n_faults; i++)
		if (map->fault_signals[i] && *map->fault_signals[i])
			TRY(add_sig(ps, db, map->fault_signals[i], ROLE_FAULT,
				    i));
	for (size_t i = 0; i < ps->n_msgs; i++)
		index_mux(&ps->msgs[i]);
	qsort(ps->msgs, ps->n_msgs, sizeof(*ps->msgs), cmp_msg);
	return BENCH_OK;
}

int packstate_new(const struct dbc *db, const struct packstate_map *map,
		  struct packstate **out)
{
	struct packstate *ps;
	int rc;

	if (map->series == 0 || map->series > PACKSTATE_MAX_CELLS ||
	    map->n_probes > PACKSTATE_MAX_PROBES ||
	    map->n_faults > PACKSTATE_MAX_FAULTS) {
		log_err("pack map out of range: %u cells (1..%d), %u probes "
			"(max %d), %u fault signals (max %d)",
			map->series, PACKSTATE_MAX_CELLS, map->n_probes,
			PACKSTATE_MAX_PROBES, map->n_faults,
			PACKSTATE_MAX_FAULTS);
		return BENCH_ERR_ARG;
	}
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return BENCH_ERR_MEM;
	ps->charge_positive = map->current_charge_positive;
	ps->contactor_closed_value = map->contactor_closed_value;
	ps->snap.series = map->series;
	ps->snap.n_probes = map->n_probes;
	ps->snap.n_faults = map->n_faults;
	rc = build(ps, db, map);
	if (rc < 0) {
		if (rc == BENCH_ERR_MEM)
			log_err("out of memory building the signal map");
		packstate_free(ps);
		return rc;
	}
	*out = ps;
	return BENCH_OK;
}

void packstate_free(struct packstate *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n_msgs; i++)
		free(ps->msgs[i].entries);
	free(ps->msgs);
	free(ps);
}

static int32_t milli(double v)
{
	return (int32_t)lround(v * 1000.0);
}

static unsigned apply(struct packstate *ps, const struct ps_entry *e, double v,
		      int64_t t_us)
{
	struct pack_snap *s = &ps->snap;

	switch (e->role) {
	case ROLE_CELL_V:
		if (!s->cell_seen_us[e->index] && ++s->cells_seen == s->series)
			s->have |= PACK_HAVE_CELLS;
		s->cell_mV[e->index] = milli(v);
		s->cell_seen_us[e->index] = t_us ? t_us : 1;
		set_mark(ps->cell_gen, e->index, &ps->cell_fresh, s->series,
			 &s->cell_set_seq);
		return PACK_UPD_CELL_V;
	case ROLE_TEMP:
		if (!s->temp_seen_us[e->index] &&
		    ++s->probes_seen == s->n_probes)
			s->have |= PACK_HAVE_TEMPS;
		s->temp_ddegC[e->index] = (int32_t)lround(v * 10.0);
		s->temp_seen_us[e->index] = t_us ? t_us : 1;
		set_mark(ps->temp_gen, e->index, &ps->temp_fresh, s->n_probes,
			 &s->temp_set_seq);
		return PACK_UPD_TEMP;
	case ROLE_PACK_V:
		s->pack_mV = milli(v);
		s->have |= PACK_HAVE_PACK_V;
		return PACK_UPD_PACK;
	case ROLE_PACK_I:
		s->pack_mA = milli(ps->charge_positive ? v : -v);
		s->have |= PACK_HAVE_PACK_I;
		return PACK_UPD_PACK;
	case ROLE_SOC:
		s->soc_permille = (int32_t)lround(v * 10.0);
		s->have |= PACK_HAVE_SOC;
		return PACK_UPD_LIMITS;
	case ROLE_SOH:
		s->soh_permille = (int32_t)lround(v * 10.0);
		s->have |= PACK_HAVE_SOH;
		return PACK_UPD_INFO;
	case ROLE_CAPACITY:
		s->capacity_mAh = milli(v);
		s->have |= PACK_HAVE_CAPACITY;
		return PACK_UPD_INFO;
	case ROLE_RATED_CAP:
		s->rated_capacity_mAh = milli(v);
		s->have |= PACK_HAVE_RATED_CAP;
		return PACK_UPD_INFO;
	case ROLE_RATED_V:
		s->rated_mV = milli(v);
		s->have |= PACK_HAVE_RATED_V;
		return PACK_UPD_INFO;
	case ROLE_CCL:
		s->ccl_mA = milli(fabs(v));
		s->have |= PACK_HAVE_CCL;
		return PACK_UPD_LIMITS;
	case ROLE_DCL:
		s->dcl_mA = milli(fabs(v));
		s->have |= PACK_HAVE_DCL;
		return PACK_UPD_LIMITS;
	case ROLE_CONTACTOR:
		s->contactor_raw = (int32_t)lround(v);
		s->contactor_closed =
		    s->contactor_raw == ps->contactor_closed_value;
		s->have |= PACK_HAVE_CONTACTOR;
		return PACK_UPD_STATE;
	case ROLE_FAULT:
		if (v != 0.0)
			s->faults |= 1u << e->index;
		else
			s->faults &= ~(1u << e->index);
		s->have |= PACK_HAVE_FAULTS;
		return PACK_UPD_STATE;
	}
	return 0;
}

unsigned packstate_put(struct packstate *ps, enum poll_role role,
		       unsigned index, int32_t value, int64_t t_us,
		       int64_t fresh_us)
{
	static const enum ps_role map[POLL_ROLE_N] = {
	    [POLL_ROLE_CELL_V] = ROLE_CELL_V,
	    [POLL_ROLE_TEMP] = ROLE_TEMP,
	    [POLL_ROLE_PACK_V] = ROLE_PACK_V,
	    [POLL_ROLE_PACK_I] = ROLE_PACK_I,
	    [POLL_ROLE_SOC] = ROLE_SOC,
	    [POLL_ROLE_SOH] = ROLE_SOH,
	    [POLL_ROLE_CAPACITY] = ROLE_CAPACITY,
	    [POLL_ROLE_RATED_CAP] = ROLE_RATED_CAP,
	    [POLL_ROLE_RATED_V] = ROLE_RATED_V,
	};
	struct ps_entry e = {.role = map[role], .index = index};
	struct pack_snap *s = &ps->snap;
	bool charge_positive = ps->charge_positive;
	unsigned upd;

	if ((unsigned)role >= POLL_ROLE_N ||
	    (role == POLL_ROLE_CELL_V && index >= s->series) ||
	    (role == POLL_ROLE_TEMP && index >= s->n_probes))
		return 0;
	/* apply() takes V, degC, A, %; a polled current's sign is the
	 * profile's scale, not current_charge_positive */
	ps->charge_positive = true;
	upd = apply(ps, &e,
		    role == POLL_ROLE_TEMP || role == POLL_ROLE_SOC ||
			    role == POLL_ROLE_SOH
			? value / 10.0
			: value / 1000.0,
		    t_us);
	ps->charge_positive = charge_positive;
	if (role == POLL_ROLE_CELL_V)
		s->cell_fresh_us[index] = fresh_us;
	else if (role == POLL_ROLE_TEMP)
		s->temp_fresh_us[index] = fresh_us;
	return upd;
}

unsigned packstate_put_limits(struct packstate *ps, int32_t ccl_mA,
			      int32_t dcl_mA)
{
	struct pack_snap *s = &ps->snap;

	s->ccl_mA = ccl_mA < 0 ? -ccl_mA : ccl_mA;
	s->dcl_mA = dcl_mA < 0 ? -dcl_mA : dcl_mA;
	s->have |= PACK_HAVE_CCL | PACK_HAVE_DCL;
	return PACK_UPD_LIMITS;
}

void packstate_polled(struct packstate *ps, int64_t t_us)
{
	ps->snap.last_poll_us = t_us ? t_us : 1;
}

/* The entries the frame's multiplexor value selects (binary search). */
static unsigned apply_block(struct packstate *ps, const struct ps_msg *m,
			    const struct canframe *f, int64_t t_us)
{
	int64_t v = (int64_t)cansig_get_raw(m->mux, f->data, f->len);
	size_t lo = m->n_first, hi = m->n;
	unsigned upd = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->entries[mid].key < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->n && m->entries[lo].key == v; lo++)
		upd |= apply(ps, &m->entries[lo],
			     cansig_decode(m->entries[lo].sig, f->data, f->len),
			     t_us);
	return upd;
}

unsigned packstate_on_frame(struct packstate *ps, const struct canframe *f,
			    int64_t t_us)
{
	struct ps_msg key = {.id = f->id & ~CANFRAME_RTR};
	const struct ps_msg *m;
	unsigned upd = 0;

	if (f->id & (CANFRAME_ERR | CANFRAME_RTR))
		return 0;
	m = bsearch(&key, ps->msgs, ps->n_msgs, sizeof(*ps->msgs), cmp_msg);
	if (!m)
		return 0;
	for (size_t i = 0; i < m->n_first; i++) {
		const struct ps_entry *e = &m->entries[i];

		if (e->key == KEY_COMPLEX &&
		    !cansig_active(m->msg, e->sig, f->data, f->len))
			continue;
		upd |=
		    apply(ps, e, cansig_decode(e->sig, f->data, f->len), t_us);
	}
	if (m->mux)
		upd |= apply_block(ps, m, f, t_us);
	ps->snap.last_frame_us = t_us;
	ps->snap.frames++;
	return upd;
}

const struct pack_snap *packstate_snap(const struct packstate *ps)
{
	return &ps->snap;
}

size_t packstate_ids(const struct packstate *ps, uint32_t *ids, size_t max)
{
	size_t n = ps->n_msgs < max ? ps->n_msgs : max;

	for (size_t i = 0; i < n; i++)
		ids[i] = ps->msgs[i].id;
	return n;
}

void pack_snap_cell_minmax(const struct pack_snap *s, int *min_i, int *max_i)
{
	int lo = -1, hi = -1;

	for (unsigned i = 0; i < s->series; i++) {
		if (!s->cell_seen_us[i])
			continue;
		if (lo < 0 || s->cell_mV[i] < s->cell_mV[lo])
			lo = (int)i;
		if (hi < 0 || s->cell_mV[i] > s->cell_mV[hi])
			hi = (int)i;
	}
	*min_i = lo;
	*max_i = hi;
}

bool pack_snap_stale(const struct pack_snap *s, int64_t now_us, unsigned *index,
		     bool *probe)
{
	for (unsigned i = 0; i < s->series; i++)
		if (s->cell_fresh_us[i] && s->cell_seen_us[i] &&
		    now_us - s->cell_seen_us[i] > s->cell_fresh_us[i]) {
			*index = i;
			*probe = false;
			return true;
		}
	for (unsigned i = 0; i < s->n_probes; i++)
		if (s->temp_fresh_us[i] && s->temp_seen_us[i] &&
		    now_us - s->temp_seen_us[i] > s->temp_fresh_us[i]) {
			*index = i;
			*probe = true;
			return true;
		}
	return false;
}

int pack_snap_temp_max(const struct pack_snap *s)
{
	int hi = -1;

	for (unsigned i = 0; i < s->n_probes; i++)
		if (s->temp_seen_us[i] &&
		    (hi < 0 || s->temp_ddegC[i] > s->temp_ddegC[hi]))
			hi = (int)i;
	return hi;
}
