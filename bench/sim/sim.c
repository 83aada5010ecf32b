/* SPDX-License-Identifier: Apache-2.0 */
/* sim.c - the simulated pack: build from the pack file, step in virtual
 * time, fire scheduled faults, write the truth file. */
#define LOG_PREFIX "sim"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "can/canbus.h"
#include "can/dbc.h"
#include "common/json.h"
#include "common/outfile.h"
#include "common/log.h"
#include "common/rc.h"
#include "sim_priv.h"

static void build_cells(struct sim *s)
{
	const struct pack_cfg *c = &s->cfg;
	struct sim_rng rng, rng_offset;

	sim_rng_seed(&rng, c->seed);
	/* a stream of its own: the other per-cell draws stay as they were */
	sim_rng_seed(&rng_offset, c->seed ^ 0x6f6666736574ull);
	for (unsigned i = 0; i < s->n; i++) {
		const struct pack_cell_ovr *o = NULL;
		/* draw for every cell in the same order whatever is
		 * overridden, so an override never shifts other cells */
		double g_cap = sim_rng_gauss(&rng), g_r = sim_rng_gauss(&rng);
		double g_soc = sim_rng_gauss(&rng),
		       u_sd = sim_rng_uniform(&rng);
		double cap_Ah, r0_ohm, sd_mA, soc;

		for (size_t j = 0; j < c->n_ovr; j++)
			if (c->ovr[j].index == i + 1)
				o = &c->ovr[j];
		cap_Ah = c->rated_capacity_ah * c->parallel;
		if (o && o->has_soh)
			cap_Ah *= o->soh;
		else
			cap_Ah *= c->soh * (1 + c->capacity_sigma * g_cap);
		if (cap_Ah < 0.01 * c->rated_capacity_ah)
			cap_Ah = 0.01 * c->rated_capacity_ah;
		r0_ohm = c->r0_mohm * 1e-3 / c->parallel;
		if (o && o->has_r_growth)
			r0_ohm *= o->r_growth;
		else
			r0_ohm *= c->r_growth * (1 + c->r_sigma * g_r);
		if (r0_ohm < 0.2e-3 * c->r0_mohm / c->parallel)
			r0_ohm = 0.2e-3 * c->r0_mohm / c->parallel;
		if (o && o->has_self_discharge)
			sd_mA = o->self_discharge_mA;
		else /* healthy cells scatter about +-20 % */
			sd_mA = c->self_discharge_mA * (0.8 + 0.4 * u_sd);
		if (o && o->has_soc_offset)
			soc = c->initial_soc + o->soc_offset;
		else
			soc = c->initial_soc + c->soc_sigma * g_soc;

		s->par[i].capacity_As = cap_Ah * 3600.0;
		s->par[i].r0_ohm = r0_ohm;
		s->par[i].self_discharge_A = sd_mA * 1e-3;
		s->par[i].heat_cap_J_per_K = CELL_HEAT_CAP_J_PER_K_AH * cap_Ah;
		s->par[i].hysteresis_V = c->hysteresis_mV * 1e-3;
		s->soc_offset[i] = soc - c->initial_soc;
		cell_init(&s->st[i], s->chem, soc, c->ambient_C);
		/* a pack arrives from driving: on the discharge branch */
		if (c->hysteresis_mV > 0)
			cell_set_hyst(&s->par[i], &s->st[i], s->chem, -1);
		if (c->sensor_offset_mV_sigma > 0)
			s->sensor_offset_V[i] = c->sensor_offset_mV_sigma *
						1e-3 *
						sim_rng_gauss(&rng_offset);
		s->r0_sum_ohm += r0_ohm;
	}
}

static int fault_cmp(const void *a, const void *b)
{
	const struct pack_fault *x = a, *y = b;

	if (x->at_us != y->at_us)
		return x->at_us < y->at_us ? -1 : 1;
	return x->line - y->line;
}

double sim_terminal_V(const struct sim *s)
{
	double v = 0;

	for (unsigned i = 0; i < s->n; i++)
		v += s->st[i].voltage_V;
	return v;
}

static void fire_due_faults(struct sim *s);

