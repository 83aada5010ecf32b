/* SPDX-License-Identifier: Apache-2.0 */
/* profile_poll.c - [polling], [ecu NAME] and [poll NAME] of a pack profile
 * (docs/profiles.md "Polled packs"): a polled pack is data, not code. */
#define LOG_PREFIX "profile"

#include "bench/profile_poll.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can/canframe.h"
#include "common/rc.h"

int64_t poll_set_fresh_us(const struct poll_set *s)
{
	return ((int64_t)s->sweep_period_ms + s->stale_margin_ms) * 1000;
}

bool profile_poll_section(const char *section)
{
	return !strcmp(section, "polling") || !strncmp(section, "ecu ", 4) ||
	       !strncmp(section, "poll ", 5);
}

/* Section "ecu lbc" -> its entry, made on first sight. */
static struct poll_ecu_def *ecu_of(struct poll_set *s, struct cfgini *c,
				   const char *name)
{
	struct poll_ecu_def *e;

	for (unsigned i = 0; i < s->n_ecus; i++)
		if (!strcmp(s->ecus[i].name, name))
			return &s->ecus[i];
	if (s->n_ecus == POLL_MAX_ECUS || !name[0] ||
	    strlen(name) >= POLL_NAME_LEN) {
		cfgini_fail(c, "",
			    "[ecu %s]: expected a name of 1..%d characters, at "
			    "most %d ECUs",
			    name, POLL_NAME_LEN - 1, POLL_MAX_ECUS);
		return NULL;
	}
	e = &s->ecus[s->n_ecus++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->tp.tx_pad = true; /* every tool seen sends 8-byte frames */
	e->tp.stmin = 25;
	return e;
}

static struct poll_def *poll_of(struct poll_set *s, struct cfgini *c,
				const char *name)
{
	struct poll_def *d;

	for (unsigned i = 0; i < s->n_polls; i++)
		if (!strcmp(s->polls[i].name, name))
			return &s->polls[i];
	if (s->n_polls == POLL_MAX_POLLS || !name[0] ||
	    strlen(name) >= POLL_NAME_LEN) {
		cfgini_fail(c, "",
			    "[poll %s]: expected a name of 1..%d characters, "
			    "at most %d polls",
			    name, POLL_NAME_LEN - 1, POLL_MAX_POLLS);
		return NULL;
	}
	d = &s->polls[s->n_polls++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->retries = 2;
	d->line = c->line;
	return d;
}

/* A CAN id: decimal or 0x hex, 29 bits at most. */
static int can_id(struct cfgini *c, const char *k, const char *v, uint32_t *out)
{
	char *end;
	unsigned long id = strtoul(v, &end, 0);

	if (end == v || *end || id > CANFRAME_EFF_MASK)
		return cfgini_fail(c, k,
				   "expected a CAN id like 0x79B, found "
				   "'%s'",
				   v);
	*out = (uint32_t)id;
	return 0;
}

static int byte_val(struct cfgini *c, const char *k, const char *v,
		    uint8_t *out)
{
	uint32_t u;
	char *end;
	unsigned long x = strtoul(v, &end, 0);

	if (end == v || *end || x > 255)
		return cfgini_fail(c, k,
				   "expected a byte (0..255 or 0x00..0xFF),"
				   " found '%s'",
				   v);
	u = (uint32_t)x;
	*out = (uint8_t)u;
	return 0;
}

static int key_ecu(struct poll_ecu_def *e, struct cfgini *c, const char *k,
		   const char *v)
{
	uint32_t u;

	if (!strcmp(k, "tx_id"))
		return can_id(c, k, v, &e->tx_id);
	if (!strcmp(k, "rx_id"))
		return can_id(c, k, v, &e->rx_id);
	if (!strcmp(k, "id_bits")) {
		TRY(cfgini_uint(c, k, v, 11, 29, &u));
		if (u != 11 && u != 29)
			return cfgini_fail(c, k,
					   "expected 11 or 29, found '%s'", v);
		e->id29 = u == 29;
		return 0;
	}
	if (!strcmp(k, "addressing")) {
		if (strcmp(v, "normal") && strcmp(v, "extended"))
			return cfgini_fail(c, k,
					   "expected normal or extended, found "
					   "'%s'",
					   v);
		e->tp.ext_addr = !strcmp(v, "extended");
		return 0;
	}
	if (!strcmp(k, "tx_ext_addr"))
		return byte_val(c, k, v, &e->tp.tx_ext_addr);
	if (!strcmp(k, "rx_ext_addr"))
		return byte_val(c, k, v, &e->tp.rx_ext_addr);
	if (!strcmp(k, "padding")) {
		e->tp.tx_pad = strcmp(v, "off") != 0;
		return e->tp.tx_pad ? byte_val(c, k, v, &e->tp.pad_byte) : 0;
	}
	if (!strcmp(k, "block_size"))
		return byte_val(c, k, v, &e->tp.bs);
	if (!strcmp(k, "stmin_ms")) {
		TRY(cfgini_uint(c, k, v, 0, 127, &u));
		e->tp.stmin = (uint8_t)u;
		return 0;
	}
	if (!strcmp(k, "frame_timeout_ms"))
		return cfgini_uint(c, k, v, 10, 10000, &e->tp.timeout_ms);
	if (!strcmp(k, "p2_ms"))
		return cfgini_uint(c, k, v, 10, 60000, &e->p2_ms);
	if (!strcmp(k, "p2star_ms"))
		return cfgini_uint(c, k, v, 10, 60000, &e->p2star_ms);
	if (!strcmp(k, "gap_ms"))
		return cfgini_uint(c, k, v, 0, 60000, &e->gap_ms);
	if (!strcmp(k, "busy")) {
		if (strcmp(v, "drop") && strcmp(v, "queue"))
			return cfgini_fail(
			    c, k, "expected drop or queue, found '%s'", v);
		e->drops_busy = !strcmp(v, "drop");
		return 0;
	}
	return cfgini_fail(c, k, "unknown key in [ecu %s]", e->name);
}

/* "21 02" -> the request; echo defaults to every byte after the SID. */
static int request(struct poll_def *d, struct cfgini *c, const char *k,
		   const char *v)
{
	uint8_t b[UDS_REQ_MAX];
	size_t n = 0;
	const char *s = v;

	while (*s) {
		char *end;
		unsigned long x;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		x = strtoul(s, &end, 16);
		if (end == s || end - s > 2 || x > 255 || n == UDS_REQ_MAX ||
		    (*end && *end != ' ' && *end != '\t'))
			return cfgini_fail(
			    c, k,
			    "expected hex bytes like '21 02' or "
			    "'22 01 01' (at most %d), found '%s'",
			    UDS_REQ_MAX, v);
		b[n++] = (uint8_t)x;
		s = end;
	}
	if (n == 0)
		return cfgini_fail(c, k, "expected hex bytes, found nothing");
	uds_req_raw(&d->req, b, n, (uint8_t)(n - 1));
	return 0;
}

/* "60 10 10": seconds in idle, charging, discharging (0 = not polled). */
static int periods(struct poll_def *d, struct cfgini *c, const char *k,
		   const char *v)
{
	const char *s = v;
	double x[POLLER_NSTATES];

	for (int i = 0; i < POLLER_NSTATES; i++)
		if (!cfgini_scan_double(&s, &x[i]) || x[i] < 0 || x[i] > 86400)
			goto bad;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		goto bad;
	for (int i = 0; i < POLLER_NSTATES; i++)
		d->period_ms[i] = (uint32_t)llround(x[i] * 1000.0);
	return 0;
bad:
	return cfgini_fail(c, k,
			   "expected three periods in s (idle charging "
			   "discharging, 0 = not polled), found '%s'",
			   v);
}

static const struct {
	const char *key;
	enum poll_role role;
	bool array;
} roles[] = {
    {"cell_voltage", POLL_ROLE_CELL_V, true},
    {"temperature", POLL_ROLE_TEMP, true},
    {"pack_voltage", POLL_ROLE_PACK_V, false},
    {"pack_current", POLL_ROLE_PACK_I, false},
    {"soc", POLL_ROLE_SOC, false},
    {"soh", POLL_ROLE_SOH, false},
    {"capacity", POLL_ROLE_CAPACITY, false},
    {"rated_capacity", POLL_ROLE_RATED_CAP, false},
    {"rated_voltage", POLL_ROLE_RATED_V, false},
};

/* Units each role accepts and their factor to packstate's unit. */
static const struct {
	enum poll_role role;
	const char *unit;
	double to_base;
} units[] = {
    {POLL_ROLE_CELL_V, "V", 1000.0},	 {POLL_ROLE_CELL_V, "mV", 1.0},
    {POLL_ROLE_PACK_V, "V", 1000.0},	 {POLL_ROLE_PACK_V, "mV", 1.0},
    {POLL_ROLE_TEMP, "C", 10.0},	 {POLL_ROLE_PACK_I, "A", 1000.0},
    {POLL_ROLE_PACK_I, "mA", 1.0},	 {POLL_ROLE_SOC, "%", 10.0},
    {POLL_ROLE_SOH, "%", 10.0},		 {POLL_ROLE_CAPACITY, "Ah", 1000.0},
    {POLL_ROLE_RATED_CAP, "Ah", 1000.0}, {POLL_ROLE_RATED_V, "V", 1000.0},
};

static bool unit_of(enum poll_role r, const char *u, double *to_base)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (units[i].role == r && !strcmp(units[i].unit, u)) {
			*to_base = units[i].to_base;
			return true;
		}
	return false;
}

static bool uint_tok(const char *v, unsigned max, unsigned *out)
{
	char *end;
	unsigned long x = strtoul(v, &end, 0);

	if (end == v || *end || v[0] == '-' || x > max)
		return false;
	*out = (unsigned)x;
	return true;
}

static bool double_tok(const char *v, double *out)
{
	const char *s = v;

	return cfgini_scan_double(&s, out) && !*s;
}

/* One "name=value" of a field. */
static int field_tok(struct poll_field *f, struct cfgini *c, const char *k,
		     const char *name, const char *val, bool *has_unit,
		     bool *has_stride)
{
	unsigned u;

	if (!strcmp(name, "offset") && uint_tok(val, ISOTP_MAX_LEN, &u))
		f->offset = u;
	else if (!strcmp(name, "count") && uint_tok(val, 256, &u) && u)
		f->count = u;
	else if (!strcmp(name, "stride") && uint_tok(val, 64, &u) && u)
		f->stride = u, *has_stride = true;
	else if (!strcmp(name, "bytes") && uint_tok(val, 4, &u) && u)
		f->width = u;
	else if (!strcmp(name, "first") && uint_tok(val, 256, &u) && u)
		f->first = u - 1;
	else if (!strcmp(name, "order") &&
		 (!strcmp(val, "be") || !strcmp(val, "le")))
		f->big_endian = !strcmp(val, "be");
	else if (!strcmp(name, "signed") &&
		 (!strcmp(val, "yes") || !strcmp(val, "no")))
		f->is_signed = !strcmp(val, "yes");
	else if (!strcmp(name, "scale") && double_tok(val, &f->scale) &&
		 f->scale != 0.0)
		;
	else if (!strcmp(name, "add") && double_tok(val, &f->add))
		;
	else if (!strcmp(name, "absent") && uint_tok(val, UINT32_MAX, &u))
		f->absent_raw = u, f->has_absent = true;
	else if (!strcmp(name, "unit") && unit_of(f->role, val, &f->to_base))
		*has_unit = true;
	else
		return cfgini_fail(c, k,
				   "bad '%s=%s' (see docs/profiles.md, "
				   "\"Polled packs\")",
				   name, val);
	return 0;
}

/* cell_voltage = offset=0 count=96 bytes=2 order=be scale=1 unit=mV */
static int field(struct poll_set *s, unsigned poll, struct cfgini *c,
		 const char *k, const char *v, enum poll_role role, bool array)
{
	char buf[256], *save = NULL, *tok;
	struct poll_field f = {.poll = poll,
			       .role = role,
			       .count = 1,
			       .width = 2,
			       .big_endian = true,
			       .scale = 1.0,
			       .line = c->line};
	bool has_unit = false, has_stride = false;

	if (s->n_fields == POLL_MAX_FIELDS)
		return cfgini_fail(c, k, "more than %d fields in all",
				   POLL_MAX_FIELDS);
	if (strlen(v) >= sizeof(buf))
		return cfgini_fail(c, k, "value too long");
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return cfgini_fail(c, k,
					   "expected name=value pairs, found "
					   "'%s'",
					   tok);
		*eq = '\0';
		TRY(field_tok(&f, c, k, tok, eq + 1, &has_unit, &has_stride));
	}
	if (!has_unit)
		return cfgini_fail(
		    c, k, "missing unit=... (%s)",
		    role == POLL_ROLE_CELL_V || role == POLL_ROLE_PACK_V
			? "V or mV"
		    : role == POLL_ROLE_TEMP   ? "C"
		    : role == POLL_ROLE_PACK_I ? "A or mA"
		    : role == POLL_ROLE_CAPACITY || role == POLL_ROLE_RATED_CAP
			? "Ah"
		    : role == POLL_ROLE_RATED_V ? "V"
						: "%");
	if (!array && (f.count != 1 || f.first))
		return cfgini_fail(c, k, "a single value takes no count/first");
	if (!has_stride)
		f.stride = f.width;
	if (f.stride < f.width)
		return cfgini_fail(c, k, "stride %u below bytes %u", f.stride,
				   f.width);
	s->fields[s->n_fields++] = f;
	return 0;
}

