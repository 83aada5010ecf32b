/* SPDX-License-Identifier: Apache-2.0 */
/* sim_persona.c - a simulated BMS that speaks a real pack's protocol, read
 * from that pack's profile (docs/simulator.md, "BMS personalities"): the
 * profile's polls answered over user-space ISO-TP with the reply layouts it
 * declares (the inverse of bench/polldec.c), the signals its DBC carries
 * broadcast, its contactor request and heartbeat obeyed when it has them.
 * No code per pack: every byte comes from the profile and its DBC. */
#define LOG_PREFIX "sim-bms"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/profile.h"
#include "bench/vehframe.h"
#include "can/canbus.h"
#include "can/checksum.h"
#include "can/dbc.h"
#include "can/isotp_engine.h"
#include "common/cfgini.h"
#include "common/log.h"
#include "common/rc.h"
#include "sim_priv.h"

#define PERSONA_MAX_MSGS 64
#define PERSONA_MAX_SIGS (SIM_MAX_CELLS + SIM_MAX_PROBES + 32)
#define PERSONA_MAX_FRAMES 256
/* a car's live echo (a link voltage) within this of the pack's */
#define PERSONA_ECHO_TOL_V 5.0
#define UDS_NRC_NOT_SUPPORTED 0x11
#define UDS_NRC_OUT_OF_RANGE 0x31

enum persona_val {
	PV_CELL = 0, /* index = cell */
	PV_TEMP,     /* index = probe */
	PV_PACK_V,
	PV_PACK_I,
	PV_SOC,
	PV_CCL,
	PV_DCL,
	PV_FAULT,
	PV_CONTACTOR,
	PV_NONE, /* a figure the simulated BMS does not have: bytes stay 0xFF */
};

struct persona_sig {
	const struct dbc_sig *sig;
	unsigned msg;	/* index into msgs */
	unsigned frame; /* index into frames; UINT_MAX: every frame of msg */
	enum persona_val what;
	unsigned index;
};

/* One broadcast frame: a message, or one multiplexor value of it. */
struct persona_frame {
	unsigned msg;
	const struct dbc_sig *mux_sig; /* NULL: not multiplexed */
	uint64_t mux;
};

/* What the pack hears of one [vehicle_frame] row (docs/simulator.md,
 * "BMS personalities"): the same description the controller sends from,
 * checked here with the checksum rows and bit positions, never with the
 * controller's vehframe engine. */
struct persona_veh {
	const struct vehframe_def *def;
	const struct checksum_alg *csum;
	uint8_t ignore[VEHFRAME_MAX_LEN]; /* counter, checksum, value bits */
	unsigned n_same, nth;		  /* rows sharing its id; which */
	bool required;			  /* cyclic from the start */
	bool seen;
	bool rejecting; /* said once until a frame is accepted again */
	uint32_t counter;
	int64_t last_us;
	uint8_t last[VEHFRAME_MAX_LEN];
};

struct persona_link {
	struct isotp_engine eng;
	struct sim *s;
	unsigned ecu;
	uint8_t pending[ISOTP_MAX_LEN]; /* a request waiting for tx idle */
	size_t pending_len;
};

struct sim_persona {
	char path[PROFILE_PATH_LEN];
	struct profile prof;
	struct dbc *db;
	const struct dbc_msg *msgs[PERSONA_MAX_MSGS];
	unsigned n_msgs;
	unsigned msg_first[PERSONA_MAX_MSGS], msg_frames[PERSONA_MAX_MSGS];
	struct persona_frame frames[PERSONA_MAX_FRAMES];
	unsigned n_frames;
	struct persona_sig sigs[PERSONA_MAX_SIGS];
	unsigned n_sigs;
	struct persona_veh veh[VEH_MAX_FRAMES];
	unsigned n_veh;
	bool veh_bad; /* a bad counter/checksum/length until the car lets go */
	bool veh_ok;  /* every frame present and valid last step */
	bool cmd_close;		     /* [bench_tx] asks for closed */
	const struct dbc_msg *m_cmd; /* the bench's frame, NULL if none */
	const struct dbc_sig *s_req;
	struct persona_link links[POLL_MAX_ECUS];
};