int sim_load(const char *pack_ini, const struct sim_opts *opts,
	     struct sim **out)
{
	struct sim *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_err("out of memory loading '%s'", pack_ini);
		return BENCH_ERR_MEM;
	}
	rc = packini_load(pack_ini, &s->cfg);
	if (rc < 0)
		goto fail;
	if (opts && opts->has_seed_override)
		s->cfg.seed = opts->seed_override;
	s->chem = s->cfg.chem;
	s->n = s->cfg.series;
	s->cells_per_module = s->n / s->cfg.modules;
	s->n_probes = s->cfg.modules * s->cfg.probes_per_module;
	if (s->n_probes > s->n)
		s->n_probes = s->n;
	if (s->cfg.bms && !strcmp(s->cfg.bms, PACKINI_BMS_GBT))
		rc = sim_gbt_load(s);
	else
		rc = sim_persona_load(s);
	if (rc < 0)
		goto fail;
	if (s->persona) /* the real pack's thermistors */
		s->n_probes = sim_persona_probes(s->persona);
	s->v_discharge_min_V = 2.5;
	s->v_charge_max_V = s->chem == OCV_LFP ? 3.65 : 4.2;
	cell_stepk_init(&s->k, SIM_STEP_US * 1e-6);
	clock_virt_init(&s->clk, &s->vclk);
	sim_rng_seed(&s->noise, s->cfg.seed ^ 0x6e6f697365ull);
	s->noise_on = true;
	build_cells(s);
	s->pack_V = sim_terminal_V(s);
	if (s->cfg.n_faults)
		qsort(s->cfg.faults, s->cfg.n_faults, sizeof(s->cfg.faults[0]),
		      fault_cmp);

	struct sim_pack_info *in = &s->info;
	snprintf(in->name, sizeof(in->name), "%s", s->cfg.name);
	snprintf(in->chemistry, sizeof(in->chemistry), "%s",
		 s->chem == OCV_LFP ? "lfp" : "nmc");
	in->series = s->n;
	in->parallel = s->cfg.parallel;
	in->modules = s->cfg.modules;
	in->n_probes = s->n_probes;
	in->rated_capacity_ah = s->cfg.rated_capacity_ah * s->cfg.parallel;
	in->v_min_cell_V = s->v_discharge_min_V;
	in->v_max_cell_V = s->v_charge_max_V;
	in->ambient_C = s->cfg.ambient_C;
	in->fresh_r0_mohm = s->cfg.r0_mohm / s->cfg.parallel;

	s->cyc.vmax_V = s->v_charge_max_V * s->n;
	s->cyc.vmin_V = s->v_discharge_min_V * s->n;
	sim_instr_init(s);
	/* a fault at 0 is there from the start: a cycler that refuses the
	 * controller's first settings, a BMS that never speaks */
	fire_due_faults(s);
	if (opts && opts->bms_dbc_path)
		s->bms_dbc_path = strdup(opts->bms_dbc_path);
	if (opts && opts->cycler_dbc_path)
		s->cyc_dbc_path = strdup(opts->cycler_dbc_path);
	*out = s;
	return BENCH_OK;
fail:
	packini_release(&s->cfg);
	free(s);
	return rc;
}

const struct sim_pack_info *sim_info(const struct sim *s)
{
	return &s->info;
}

const char *sim_bms_profile(const struct sim *s)
{
	return sim_persona_profile(s->persona);
}

int sim_bms_gbt_line(const struct sim *s)
{
	return s->gbt ? s->cfg.bms_line : 0;
}

int64_t sim_now_us(const struct sim *s)
{
	return s->t_us;
}

void sim_set_noise(struct sim *s, bool on)
{
	s->noise_on = on;
}

int sim_load_dbc(const char *path, const char *fixture, struct dbc **out)
{
	struct dbc_opts o = {.quiet = true};
	char *found = NULL;
	int rc;

	if (!path) {
		found = sim_fixture_path(fixture);
		if (!found)
			return BENCH_ERR_IO;
		path = found;
	}
	rc = dbc_load_file(path, &o, out);
	free(found);
	return rc;
}