static int key_poll(struct poll_set *s, struct poll_def *d, struct cfgini *c,
		    const char *k, const char *v)
{
	uint32_t u;

	if (!strcmp(k, "ecu")) {
		d->ecu_line = c->line;
		return cfgini_str(c, k, v, d->ecu_name, sizeof(d->ecu_name));
	}
	if (!strcmp(k, "request"))
		return request(d, c, k, v);
	if (!strcmp(k, "echo")) {
		if (!d->req.len)
			return cfgini_fail(c, k, "give request before echo");
		TRY(cfgini_uint(c, k, v, 0, d->req.len - 1u, &u));
		d->req.echo_len = (uint8_t)u;
		return 0;
	}
	if (!strcmp(k, "period_s")) {
		d->period_line = c->line;
		return periods(d, c, k, v);
	}
	if (!strcmp(k, "priority")) {
		TRY(cfgini_uint(c, k, v, 0, 255, &u));
		d->priority = (uint8_t)u;
		return 0;
	}
	if (!strcmp(k, "retries")) {
		TRY(cfgini_uint(c, k, v, 0, 20, &u));
		d->retries = (uint8_t)u;
		return 0;
	}
	if (!strcmp(k, "reply_length"))
		return cfgini_uint(c, k, v, 0, ISOTP_MAX_LEN, &d->min_len);
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(k, roles[i].key))
			return field(s, (unsigned)(d - s->polls), c, k, v,
				     roles[i].role, roles[i].array);
	return cfgini_fail(c, k, "unknown key in [poll %s]", d->name);
}