static bool covers(const struct poll_set *ps, enum poll_role role, unsigned i)
{
	for (unsigned f = 0; f < ps->n_fields; f++) {
		const struct poll_field *pf = &ps->fields[f];

		if (pf->role == role && i >= pf->first &&
		    i < pf->first + pf->count)
			return true;
	}
	return false;
}

/* What the simulator cannot serve is refused here, with file:line: a poll
 * without a reply layout, a pack whose size differs from the profile's,
 * a cell or probe that neither a reply nor a broadcast carries. */
static int check(const struct sim_persona *p, const struct pack_cfg *cfg,
		 unsigned n_probes)
{
	const struct profile *pr = &p->prof;
	const struct poll_set *ps = &pr->poll;

	for (unsigned i = 0; i < ps->n_polls; i++) {
		bool has = false;

		for (unsigned f = 0; f < ps->n_fields; f++)
			has |= ps->fields[f].poll == i;
		if (!has) {
			log_err("%s:%u: poll '%s' has no reply layout: the "
				"simulated BMS cannot answer it",
				p->path, ps->polls[i].line, ps->polls[i].name);
			return BENCH_ERR_ARG;
		}
	}
	if (pr->series != cfg->series || pr->parallel != cfg->parallel) {
		log_err("%s:%d: key 'bms': profile %s is a %us%up pack, "
			"this pack is %us%up",
			cfg->path, cfg->bms_line, p->path, pr->series,
			pr->parallel, cfg->series, cfg->parallel);
		return BENCH_ERR_ARG;
	}
	if (n_probes > SIM_MAX_PROBES) {
		log_err("%s:%d: key 'bms': profile %s has %u probes, the "
			"simulator at most %d",
			cfg->path, cfg->bms_line, p->path, n_probes,
			SIM_MAX_PROBES);
		return BENCH_ERR_ARG;
	}
	for (unsigned i = 0; i < cfg->series; i++)
		if (!pr->cell_voltage_fmt[0] &&
		    !covers(ps, POLL_ROLE_CELL_V, i)) {
			log_err("%s:%d: key 'bms': profile %s gives cell %u "
				"neither in a poll reply nor in a DBC "
				"signal: the simulated BMS cannot report it",
				cfg->path, cfg->bms_line, p->path, i + 1);
			return BENCH_ERR_ARG;
		}
	for (unsigned i = 0; i < n_probes; i++)
		if (!pr->temperature_fmt[0] && !covers(ps, POLL_ROLE_TEMP, i)) {
			log_err("%s:%d: key 'bms': profile %s gives probe %u "
				"neither in a poll reply nor in a DBC "
				"signal: the simulated BMS cannot report it",
				cfg->path, cfg->bms_line, p->path, i + 1);
			return BENCH_ERR_ARG;
		}
	return BENCH_OK;
}

/* bms = NAME (fixtures/profiles/NAME.ini) or a path (relative to the pack
 * file's directory). */
static int resolve(const struct pack_cfg *cfg, char *buf, size_t len)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	char *found;

	if (strchr(cfg->bms, '/') || strstr(cfg->bms, ".ini")) {
		cfgini_dirname(cfg->path, dir, sizeof(dir));
		return cfgini_resolve(dir, cfg->bms, buf, len);
	}
	snprintf(rel, sizeof(rel), "fixtures/profiles/%s.ini", cfg->bms);
	found = sim_fixture_path(rel);
	if (!found) {
		log_err("%s:%d: key 'bms': no profile '%s' (looked for %s)",
			cfg->path, cfg->bms_line, cfg->bms, rel);
		return BENCH_ERR_ARG;
	}
	snprintf(buf, len, "%s", found);
	free(found);
	return BENCH_OK;
}

int sim_persona_load(struct sim *s)
{
	struct sim_persona *p;
	int rc;

	if (!s->cfg.bms)
		return BENCH_OK;
	p = calloc(1, sizeof(*p));
	if (!p) {
		log_err("out of memory loading the BMS profile");
		return BENCH_ERR_MEM;
	}
	rc = resolve(&s->cfg, p->path, sizeof(p->path));
	if (rc < 0)
		goto fail;
	rc = profile_load_file(p->path, &p->prof);
	if (rc < 0) {
		log_err("%s:%d: key 'bms': profile %s cannot be loaded",
			s->cfg.path, s->cfg.bms_line, p->path);
		rc = BENCH_ERR_ARG;
		goto fail;
	}
	rc = check(p, &s->cfg, p->prof.n_probes);
	if (rc < 0)
		goto fail;
	s->persona = p;
	return BENCH_OK;
fail:
	profile_release(&p->prof);
	free(p);
	return rc;
}