void sim_set_answer_log(struct sim *s, FILE *f)
{
	s->answer_log = f;
}

int sim_send(struct canbus *bus, const struct canframe *f)
{
	return canbus_send(bus, f);
}

static int drain(struct sim *s, struct canbus *bus)
{
	struct canbus_ev ev;
	int rc;

	while ((rc = canbus_recv(bus, &ev, 0)) == 1) {
		if (ev.kind != CANBUS_EV_FRAME)
			continue;
		if (bus == s->bms.bus)
			sim_bms_rx(s, &ev.frame);
		if (bus == s->cyc.bus)
			sim_cyc_rx(s, &ev.frame);
	}
	return rc < 0 ? rc : BENCH_OK;
}

/* <linux/can/error.h> classes, for the error frame on a vcan bus */
#define SIM_CAN_ERR_BUSOFF 0x00000040u
#define SIM_CAN_ERR_RESTARTED 0x00000100u

/* Make the bus_off fault visible as a real node's would be: a state event
 * on the in-process bus, an error frame on vcan (as `cansend vcan0
 * 20000040#...` does). On real hardware the node just falls silent: an
 * error frame cannot be sent there. */
static void bus_state(struct sim *s, enum canbus_state st)
{
	struct canbus *bus = s->bms.bus;
	struct canframe f;

	if (!bus)
		return;
	if (s->bms.is_mem) {
		canbus_mem_inject_state(bus, st);
		return;
	}
	if (strncmp(canbus_name(bus), "vcan", 4))
		return;
	memset(&f, 0, sizeof(f));
	f.id = CANFRAME_ERR |
	       (st == CANBUS_OFF ? SIM_CAN_ERR_BUSOFF : SIM_CAN_ERR_RESTARTED);
	f.len = 8;
	canbus_send(bus, &f);
}

static void fire_fault(struct sim *s, const struct pack_fault *f)
{
	unsigned c = f->cell - 1;

	log_info("%s: fault %s (line %d) fires at %.1f s", s->cfg.path,
		 sim_fault_name(f->kind), f->line, s->t_us * 1e-6);
	switch (f->kind) {
	case SIM_FAULT_CELL_HEATING:
		s->st[c].heating_C_per_s = f->rate_C_per_min / 60.0;
		break;
	case SIM_FAULT_CELL_SHORT:
		s->st[c].short_ohm = f->short_ohm;
		break;
	case SIM_FAULT_CELL_SENSOR_STUCK:
		s->bms.stuck[c] = true;
		break;
	case SIM_FAULT_BMS_SILENT:
		s->bms.silent = true;
		break;
	case SIM_FAULT_CYCLER_TIMEOUT:
		s->cyc.comm_dead = true;
		break;
	case SIM_FAULT_BUS_OFF:
		s->bms.bus_off_until_us = s->t_us + f->duration_us;
		bus_state(s, CANBUS_OFF);
		break;
	case SIM_FAULT_BMS_FAULT:
		s->bms.forced_faults |= 1u << f->bms_fault_bit;
		break;
	case SIM_FAULT_CYCLER_GARBAGE:
		s->cyc.garbage = true;
		break;
	case SIM_FAULT_CYCLER_ERROR:
		/* its protection trips the output */
		s->cyc.dev_error = true;
		s->cyc.output_on = false;
		s->cyc.actual_A = 0;
		break;
	case SIM_FAULT_CYCLER_UNPLUGGED:
		s->cyc.unplugged = true;
		break;
	case SIM_FAULT_GBT_INSULATION:
	case SIM_FAULT_GBT_OVERTEMP:
	case SIM_FAULT_GBT_STOP:
		sim_gbt_fault(s, f);
		break;
	case SIM_FAULT_N_KINDS:
		break;
	}
}

/* A fault due at time T holds from T on: it fires at the end of the step
 * that reaches T, before that instant's measurements and frames. */
