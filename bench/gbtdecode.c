/* SPDX-License-Identifier: Apache-2.0 */
/* gbtdecode.c - a GB/T 27930 session from a capture (see gbtdecode.h). */
#include "bench/gbtdecode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

struct gbtdecode {
	struct j1939_listen tp;
	gbtdecode_event_fn fn;
	void *ctx;
	struct pack_snap snap;
	struct gbtdecode_facts f;
	struct gbtdecode_stats st;
	int ed_rank;  /* 2 the BMS showed the edition, 1 the charger, 0 none */
	unsigned upd; /* PACK_UPD_* of the frame being fed */
};

static void event(struct gbtdecode *d, enum gbtdecode_ev kind, int64_t t_us,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void event(struct gbtdecode *d, enum gbtdecode_ev kind, int64_t t_us,
		  const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->st.events[kind]++;
	d->upd |= PACK_UPD_STATE;
	if (d->fn)
		d->fn(d->ctx, kind, msg, t_us);
}

static void on_tp_ev(void *ctx, enum j1939_listen_ev ev, const char *what,
		     int64_t t_us)
{
	event(ctx, (enum gbtdecode_ev)ev, t_us, "transport: %s", what);
}

/* Forward only, except that CHM or CRM 0x00 after a later phase is the
 * session starting over (a reconnection after a timeout). */
static void enter(struct gbtdecode *d, enum gbtdecode_phase ph, bool restart,
		  int64_t t_us)
{
	struct gbtdecode_facts *f = &d->f;
	enum gbtdecode_phase cur =
	    f->n_phases ? f->phases[f->n_phases - 1].phase : GBTDECODE_PHASE_N;

	if (f->n_phases &&
	    (ph == cur || (ph < cur && !restart) ||
	     (cur == GBTDECODE_ERROR && ph > GBTDECODE_RECOGNITION)))
		return;
	if (f->n_phases == GBTDECODE_PHASES_MAX) /* keep the latest */
		memmove(f->phases, f->phases + 1,
			sizeof(f->phases[0]) * (GBTDECODE_PHASES_MAX - 1));
	else
		f->n_phases++;
	f->phases[f->n_phases - 1].phase = ph;
	f->phases[f->n_phases - 1].t_us = t_us;
}

/* The BMS's evidence outranks the charger's: a 2015 charger talks 2011 to
 * a 2011 BMS. */
static void edition(struct gbtdecode *d, enum gbt_edition ed, int rank,
		    const char *from)
{
	if (rank <= d->ed_rank)
		return;
	d->ed_rank = rank;
	d->f.have_edition = true;
	d->f.edition = ed;
	snprintf(d->f.edition_from, sizeof(d->f.edition_from), "%s", from);
}

static int64_t seen(int64_t t_us)
{
	return t_us ? t_us : 1;
}

static void put_cells(struct gbtdecode *d, const struct gbt_bmv *m,
		      int64_t t_us)
{
	struct pack_snap *s = &d->snap;

	if (m->n > s->series)
		s->series = m->n;
	for (unsigned i = 0; i < m->n; i++) {
		if (!s->cell_seen_us[i])
			s->cells_seen++;
		s->cell_mV[i] = m->cell_cV[i] * 10;
		s->cell_seen_us[i] = seen(t_us);
		d->f.cell_group[i] = m->group[i];
	}
	d->f.n_groups = m->n;
	if (s->cells_seen == s->series) {
		s->have |= PACK_HAVE_CELLS;
		s->cell_set_seq++;
	}
	d->upd |= PACK_UPD_CELL_V;
}

static void put_temps(struct gbtdecode *d, const struct gbt_bmt *m,
		      int64_t t_us)
{
	struct pack_snap *s = &d->snap;

	if (m->n > s->n_probes)
		s->n_probes = m->n;
	for (unsigned i = 0; i < m->n; i++) {
		if (!s->temp_seen_us[i])
			s->probes_seen++;
		s->temp_ddegC[i] = m->temp_C[i] * 10;
		s->temp_seen_us[i] = seen(t_us);
	}
	if (s->probes_seen == s->n_probes) {
		s->have |= PACK_HAVE_TEMPS;
		s->temp_set_seq++;
	}
	d->upd |= PACK_UPD_TEMP;
}

static void put_pack_v(struct gbtdecode *d, uint16_t voltage_dV)
{
	d->snap.pack_mV = voltage_dV * 100;
	d->snap.have |= PACK_HAVE_PACK_V;
	d->upd |= PACK_UPD_PACK;
}

static void put_soc(struct gbtdecode *d, int32_t soc_permille)
{
	d->snap.soc_permille = soc_permille;
	d->snap.have |= PACK_HAVE_SOC;
	d->upd |= PACK_UPD_LIMITS;
}

/* Decode one BMS message into the facts and the snapshot. */
static int from_bms(struct gbtdecode *d, const struct j1939_msg *m,
		    int64_t t_us)
{
	struct gbtdecode_facts *f = &d->f;
	struct gbt_bmv bmv;
	struct gbt_bmt bmt;
	int rc = BENCH_OK;

	switch (m->pgn) {
	case GBT_BHM:
		rc = gbt_decode_bhm(m->data, m->len, &f->bhm);
		if (rc == BENCH_OK)
			edition(d, GBT_2015, 2, "BHM");
		break;
	case GBT_BRM:
		rc = gbt_decode_brm(m->data, m->len, &f->brm);
		if (rc < 0)
			break;
		if (m->len >= 49)
			edition(d, GBT_2015, 2, "BRM of 49 bytes");
		else if (m->len >= 41)
			edition(d, GBT_2011, 2, "BRM of 41 bytes");
		d->snap.rated_capacity_mAh = f->brm.capacity_dAh * 100;
		d->snap.rated_mV = f->brm.voltage_dV * 100;
		d->snap.have |= PACK_HAVE_RATED_CAP | PACK_HAVE_RATED_V;
		d->upd |= PACK_UPD_INFO;
		break;
	case GBT_BCP:
		rc = gbt_decode_bcp(m->data, m->len, &f->bcp);
		if (rc < 0)
			break;
		put_pack_v(d, f->bcp.voltage_dV);
		put_soc(d, f->bcp.soc_permille);
		break;
	case GBT_BRO:
		rc = gbt_decode_ready(m->data, m->len, &f->bro);
		break;
	case GBT_BCL:
		rc = gbt_decode_bcl(m->data, m->len, &f->bcl);
		break;
	case GBT_BCS:
		rc = gbt_decode_bcs(m->data, m->len, &f->bcs);
		if (rc < 0)
			break;
		put_pack_v(d, f->bcs.voltage_dV);
		d->snap.pack_mA = -f->bcs.current_dA * 100; /* + charge */
		d->snap.have |= PACK_HAVE_PACK_I;
		put_soc(d, f->bcs.soc_pct * 10);
		break;
	case GBT_BSM:
		rc = gbt_decode_bsm(m->data, m->len, &f->bsm);
		break;
	case GBT_BMV:
		rc = gbt_decode_bmv(m->data, m->len, &bmv);
		if (rc == BENCH_OK)
			put_cells(d, &bmv, t_us);
		break;
	case GBT_BMT:
		rc = gbt_decode_bmt(m->data, m->len, &bmt);
		if (rc == BENCH_OK)
			put_temps(d, &bmt, t_us);
		break;
	case GBT_BSP:
		break; /* reserved bytes: nothing to read */
	case GBT_BST:
		rc = gbt_codes_decode(m->data, m->len, &f->bst);
		break;
	case GBT_BSD:
		rc = gbt_decode_bsd(m->data, m->len, &f->bsd);
		if (rc == BENCH_OK)
			put_soc(d, f->bsd.soc_pct * 10);
		break;
	case GBT_BEM:
		rc = gbt_codes_decode(m->data, m->len, &f->bem);
		break;
	default:
		break;
	}
	return rc;
}

static int from_charger(struct gbtdecode *d, const struct j1939_msg *m)
{
	struct gbtdecode_facts *f = &d->f;
	int rc = BENCH_OK;

	switch (m->pgn) {
	case GBT_CHM:
		rc = gbt_decode_chm(m->data, m->len, &f->chm);
		if (rc == BENCH_OK)
			edition(d, GBT_2015, 1, "CHM");
		break;
	case GBT_CRM:
		rc = gbt_decode_crm(m->data, m->len, &f->crm);
		if (rc == BENCH_OK && !(f->have & GBTDECODE_HAVE(GBT_CHM)))
			edition(d, GBT_2011, 1, "CRM before any CHM");
		break;
	case GBT_CTS:
		break; /* the charger's clock: not the pack's */
	case GBT_CML:
		rc = gbt_decode_cml(m->data, m->len, &f->cml);
		f->cml_len = (uint8_t)m->len;
		if (rc == BENCH_OK)
			edition(d, m->len >= 8 ? GBT_2015 : GBT_2011, 1,
				m->len >= 8 ? "CML of 8 bytes"
					    : "CML of 6 bytes");
		break;
	case GBT_CRO:
		rc = gbt_decode_ready(m->data, m->len, &f->cro);
		break;
	case GBT_CCS:
		rc = gbt_decode_ccs(m->data, m->len, &f->ccs);
		f->ccs_len = (uint8_t)m->len;
		if (rc == BENCH_OK)
			edition(d, m->len >= 8 ? GBT_2015 : GBT_2011, 1,
				m->len >= 8 ? "CCS of 8 bytes"
					    : "CCS of 6 bytes");
		break;
	case GBT_CST:
		rc = gbt_codes_decode(m->data, m->len, &f->cst);
		break;
	case GBT_CSD:
		rc = gbt_decode_csd(m->data, m->len, &f->csd);
		break;
	case GBT_CEM:
		rc = gbt_codes_decode(m->data, m->len, &f->cem);
		break;
	default:
		break;
	}
	return rc;
}

static enum gbtdecode_phase phase_of(uint32_t pgn)
{
	switch (pgn) {
	case GBT_CHM:
	case GBT_BHM:
		return GBTDECODE_HANDSHAKE;
	case GBT_CRM:
	case GBT_BRM:
		return GBTDECODE_RECOGNITION;
	case GBT_BCP:
	case GBT_CTS:
	case GBT_CML:
	case GBT_BRO:
	case GBT_CRO:
		return GBTDECODE_CONFIG;
	case GBT_BST:
	case GBT_CST:
		return GBTDECODE_STOPPING;
	case GBT_BSD:
	case GBT_CSD:
		return GBTDECODE_STATISTICS;
	case GBT_BEM:
	case GBT_CEM:
		return GBTDECODE_ERROR;
	default:
		return GBTDECODE_CHARGING;
	}
}

static void on_msg(void *ctx, const struct j1939_msg *m, int64_t t_us)
{
	struct gbtdecode *d = ctx;
	const struct gbt_msg_info *info = gbt_msg_info(m->pgn);
	bool bms = m->src == GBT_ADDR_BMS;
	int rc;

	if (!info) {
		event(d, GBTDECODE_UNKNOWN_PGN, t_us,
		      "PGN 0x%X (%u bytes) from 0x%02X is not a GB/T 27930 "
		      "message",
		      (unsigned)m->pgn, m->len, m->src);
		return;
	}
	if (info->from_bms != bms) {
		event(d, GBTDECODE_WRONG_SENDER, t_us,
		      "%s from the %s (0x%02X): it is the %s's message",
		      info->name, bms ? "BMS" : "charger", m->src,
		      info->from_bms ? "BMS" : "charger");
		return;
	}
	rc = bms ? from_bms(d, m, t_us) : from_charger(d, m);
	if (rc < 0) {
		event(d, GBTDECODE_MALFORMED, t_us,
		      "%s of %u bytes: too short for its fields", info->name,
		      m->len);
		return;
	}
	d->st.groups++;
	d->f.have |= GBTDECODE_HAVE(m->pgn);
	d->snap.frames++;
	d->snap.last_frame_us = t_us;
	enter(d, phase_of(m->pgn),
	      m->pgn == GBT_CHM ||
		  (m->pgn == GBT_CRM && d->f.crm.result != GBT_RECOGNISED),
	      t_us);
	d->upd |= PACK_UPD_STATE;
}

int gbtdecode_new(gbtdecode_event_fn fn, void *ctx, struct gbtdecode **out)
{
	struct gbtdecode *d = calloc(1, sizeof(*d));

	if (!d) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	d->fn = fn;
	d->ctx = ctx;
	j1939_listen_init(&d->tp, on_msg, on_tp_ev, d);
	gbt_codes_init(&d->f.bst, GBT_BST);
	gbt_codes_init(&d->f.cst, GBT_CST);
	gbt_codes_init(&d->f.bem, GBT_BEM);
	gbt_codes_init(&d->f.cem, GBT_CEM);
	*out = d;
	return BENCH_OK;
}

void gbtdecode_free(struct gbtdecode *d)
{
	free(d);
}

/* Only the two stations talk on a GB/T charging bus. */
static bool on_link(const struct canframe *f)
{
	uint8_t prio, dst, src;
	uint32_t pgn;

	if (!(f->id & CANFRAME_EFF) || (f->id & (CANFRAME_RTR | CANFRAME_ERR)))
		return false;
	j1939_id_split(f->id & CANFRAME_EFF_MASK, &prio, &pgn, &dst, &src);
	if (src == GBT_ADDR_BMS)
		return dst == GBT_ADDR_CHARGER || dst == J1939_ADDR_GLOBAL;
	if (src == GBT_ADDR_CHARGER)
		return dst == GBT_ADDR_BMS || dst == J1939_ADDR_GLOBAL;
	return false;
}

unsigned gbtdecode_frame(struct gbtdecode *d, const struct canframe *f,
			 int64_t t_us)
{
	d->upd = 0;
	d->st.frames++;
	if (!on_link(f)) {
		if (f->id & CANFRAME_EFF)
			event(d, GBTDECODE_OTHER_ADDRESS, t_us,
			      "frame 0x%08X: not between the BMS 0xF4 and "
			      "the charger 0x56",
			      (unsigned)(f->id & CANFRAME_EFF_MASK));
		else
			event(d, GBTDECODE_OTHER_ADDRESS, t_us,
			      "frame 0x%03X: an 11-bit identifier",
			      (unsigned)(f->id & CANFRAME_SFF_MASK));
		return d->upd;
	}
	j1939_listen_frame(&d->tp, f, t_us);
	return d->upd;
}

void gbtdecode_end(struct gbtdecode *d, int64_t t_us)
{
	j1939_listen_end(&d->tp, t_us);
}

const struct pack_snap *gbtdecode_snap(const struct gbtdecode *d)
{
	return &d->snap;
}

const struct gbtdecode_facts *gbtdecode_facts(const struct gbtdecode *d)
{
	return &d->f;
}

const struct gbtdecode_stats *gbtdecode_stats(const struct gbtdecode *d)
{
	return &d->st;
}