void sim_persona_free(struct sim_persona *p)
{
	if (!p)
		return;
	dbc_free(p->db);
	profile_release(&p->prof);
	free(p);
}

const char *sim_persona_profile(const struct sim_persona *p)
{
	return p ? p->path : NULL;
}

unsigned sim_persona_probes(const struct sim_persona *p)
{
	return p->prof.n_probes;
}

static const struct dbc_sig *find_sig(const struct dbc *db, const char *name,
				      const struct dbc_msg **msg)
{
	for (size_t i = 0; i < db->n_msgs; i++) {
		const struct dbc_sig *sg = dbc_sig_by_name(&db->msgs[i], name);

		if (sg) {
			*msg = &db->msgs[i];
			return sg;
		}
	}
	return NULL;
}

static int add_sig(struct sim_persona *p, const char *name,
		   enum persona_val what, unsigned index)
{
	const struct dbc_msg *m;
	const struct dbc_sig *sg = find_sig(p->db, name, &m);
	unsigned k;

	if (!sg) {
		log_err("%s: [bms] names signal %s, which %s does not have",
			p->path, name, p->db->path);
		return BENCH_ERR_ARG;
	}
	if (p->n_sigs == PERSONA_MAX_SIGS) {
		log_err("%s: more broadcast signals than the simulator's %d",
			p->path, PERSONA_MAX_SIGS);
		return BENCH_ERR_ARG;
	}
	for (k = 0; k < p->n_msgs && p->msgs[k] != m; k++)
		;
	if (k == p->n_msgs) {
		if (k == PERSONA_MAX_MSGS) {
			log_err("%s: more broadcast messages than the "
				"simulator's %d",
				p->path, PERSONA_MAX_MSGS);
			return BENCH_ERR_ARG;
		}
		p->msgs[p->n_msgs++] = m;
	}
	p->sigs[p->n_sigs++] = (struct persona_sig){
	    .sig = sg, .msg = k, .what = what, .index = index};
	return BENCH_OK;
}

static int lookup_broadcast(struct sim *s, struct sim_persona *p)
{
	const struct profile *pr = &p->prof;
	char name[PROFILE_NAME_LEN];

	if (pr->cell_voltage_fmt[0])
		for (unsigned i = 0; i < s->n; i++) {
			TRY(profile_cell_signal(pr, i + 1, name, sizeof(name)));
			TRY(add_sig(p, name, PV_CELL, i));
		}
	if (pr->temperature_fmt[0])
		for (unsigned i = 0; i < s->n_probes; i++) {
			TRY(profile_temp_signal(pr, i + 1, name, sizeof(name)));
			TRY(add_sig(p, name, PV_TEMP, i));
		}
	if (pr->pack_voltage[0])
		TRY(add_sig(p, pr->pack_voltage, PV_PACK_V, 0));
	if (pr->pack_current[0])
		TRY(add_sig(p, pr->pack_current, PV_PACK_I, 0));
	if (pr->soc[0])
		TRY(add_sig(p, pr->soc, PV_SOC, 0));
	if (pr->ccl[0])
		TRY(add_sig(p, pr->ccl, PV_CCL, 0));
	if (pr->dcl[0])
		TRY(add_sig(p, pr->dcl, PV_DCL, 0));
	for (unsigned i = 0; i < pr->n_faults; i++)
		TRY(add_sig(p, pr->faults[i].signal, PV_FAULT, i));
	if (pr->contactor_state[0])
		TRY(add_sig(p, pr->contactor_state, PV_CONTACTOR, 0));
	if (pr->tx_message[0] && pr->tx_contactor_signal[0]) {
		p->m_cmd = dbc_msg_by_name(p->db, pr->tx_message);
		p->s_req = p->m_cmd ? dbc_sig_by_name(p->m_cmd,
						      pr->tx_contactor_signal)
				    : NULL;
		if (!p->s_req) {
			log_err("%s: [bench_tx] %s.%s is not in %s", p->path,
				pr->tx_message, pr->tx_contactor_signal,
				p->db->path);
			return BENCH_ERR_ARG;
		}
	}
	return BENCH_OK;
}