static int key_polling(struct poll_set *s, struct cfgini *c, const char *k,
		       const char *v)
{
	double d;

	if (!strcmp(k, "sweep_period_s")) {
		TRY(cfgini_double(c, k, v, 0.1, 3600.0, &d));
		s->sweep_period_ms = (uint32_t)llround(d * 1000.0);
		return 0;
	}
	if (!strcmp(k, "stale_margin_s")) {
		TRY(cfgini_double(c, k, v, 0.0, 3600.0, &d));
		s->stale_margin_ms = (uint32_t)llround(d * 1000.0);
		return 0;
	}
	if (!strcmp(k, "backoff_ms"))
		return cfgini_uint(c, k, v, 100, 600000, &s->backoff_ms);
	return cfgini_fail(c, k, "unknown key in [polling]");
}

int profile_poll_key(struct profile *p, struct cfgini *c, const char *section,
		     const char *key, const char *value)
{
	struct poll_set *s = &p->poll;

	if (!strcmp(section, "polling"))
		return key_polling(s, c, key, value);
	if (!strncmp(section, "ecu ", 4)) {
		struct poll_ecu_def *e = ecu_of(s, c, section + 4);

		return e ? key_ecu(e, c, key, value) : BENCH_ERR_PARSE;
	}
	{
		struct poll_def *d = poll_of(s, c, section + 5);

		return d ? key_poll(s, d, c, key, value) : BENCH_ERR_PARSE;
	}
}