static void fire_due_faults(struct sim *s)
{
	while (s->next_fault < s->cfg.n_faults &&
	       s->cfg.faults[s->next_fault].at_us <= s->t_us)
		fire_fault(s, &s->cfg.faults[s->next_fault++]);
	if (s->bms.bus_off_until_us && s->t_us >= s->bms.bus_off_until_us) {
		s->bms.bus_off_until_us = 0;
		bus_state(s, CANBUS_ACTIVE);
		log_info("%s: bus_off ends at %.1f s", s->cfg.path,
			 s->t_us * 1e-6);
	}
}

static int step(struct sim *s)
{
	bool closed;
	double I;

	if (s->bms.bus)
		TRY(drain(s, s->bms.bus));
	if (s->cyc.bus && s->cyc.bus != s->bms.bus)
		TRY(drain(s, s->cyc.bus));

	closed = sim_bms_closed(s);
	I = sim_cyc_current(s, closed);
	if (s->ext_source)
		I = s->ext_current_A;
	if (!closed)
		I = 0;
	s->current_A = I;
	for (unsigned i = 0; i < s->n; i++)
		cell_step(&s->par[i], &s->st[i], s->chem, &s->k, I,
			  s->cfg.ambient_C);
	s->t_us += SIM_STEP_US;
	clock_virt_set(&s->vclk, s->t_us);
	s->pack_V = sim_terminal_V(s);
	fire_due_faults(s);
	sim_bms_step(s);
	sim_cyc_publish(s);
	return BENCH_OK;
}

int sim_advance(struct sim *s, int64_t t_us)
{
	if (t_us < s->t_us) {
		log_err("cannot advance to %lld us: already at %lld us",
			(long long)t_us, (long long)s->t_us);
		return BENCH_ERR_ARG;
	}
	int rc = BENCH_OK;

	if (s->mu)
		pthread_mutex_lock(s->mu);
	while (rc == BENCH_OK && s->t_us + SIM_STEP_US <= t_us)
		rc = step(s);
	if (s->mu)
		pthread_mutex_unlock(s->mu);
	return rc;
}

int sim_attach_bms(struct sim *s, struct canbus *bus)
{
	return sim_bms_attach(s, bus, s->bms_dbc_path);
}

int sim_attach_cycler_can(struct sim *s, struct canbus *bus)
{
	return sim_cyc_attach(s, bus, s->cyc_dbc_path);
}

struct instr *sim_instr(struct sim *s)
{
	return &s->instr;
}

void sim_plant_read(const struct sim *s, struct sim_plant *p)
{
	p->voltage_V = s->pack_V;
	p->current_A = s->current_A;
	p->contactors_closed = sim_bms_closed(s);
	p->cycler_silent = s->cyc.comm_dead;
	p->cycler_garbage = s->cyc.garbage;
	p->cycler_error = s->cyc.dev_error;
	p->cycler_unplugged = s->cyc.unplugged;
}

const struct clock *sim_clock(const struct sim *s)
{
	return &s->clk;
}

void sim_plant_set_current(struct sim *s, double current_A)
{
	s->ext_source = true;
	s->ext_current_A = current_A;
}

void sim_cell_read(const struct sim *s, unsigned index, struct sim_cell *c)
{
	const struct cell_state *st = &s->st[index];

	c->soc = st->soc;
	c->voltage_V = st->voltage_V;
	c->ocv_V = ocv_V(s->chem, st->soc);
	c->temp_C = st->temp_C;
	c->capacity_Ah = s->par[index].capacity_As / 3600.0;
	c->r0_ohm = s->par[index].r0_ohm;
}

int sim_continue_from(struct sim *dst, const struct sim *src, int64_t shelf_us)
{
	double shelf_s = shelf_us * 1e-6;

	if (dst->n != src->n || dst->chem != src->chem ||
	    dst->cfg.seed != src->cfg.seed ||
	    strcmp(dst->info.name, src->info.name)) {
		log_err("shelf: pack '%s' is not the pack '%s' of the run",
			dst->info.name, src->info.name);
		return BENCH_ERR_ARG;
	}
	for (unsigned i = 0; i < dst->n; i++) {
		const struct cell_state *a = &src->st[i];
		double leak_A = src->par[i].self_discharge_A;
		double soc;

		/* a short drains at about the OCV it starts from: a shelf
		 * of a shorted cell is the unsafe case anyway */
		if (a->short_ohm > 0)
			leak_A += a->ocv_V / a->short_ohm;
		soc = a->soc - leak_A * shelf_s / src->par[i].capacity_As;
		cell_init(&dst->st[i], dst->chem, soc, dst->cfg.ambient_C);
		if (dst->par[i].hysteresis_V > 0)
			cell_set_hyst(&dst->par[i], &dst->st[i], dst->chem,
				      a->hyst);
		dst->st[i].short_ohm = a->short_ohm;
	}
	dst->noise = src->noise;
	dst->next_fault = src->next_fault;
	dst->pack_V = sim_terminal_V(dst);
	return BENCH_OK;
}