static const struct dbc_sig *mux_switch(const struct dbc_msg *m)
{
	for (size_t i = 0; i < m->n_sigs; i++)
		if (m->sigs[i].mux == DBC_MUX_SWITCH)
			return &m->sigs[i];
	return NULL;
}

/* A multiplexed message goes out once per multiplexor value its mapped
 * signals need (the BYD's 42 cell frames), each frame with the
 * unmultiplexed signals too. */
static int plan_frames(struct sim_persona *p)
{
	for (unsigned m = 0; m < p->n_msgs; m++) {
		const struct dbc_sig *sw = mux_switch(p->msgs[m]);

		p->msg_first[m] = p->n_frames;
		for (unsigned i = 0; i < p->n_sigs; i++) {
			struct persona_sig *ps = &p->sigs[i];
			bool muxed = sw && ps->sig->mux == DBC_MUX_VALUE &&
				     ps->sig->n_mux_ranges;
			uint64_t v = muxed ? ps->sig->mux_ranges[0].lo : 0;
			unsigned f;

			if (ps->msg != m)
				continue;
			for (f = p->msg_first[m]; f < p->n_frames; f++)
				if (p->frames[f].mux == v)
					break;
			if (f == p->n_frames) {
				if (f == PERSONA_MAX_FRAMES) {
					log_err("%s: more broadcast frames "
						"than the simulator's %d",
						p->path, PERSONA_MAX_FRAMES);
					return BENCH_ERR_ARG;
				}
				p->frames[p->n_frames++] =
				    (struct persona_frame){
					.msg = m, .mux_sig = sw, .mux = v};
			}
			ps->frame = muxed ? f : UINT_MAX;
		}
		p->msg_frames[m] = p->n_frames - p->msg_first[m];
	}
	return BENCH_OK;
}