/* A problem found after the file was read, at the line it belongs to. */
static int fail_at(struct profile *p, const char *name, unsigned line,
		   const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_at(struct profile *p, const char *name, unsigned line,
		   const char *key, const char *fmt, ...)
{
	struct cfgini c = {.name = name,
			   .err = p->error,
			   .err_len = sizeof(p->error),
			   .line = line};
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfgini_fail(&c, key, "%s", msg);
}

static const char *role_key(enum poll_role r)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == r)
			return roles[i].key;
	return "?";
}

static int check_fields(struct profile *p, const char *name)
{
	struct poll_set *s = &p->poll;

	for (unsigned i = 0; i < s->n_fields; i++) {
		struct poll_field *f = &s->fields[i];
		struct poll_def *d = &s->polls[f->poll];
		unsigned end =
		    f->offset + (f->count - 1) * f->stride + f->width;
		unsigned limit = f->role == POLL_ROLE_CELL_V ? p->series
				 : f->role == POLL_ROLE_TEMP ? p->n_probes
							     : 1;

		if (f->first + f->count > limit)
			return fail_at(p, name, f->line, role_key(f->role),
				       "%s %u..%u beyond the pack's count "
				       "([pack] series, [bms] probes)",
				       f->role == POLL_ROLE_TEMP ? "probes"
								 : "cells",
				       f->first + 1, f->first + f->count);
		if (d->min_len && end > d->min_len)
			return fail_at(p, name, f->line, role_key(f->role),
				       "%s: ends at byte %u, beyond "
				       "reply_length %u",
				       d->name, end, d->min_len);
		if (f->role <= POLL_ROLE_PACK_I)
			d->feeds_safety = true;
	}
	for (unsigned i = 0; i < s->n_fields; i++) {
		struct poll_field *f = &s->fields[i];
		struct poll_def *d = &s->polls[f->poll];
		unsigned end =
		    f->offset + (f->count - 1) * f->stride + f->width;

		if (end > d->min_len)
			d->min_len = end;
	}
	return 0;
}

