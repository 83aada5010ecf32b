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
#include "can/canbus.h"
#include "can/dbc.h"
#include "can/isotp_engine.h"
#include "common/cfgini.h"
#include "common/log.h"
#include "common/rc.h"
#include "sim_priv.h"

#define PERSONA_MAX_MSGS 64
#define PERSONA_MAX_SIGS (SIM_MAX_CELLS + SIM_MAX_PROBES + 32)
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
	unsigned msg; /* index into msgs */
	enum persona_val what;
	unsigned index;
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
	struct persona_sig sigs[PERSONA_MAX_SIGS];
	unsigned n_sigs;
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
	if (!p->m_cmd)
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
		b->req_close =
		    lround(cansig_decode(p->s_req, f->data, f->len)) ==
		    p->prof.tx_contactor_close;
		return;
	}
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
}

void sim_persona_publish(struct sim *s)
{
	struct sim_persona *p = s->persona;
	const struct profile *pr = &p->prof;

	for (unsigned m = 0; m < p->n_msgs; m++) {
		struct canframe f;

		memset(&f, 0, sizeof(f));
		f.id = p->msgs[m]->id;
		f.len = p->msgs[m]->size > 8 ? 8 : p->msgs[m]->size;
		for (unsigned i = 0; i < p->n_sigs; i++) {
			const struct persona_sig *ps = &p->sigs[i];
			double v;

			if (ps->msg != m)
				continue;
			v = base_value(s, ps->what, ps->index);
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
			/* out of range is clamped: a saturated reading */
			(void)cansig_encode(ps->sig, f.data, f.len, v);
		}
		sim_send(s->bms.bus, &f);
	}
}