static void ignore_bits(struct persona_veh *v)
{
	const struct vehframe_def *d = v->def;

	for (unsigned k = 0; k < d->counter.width; k++) {
		unsigned bit = d->counter.bit + k;

		v->ignore[bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
	if (v->csum)
		v->ignore[d->csum.store < 0 ? v->csum->store : d->csum.store] =
		    0xFF;
	for (unsigned k = 0; d->value.input && k < d->value.bytes; k++)
		v->ignore[d->value.byte + k] = 0xFF;
}

static void plan_veh(struct sim_persona *p)
{
	const struct veh_set *vs = &p->prof.veh;

	p->n_veh = vs->n_frames;
	for (unsigned i = 0; i < vs->n_frames; i++) {
		struct persona_veh *v = &p->veh[i];

		v->def = &vs->frames[i].def;
		v->csum = vs->frames[i].alg[0]
			      ? checksum_find(vs->frames[i].alg)
			      : NULL;
		v->required = v->def->period_ms && !v->def->off_at_start;
		for (unsigned k = 0; k < vs->n_frames; k++)
			if (vs->frames[k].def.id == v->def->id) {
				v->nth += k < i;
				v->n_same++;
			}
		ignore_bits(v);
	}
}

static int link_emit(void *ctx, const struct canframe *f)
{
	struct persona_link *l = ctx;

	return sim_send(l->s->bms.bus, f);
}

int sim_persona_attach(struct sim *s)
{
	struct sim_persona *p = s->persona;
	const struct poll_set *ps = &p->prof.poll;

	TRY(sim_load_dbc(p->prof.dbc_path, NULL, &p->db));
	TRY(lookup_broadcast(s, p));
	TRY(plan_frames(p));
	plan_veh(p);
	for (unsigned i = 0; i < ps->n_ecus; i++) {
		const struct poll_ecu_def *e = &ps->ecus[i];
		struct persona_link *l = &p->links[i];
		/* the ECU's side of the link: it sends on the tester's rx id,
		 * pads as the tester does, and asks for the frames at once */
		struct isotp_opts o = e->tp;

		o.tx_ext_addr = e->tp.rx_ext_addr;
		o.rx_ext_addr = e->tp.tx_ext_addr;
		o.bs = 0;
		o.stmin = 0;
		l->s = s;
		l->ecu = i;
		isotp_engine_init(&l->eng, e->rx_id, e->tx_id, &o, link_emit,
				  l);
	}
	/* a pack whose contactors are not on CAN: the bench's own relays,
	 * closed unless the BMS's protection opened them */
	if (!p->m_cmd && !p->n_veh)
		s->bms.req_close = true;
	return BENCH_OK;
}

/* Value of a field or signal in packstate's units (mV, mA + charge,
 * deci-degC, permille). */
static double base_value(const struct sim *s, enum persona_val what,
			 unsigned index)
{
	const struct sim_bms *b = &s->bms;
	double soc = 0;

	switch (what) {
	case PV_CELL:
		return b->cell_mV[index];
	case PV_TEMP:
		return b->probe_C[index] * 10.0;
	case PV_PACK_V:
		return s->pack_V * 1000.0;
	case PV_PACK_I:
		return s->current_A * 1000.0;
	case PV_SOC:
		for (unsigned i = 0; i < s->n; i++)
			soc += s->st[i].soc;
		soc = 1000.0 * soc / s->n;
		return soc < 0 ? 0 : soc > 1000 ? 1000 : soc;
	case PV_CCL:
		return b->ccl_A;
	case PV_DCL:
		return b->dcl_A;
	case PV_FAULT:
		return (b->faults | b->forced_faults) ? 1 : 0;
	case PV_CONTACTOR:
		return b->contactor;
	case PV_NONE:
		break;
	}
	return 0;
}

static enum persona_val val_of_role(enum poll_role r)
{
	switch (r) {
	case POLL_ROLE_CELL_V:
		return PV_CELL;
	case POLL_ROLE_TEMP:
		return PV_TEMP;
	case POLL_ROLE_PACK_V:
		return PV_PACK_V;
	case POLL_ROLE_PACK_I:
		return PV_PACK_I;
	case POLL_ROLE_SOC:
		return PV_SOC;
	case POLL_ROLE_SOH:
	case POLL_ROLE_CAPACITY:
	case POLL_ROLE_RATED_CAP:
	case POLL_ROLE_RATED_V:
	case POLL_ROLE_N:
		break;
	}
	return PV_NONE;
}

/* The inverse of polldec: value -> raw in the field's width, clamped. */
static uint32_t encode_raw(const struct poll_field *f, double base)
{
	double raw = (base / f->to_base - f->add) / f->scale;
	double bits = 8.0 * f->width;
	double lo = f->is_signed ? -ldexp(1, (int)bits - 1) : 0;
	double hi = f->is_signed ? ldexp(1, (int)bits - 1) - 1
				 : ldexp(1, (int)bits) - 1;
	int64_t r;

	raw = round(raw);
	raw = raw < lo ? lo : raw > hi ? hi : raw;
	r = (int64_t)raw;
	if (f->width < 4)
		return (uint32_t)r & ((1u << (8 * f->width)) - 1);
	return (uint32_t)r;
}

static void put_field(const struct poll_field *f, unsigned k, uint8_t *data,
		      uint32_t raw)
{
	uint8_t *b = data + f->offset + (size_t)k * f->stride;

	for (unsigned i = 0; i < f->width; i++)
		b[f->big_endian ? i : f->width - 1 - i] =
		    (uint8_t)(raw >> (8 * (f->width - 1 - i)));
}

static size_t reply_len(const struct poll_set *ps, unsigned poll)
{
	size_t n = ps->polls[poll].min_len;

	for (unsigned i = 0; i < ps->n_fields; i++) {
		const struct poll_field *f = &ps->fields[i];
		size_t end =
		    f->offset + (size_t)(f->count - 1) * f->stride + f->width;

		if (f->poll == poll && end > n)
			n = end;
	}
	return n;
}

static void log_answer(const struct sim *s, const struct poll_set *ps,
		       unsigned poll)
{
	fprintf(s->answer_log, "%.3f %s", s->t_us * 1e-6, ps->polls[poll].name);
	for (unsigned f = 0; f < ps->n_fields; f++) {
		const struct poll_field *pf = &ps->fields[f];

		if (pf->poll != poll || pf->role != POLL_ROLE_CELL_V)
			continue;
		for (unsigned k = 0; k < pf->count && pf->first + k < s->n; k++)
			fprintf(s->answer_log, " %u=%d", pf->first + k + 1,
				s->bms.cell_mV[pf->first + k]);
	}
	fputc('\n', s->answer_log);
	fflush(s->answer_log);
}

/* Build the answer to one request PDU into out: its length. */
static size_t answer(const struct sim *s, const struct sim_persona *p,
		     unsigned ecu, const uint8_t *req, size_t len, uint8_t *out)
{
	const struct poll_set *ps = &p->prof.poll;
	bool sid_known = false;

	for (unsigned i = 0; i < ps->n_polls; i++) {
		const struct poll_def *d = &ps->polls[i];
		size_t head = 1 + (size_t)d->req.echo_len, n;

		if (d->ecu != ecu)
			continue;
		sid_known |= d->req.data[0] == req[0];
		if (d->req.len != len || memcmp(d->req.data, req, len))
			continue;
		n = reply_len(ps, i);
		if (head + n > ISOTP_MAX_LEN)
			break;
		/* bytes no field describes read as "not available" */
		memset(out, 0xFF, head + n);
		out[0] = (uint8_t)(req[0] + 0x40);
		memcpy(out + 1, req + 1, d->req.echo_len);
		for (unsigned f = 0; f < ps->n_fields; f++) {
			const struct poll_field *pf = &ps->fields[f];

			if (pf->poll != i)
				continue;
			for (unsigned k = 0; k < pf->count; k++) {
				unsigned idx = pf->first + k;
				enum persona_val v = val_of_role(pf->role);

				if (v == PV_NONE ||
				    (v == PV_CELL && idx >= s->n) ||
				    (v == PV_TEMP && idx >= s->n_probes))
					continue; /* the absent pattern stays */
				put_field(
				    pf, k, out + head,
				    encode_raw(pf, base_value(s, v, idx)));
			}
		}
		if (s->answer_log)
			log_answer(s, ps, i);
		return head + n;
	}
	out[0] = UDS_SID_NEGATIVE;
	out[1] = req[0];
	out[2] = sid_known ? UDS_NRC_OUT_OF_RANGE : UDS_NRC_NOT_SUPPORTED;
	return 3;
}

static void serve(struct sim *s, struct persona_link *l)
{
	static uint8_t out[ISOTP_MAX_LEN];
	size_t n;

	if (!l->pending_len || isotp_engine_tx_result(&l->eng) == 1)
		return;
	n = answer(s, s->persona, l->ecu, l->pending, l->pending_len, out);
	l->pending_len = 0;
	if (isotp_engine_send(&l->eng, out, n, s->t_us) < 0)
		log_warn("cannot answer on 0x%X", (unsigned)l->eng.tx_id);
}

static uint32_t get_bits(const uint8_t *d, unsigned bit, unsigned width)
{
	uint32_t v = 0;

	for (unsigned k = 0; k < width; k++, bit++)
		v |= (uint32_t)((d[bit / 8] >> (bit % 8)) & 1) << k;
	return v;
}

/* Which row a frame is: rows sharing an id (Tesla's 0x221 mux 0 and 1)
 * interleave one counter, so its value modulo their number tells them
 * apart. */
static struct persona_veh *veh_row(struct sim_persona *p,
				   const struct canframe *f)
{
	struct persona_veh *first = NULL;

	for (unsigned i = 0; i < p->n_veh; i++) {
		struct persona_veh *v = &p->veh[i];
		const struct vehframe_counter *c = &v->def->counter;

		if (v->def->id != f->id)
			continue;
		if (!first)
			first = v;
		if (v->n_same > 1 && c->width &&
		    f->len * 8u >= c->bit + c->width &&
		    get_bits(f->data, c->bit, c->width) % v->n_same == v->nth)
			return v;
	}
	return first;
}

/* A frame the pack cannot trust opens the contactors: a real pack's
 * answer to a broken or replayed vehicle frame. */
static void veh_reject(struct sim *s, struct sim_persona *p,
		       struct persona_veh *v, const struct canframe *f,
		       const char *what)
{
	if (!v->rejecting)
		log_warn(
		    "vehicle frame 0x%X at %.1f s: %s%s",
		    (unsigned)(f->id & CANFRAME_EFF_MASK), s->t_us * 1e-6, what,
		    s->bms.contactor != BMS_OPEN ? ": contactors open" : "");
	v->rejecting = true;
	p->veh_bad = true;
}

static bool veh_rx(struct sim *s, struct sim_persona *p,
		   const struct canframe *f)
{
	struct persona_veh *v = veh_row(p, f);
	const struct vehframe_def *d;
	char why[96];

	if (!v)
		return false;
	d = v->def;
	if (f->len != d->dlc) {
		snprintf(why, sizeof(why), "%u bytes, expected %u", f->len,
			 d->dlc);
		veh_reject(s, p, v, f, why);
		return true;
	}
	if (d->counter.width) {
		const struct vehframe_counter *c = &d->counter;
		uint32_t mod = c->modulus ? c->modulus : 1u << c->width;
		uint32_t got = get_bits(f->data, c->bit, c->width);
		uint32_t want = (v->counter + c->step) % mod;

		bool skip = v->seen && got != want;

		/* the next frame is judged against this one: one glitch,
		 * one rejection */
		v->counter = got;
		if (skip) {
			snprintf(why, sizeof(why),
				 "alive counter %u, expected %u", got, want);
			veh_reject(s, p, v, f, why);
			return true;
		}
	}
	if (v->csum) {
		int first = d->csum.first < 0 ? v->csum->first : d->csum.first;
		int last = d->csum.last < 0 ? v->csum->last : d->csum.last;
		int store = d->csum.store < 0 ? v->csum->store : d->csum.store;
		uint8_t want = checksum_compute(v->csum, d->id, f->data + first,
						(size_t)(last - first + 1));

		if (f->data[store] != want) {
			snprintf(why, sizeof(why),
				 "checksum 0x%02X, expected 0x%02X (%s)",
				 f->data[store], want, v->csum->name);
			veh_reject(s, p, v, f, why);
			return true;
		}
	}
	v->seen = true;
	v->rejecting = false;
	v->last_us = s->t_us;
	memcpy(v->last, f->data, VEHFRAME_MAX_LEN);
	return true;
}

/* Does the row's last payload match one of the close sequence's set
 * steps for it (counter, checksum and live bytes aside)? Rows the close
 * sequence never sets match by being there. */
static bool veh_closing(const struct sim_persona *p, unsigned row)
{
	const struct veh_seq *q = &p->prof.veh.close;
	const struct persona_veh *v = &p->veh[row];
	bool any = false;

	for (unsigned k = 0; k < q->n; k++) {
		const struct vehframe_step *st = &q->steps[k];
		bool match = true;

		if (st->act != VEHFRAME_SET || st->frame != row)
			continue;
		any = true;
		for (unsigned b = 0; b < VEHFRAME_MAX_LEN; b++) {
			uint8_t m = st->mask[b] & (uint8_t)~v->ignore[b];

			match &= (v->last[b] & m) == (st->data[b] & m);
		}
		if (match)
			return true;
	}
	return !any;
}

/* The contactors close only while every cyclic vehicle frame arrives
 * within the pack's time-out ([bms] heartbeat_timeout_ms) with a valid
 * counter and checksum, the car asks for closed, and a live echo matches
 * the pack; anything else opens them. */
static void veh_step(struct sim *s, struct sim_persona *p)
{
	int64_t tmo_us = (int64_t)p->prof.heartbeat_timeout_ms * 1000;
	bool present = true, closing = true, echo = true;

	for (unsigned i = 0; i < p->n_veh; i++) {
		const struct persona_veh *v = &p->veh[i];
		const struct vehframe_value *val = &v->def->value;

		if (!v->required)
			continue;
		if (!v->seen || s->t_us - v->last_us > tmo_us) {
			if (p->veh_ok && s->bms.contactor != BMS_OPEN)
				log_warn(
				    "vehicle frame 0x%X silent for %lld "
				    "ms at %.1f s: contactors open",
				    (unsigned)(v->def->id & CANFRAME_EFF_MASK),
				    (long long)(s->t_us - v->last_us) / 1000,
				    s->t_us * 1e-6);
			present = false;
			continue;
		}
		closing &= veh_closing(p, i);
		/* the echo is the precharge check: it gates closing, and a
		 * pulse's step in voltage does not open closed contactors */
		if (val->input == VEHFRAME_IN_PACK_V &&
		    s->bms.contactor != BMS_CLOSED)
			echo &= fabs(vehframe_value_read(val, v->last) -
				     s->pack_V) <= PERSONA_ECHO_TOL_V;
	}
	if (!present || !closing)
		p->veh_bad = false; /* the car let go: a new close may start */
	p->veh_ok = present && !p->veh_bad;
	s->bms.req_close =
	    p->veh_ok && closing && echo && (!p->m_cmd || p->cmd_close);
}

void sim_persona_rx(struct sim *s, const struct canframe *f)
{
	struct sim_persona *p = s->persona;
	struct sim_bms *b = &s->bms;
	uint8_t req[ISOTP_MAX_LEN];

	if (b->silent || b->bus_off_until_us)
		return;
	if (p->m_cmd && f->id == p->m_cmd->id) {
		b->heartbeat_seen = true;
		b->last_cmd_us = s->t_us;
		p->cmd_close =
		    lround(cansig_decode(p->s_req, f->data, f->len)) ==
		    p->prof.tx_contactor_close;
		if (!p->n_veh)
			b->req_close = p->cmd_close;
		return;
	}
	if (veh_rx(s, p, f))
		return;
	for (unsigned i = 0; i < p->prof.poll.n_ecus; i++) {
		struct persona_link *l = &p->links[i];
		bool busy = isotp_engine_tx_result(&l->eng) == 1;
		int n;

		isotp_engine_on_frame(&l->eng, f, s->t_us);
		n = isotp_engine_take(&l->eng, req, sizeof(req));
		if (n <= 0)
			continue;
		/* the Leaf LBC drops a request that arrives while it is
		 * still answering (docs/packs.md) */
		if (busy && p->prof.poll.ecus[i].drops_busy)
			continue;
		memcpy(l->pending, req, (size_t)n);
		l->pending_len = (size_t)n;
		serve(s, l);
	}
}

/* Consecutive frames due within the step just simulated go out at their
 * own virtual times, STmin apart, not one per 100 ms step. */
void sim_persona_step(struct sim *s)
{
	struct sim_persona *p = s->persona;

	for (unsigned i = 0; i < p->prof.poll.n_ecus; i++) {
		struct persona_link *l = &p->links[i];
		int64_t t;

		while ((t = isotp_engine_next_us(&l->eng)) <= s->t_us)
			isotp_engine_tick(&l->eng, t);
		serve(s, l);
	}
	if (p->n_veh)
		veh_step(s, p);
}

void sim_persona_publish(struct sim *s)
{
	struct sim_persona *p = s->persona;
	const struct profile *pr = &p->prof;
	static uint8_t data[PERSONA_MAX_FRAMES][8];

	memset(data, 0, sizeof(data[0]) * p->n_frames);
	for (unsigned f = 0; f < p->n_frames; f++)
		if (p->frames[f].mux_sig)
			(void)cansig_put_raw(p->frames[f].mux_sig, data[f], 8,
					     p->frames[f].mux);
	for (unsigned i = 0; i < p->n_sigs; i++) {
		const struct persona_sig *ps = &p->sigs[i];
		double v = base_value(s, ps->what, ps->index);
		unsigned f0 = ps->frame, n = 1;

		switch (ps->what) {
		case PV_CELL:
		case PV_PACK_V:
			v *= 1e-3; /* DBC signals in V */
			break;
		case PV_TEMP:
			v *= 0.1;
			break;
		case PV_PACK_I:
			v *= pr->current_charge_positive ? 1e-3 : -1e-3;
			break;
		case PV_SOC:
			v *= 0.1;
			break;
		case PV_CONTACTOR:
			v = s->bms.contactor == BMS_CLOSED
				? pr->contactor_closed
				: pr->contactor_open;
			break;
		case PV_CCL:
		case PV_DCL:
		case PV_FAULT:
		case PV_NONE:
			break;
		}
		if (f0 == UINT_MAX) { /* in every frame of its message */
			f0 = p->msg_first[ps->msg];
			n = p->msg_frames[ps->msg];
		}
		/* out of range is clamped: a saturated reading */
		for (unsigned f = f0; f < f0 + n; f++)
			(void)cansig_encode(ps->sig, data[f], 8, v);
	}
	for (unsigned f = 0; f < p->n_frames; f++) {
		const struct dbc_msg *m = p->msgs[p->frames[f].msg];
		struct canframe fr;

		memset(&fr, 0, sizeof(fr));
		fr.id = m->id;
		fr.len = m->size > 8 ? 8 : m->size;
		memcpy(fr.data, data[f], fr.len);
		sim_send(s->bms.bus, &fr);
	}
}