/* Every cell read by the [bms] pattern or some poll. */
static int check_cover(struct profile *p, const char *name)
{
	const struct poll_set *s = &p->poll;
	bool seen[256] = {false};

	if (p->cell_voltage_fmt[0])
		return 0;
	for (unsigned i = 0; i < s->n_fields; i++)
		if (s->fields[i].role == POLL_ROLE_CELL_V)
			for (unsigned k = 0; k < s->fields[i].count; k++)
				seen[s->fields[i].first + k] = true;
	for (unsigned i = 0; i < p->series && i < 256; i++)
		if (!seen[i])
			return cfgini_fail_file(name, p->error,
						sizeof(p->error),
						"cell %u is read neither by "
						"[bms] cell_voltage nor by a "
						"[poll] cell_voltage",
						i + 1);
	return 0;
}

/* The slowest safety poll while current flows is the reaction time. */
static int check_sweep(struct profile *p, const char *name)
{
	struct poll_set *s = &p->poll;
	bool any = false;

	for (unsigned i = 0; i < s->n_polls; i++) {
		const struct poll_def *d = &s->polls[i];

		if (!d->feeds_safety)
			continue;
		any = true;
		for (int st = POLLER_CHARGING; st < POLLER_NSTATES; st++)
			if (d->period_ms[st] > s->sweep_period_ms)
				return fail_at(
				    p, name, d->period_line, "period_s",
				    "[poll %s]: period %u ms while current "
				    "flows is longer than [polling] "
				    "sweep_period_s (%u ms), the reaction "
				    "time the profile documents",
				    d->name, d->period_ms[st],
				    s->sweep_period_ms);
	}
	if (any && !s->sweep_period_ms)
		return cfgini_fail_file(name, p->error, sizeof(p->error),
					"polls feed safety: missing key "
					"sweep_period_s in [polling]");
	if (!s->stale_margin_ms)
		s->stale_margin_ms = 10000;
	return 0;
}

int profile_poll_finish(struct profile *p, const char *name)
{
	struct poll_set *s = &p->poll;

	for (unsigned i = 0; i < s->n_polls; i++) {
		struct poll_def *d = &s->polls[i];
		unsigned k;

		if (!d->req.len)
			return fail_at(p, name, d->line, "request",
				       "[poll %s]: missing request", d->name);
		for (k = 0; k < s->n_ecus; k++)
			if (!strcmp(s->ecus[k].name, d->ecu_name))
				break;
		if (k == s->n_ecus)
			return fail_at(
			    p, name, d->ecu_line ? d->ecu_line : d->line, "ecu",
			    "[poll %s]: ecu '%s' has no [ecu] "
			    "section",
			    d->name, d->ecu_name);
		d->ecu = k;
	}
	for (unsigned i = 0; i < s->n_ecus; i++) {
		struct poll_ecu_def *e = &s->ecus[i];

		if (!e->tx_id || !e->rx_id)
			return cfgini_fail_file(name, p->error,
						sizeof(p->error),
						"[ecu %s]: missing tx_id or "
						"rx_id",
						e->name);
		if (!e->id29 && (e->tx_id > CANFRAME_SFF_MASK ||
				 e->rx_id > CANFRAME_SFF_MASK))
			return cfgini_fail_file(name, p->error,
						sizeof(p->error),
						"[ecu %s]: an id above 0x7FF "
						"needs id_bits = 29",
						e->name);
		if (e->id29) {
			e->tx_id |= CANFRAME_EFF;
			e->rx_id |= CANFRAME_EFF;
		}
	}
	TRY(check_fields(p, name));
	TRY(check_cover(p, name));
	return check_sweep(p, name);
}