int sim_write_truth(const struct sim *s, const char *json_path)
{
	struct outfile of;
	struct json j;
	FILE *f;

	TRY(outfile_open(&of, json_path, NULL, 0, "{"));
	f = of.f;
	json_init_file(&j, f);
	json_obj(&j);
	json_key_str(&j, "pack", s->info.name);
	json_key_str(&j, "chemistry", s->info.chemistry);
	json_key_uint(&j, "seed", s->cfg.seed);
	json_key_uint(&j, "series", s->n);
	json_key_uint(&j, "parallel", s->cfg.parallel);
	json_key_uint(&j, "modules", s->cfg.modules);
	json_key_num(&j, "rated_capacity_ah", s->info.rated_capacity_ah,
		     "%.9g");
	json_key(&j, "cells");
	json_arr(&j);
	for (unsigned i = 0; i < s->n; i++) {
		json_obj(&j);
		json_key_uint(&j, "index", i + 1);
		json_key_uint(&j, "module", i / s->cells_per_module + 1);
		json_key_num(&j, "capacity_ah", s->par[i].capacity_As / 3600.0,
			     "%.9g");
		json_key_num(&j, "r0_mohm", s->par[i].r0_ohm * 1e3, "%.9g");
		json_key_num(&j, "self_discharge_ma",
			     s->par[i].self_discharge_A * 1e3, "%.9g");
		json_key_num(&j, "soc_offset", s->soc_offset[i], "%.9g");
		json_end(&j);
	}
	json_end(&j);
	json_key(&j, "faults");
	json_arr(&j);
	for (size_t i = 0; i < s->cfg.n_faults; i++) {
		const struct pack_fault *ft = &s->cfg.faults[i];

		json_obj(&j);
		json_key_str(&j, "kind", sim_fault_name(ft->kind));
		json_key_num(&j, "at_s", ft->at_us * 1e-6, "%.9g");
		if (ft->kind <= SIM_FAULT_CELL_SENSOR_STUCK)
			json_key_uint(&j, "cell", ft->cell);
		json_end(&j);
	}
	json_end(&j);
	json_end(&j);
	fputc('\n', f);
	if (json_finish(&j) < 0) {
		log_err("cannot write truth file '%s'", json_path);
		outfile_discard(&of);
		return BENCH_ERR_IO;
	}
	return outfile_commit(&of);
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	sim_bms_release(&s->bms);
	sim_persona_free(s->persona);
	sim_gbt_free(s->gbt);
	sim_cyc_release(&s->cyc);
	packini_release(&s->cfg);
	free(s->bms_dbc_path);
	free(s->cyc_dbc_path);
	free(s);
}

static char *try_path(const char *dir, const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		return NULL;
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *sim_fixture_path(const char *rel)
{
	char exe[PATH_MAX], *p;
	ssize_t n;

	if (rel[0] == '/')
		return access(rel, R_OK) == 0 ? strdup(rel) : NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		/* bin/bench -> .., build/tests/unit/x -> ../../.. */
		for (int up = 0; up < 5; up++) {
			char *slash = strrchr(exe, '/');
			if (!slash || slash == exe)
				break;
			*slash = 0;
			p = try_path(exe, rel);
			if (p)
				return p;
		}
	}
	p = try_path(".", rel);
	if (p)
		return p;
	log_err("cannot find '%s' next to the executable or in the current "
		"directory",
		rel);
	return NULL;
}
