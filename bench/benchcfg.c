/* SPDX-License-Identifier: Apache-2.0 */
/* benchcfg.c - the bench file (which bus, which cycler, who operates). */
#define LOG_PREFIX "benchcfg"

#include "bench/benchcfg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfgini.h"
#include "common/log.h"
#include "common/rc.h"

struct bctx {
	struct benchcfg *b;
	const char *base_dir;
	/* line of each [cycler] key, 0 when absent: finish() checks them
	 * against kind and names the later line */
	unsigned has_kind, has_port, has_serial, has_model, has_bus, has_dbc;
};

/* clang-format off */
static const char *const cycler_names[] = {
	[BENCHCFG_CYCLER_SIM] = "sim",
	[BENCHCFG_CYCLER_SCPI] = "scpi",
	[BENCHCFG_CYCLER_CAN] = "can",
};
/* clang-format on */

static const char *const scpi_models[] = {"generic", "ea-psb", "itech-it6000"};

const char *benchcfg_cycler_name(enum benchcfg_cycler k)
{
	return (unsigned)k < 3 ? cycler_names[k] : "?";
}

void benchcfg_defaults(struct benchcfg *b)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->id, sizeof(b->id), "sim");
	snprintf(b->bms_bus, sizeof(b->bms_bus), "sim");
	b->cycler = BENCHCFG_CYCLER_SIM;
	snprintf(b->scpi_serial, sizeof(b->scpi_serial), "115200/8n1");
	snprintf(b->scpi_model, sizeof(b->scpi_model), "generic");
	b->telemetry.linger_s = -1;
}

static const char *skip(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

enum bound_kind { B_VOLT, B_TEMP, B_CURRENT };

/* One bound: "4.25 V", "4250 mV", "-10 C", "-1C", "C/3", "100 A". */
static bool scan_bound(const char **sp, enum bound_kind k, bool *is_c,
		       double *v)
{
	const char *s = skip(*sp);
	bool neg = false;

	*is_c = false;
	if (k == B_CURRENT && (s[0] == 'C' || (s[0] == '-' && s[1] == 'C'))) {
		double d;

		neg = *s == '-';
		s += neg ? 1 : 0;
		if (s[1] != '/')
			return false;
		s += 2;
		if (!cfgini_scan_double(&s, &d) || d <= 0.0)
			return false;
		*v = (neg ? -1.0 : 1.0) / d;
		*is_c = true;
		*sp = s;
		return true;
	}
	if (!cfgini_scan_double(&s, v))
		return false;
	s = skip(s);
	switch (k) {
	case B_VOLT:
		if (s[0] == 'm' && s[1] == 'V') {
			*v /= 1000.0;
			s += 2;
		} else if (s[0] == 'V') {
			s++;
		} else {
			return false;
		}
		break;
	case B_TEMP:
		if (s[0] != 'C')
			return false;
		s++;
		break;
	case B_CURRENT:
		if (s[0] == 'C') {
			*is_c = true;
			s++;
		} else if (s[0] == 'm' && s[1] == 'A') {
			*v /= 1000.0;
			s += 2;
		} else if (s[0] == 'A') {
			s++;
		} else {
			return false;
		}
		break;
	}
	if (*s && *s != ' ' && *s != '\t')
		return false;
	*sp = s;
	return true;
}

/* "LOW to HIGH" with units. */
static int band(struct cfgini *c, const char *key, const char *value,
		enum bound_kind k, const char *example, double lo_out[2],
		bool is_c[2])
{
	const char *s = value;

	if (!scan_bound(&s, k, &is_c[0], &lo_out[0]))
		goto bad;
	s = skip(s);
	if (strncmp(s, "to", 2) != 0 || (s[2] != ' ' && s[2] != '\t'))
		goto bad;
	s += 2;
	if (!scan_bound(&s, k, &is_c[1], &lo_out[1]) || *skip(s))
		goto bad;
	if (lo_out[1] <= lo_out[0])
		return cfgini_fail(c, key,
				   "expected the upper bound above the lower, "
				   "found '%s'",
				   value);
	return 0;
bad:
	return cfgini_fail(c, key, "expected '%s', found '%s'", example, value);
}

static void current_set(struct recipe_current *rc, double v, bool is_c)
{
	memset(rc, 0, sizeof(*rc));
	rc->is_c_rate = is_c;
	if (is_c)
		rc->c_rate = fabs(v);
	else
		rc->current_mA = (int32_t)llround(fabs(v) * 1000.0);
}

static int key_limits(struct bctx *x, struct cfgini *c, const char *k,
		      const char *v)
{
	struct recipe_limits *l = &x->b->limits;
	double b[2];
	bool isc[2];

	if (!strcmp(k, "cell_voltage")) {
		TRY(band(c, k, v, B_VOLT, "2.45 V to 4.25 V", b, isc));
		if (b[0] <= 0.0 || b[1] >= 10.0)
			return cfgini_fail(c, k,
					   "expected cell voltages from 0 to "
					   "10 V, found '%s'",
					   v);
		l->has_cell_mV = true;
		l->cell_low_mV = (int32_t)llround(b[0] * 1000.0);
		l->cell_high_mV = (int32_t)llround(b[1] * 1000.0);
		return 0;
	}
	if (!strcmp(k, "pack_voltage")) {
		TRY(band(c, k, v, B_VOLT, "300 V to 410 V", b, isc));
		if (b[0] < 0.0 || b[1] > 2000.0)
			return cfgini_fail(c, k,
					   "expected pack voltages from 0 to "
					   "2000 V, found '%s'",
					   v);
		l->has_pack_mV = true;
		l->pack_low_mV = (int32_t)llround(b[0] * 1000.0);
		l->pack_high_mV = (int32_t)llround(b[1] * 1000.0);
		return 0;
	}
	if (!strcmp(k, "temperature")) {
		TRY(band(c, k, v, B_TEMP, "-10 C to 55 C", b, isc));
		if (b[0] < -100.0 || b[1] > 200.0)
			return cfgini_fail(c, k,
					   "expected temperatures from -100 to "
					   "200 C, found '%s'",
					   v);
		l->has_temp = true;
		l->temp_low_ddegC = (int32_t)llround(b[0] * 10.0);
		l->temp_high_ddegC = (int32_t)llround(b[1] * 10.0);
		return 0;
	}
	if (!strcmp(k, "current")) {
		TRY(band(c, k, v, B_CURRENT, "-1C to 1C", b, isc));
		if (b[0] > 0.0 || b[1] <= 0.0 || b[0] < -1.0e5 || b[1] > 1.0e5)
			return cfgini_fail(
			    c, k,
			    "expected a discharge bound <= 0 and "
			    "a charge bound > 0, found '%s'",
			    v);
		l->has_current = true;
		current_set(&l->discharge_max, b[0], isc[0]);
		current_set(&l->charge_max, b[1], isc[1]);
		return 0;
	}
	return cfgini_fail(c, k, "unknown key in [limits]");
}

/* "115200/8n1" */
static bool serial_ok(const char *s)
{
	unsigned digits = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (digits == 0 || digits > 7 || *s++ != '/')
		return false;
	if (*s < '5' || *s > '8')
		return false;
	s++;
	if (*s != 'n' && *s != 'e' && *s != 'o')
		return false;
	s++;
	if (*s != '1' && *s != '2')
		return false;
	return s[1] == '\0';
}

static int key_cycler(struct bctx *x, struct cfgini *c, const char *k,
		      const char *v)
{
	struct benchcfg *b = x->b;

	if (!strcmp(k, "kind")) {
		for (unsigned i = 0; i < 3; i++) {
			if (!strcmp(v, cycler_names[i])) {
				b->cycler = (enum benchcfg_cycler)i;
				x->has_kind = c->line;
				return 0;
			}
		}
		return cfgini_fail(c, k,
				   "expected scpi, can or sim, found '%s'", v);
	}
	if (!strcmp(k, "port")) {
		x->has_port = c->line;
		return cfgini_str(c, k, v, b->scpi_port, sizeof(b->scpi_port));
	}
	if (!strcmp(k, "serial")) {
		x->has_serial = c->line;
		if (!serial_ok(v))
			return cfgini_fail(c, k,
					   "expected like 115200/8n1, found "
					   "'%s'",
					   v);
		return cfgini_str(c, k, v, b->scpi_serial,
				  sizeof(b->scpi_serial));
	}
	if (!strcmp(k, "model")) {
		x->has_model = c->line;
		for (unsigned i = 0; i < 3; i++)
			if (!strcmp(v, scpi_models[i]))
				return cfgini_str(c, k, v, b->scpi_model,
						  sizeof(b->scpi_model));
		return cfgini_fail(c, k,
				   "expected generic, ea-psb or itech-it6000, "
				   "found '%s'",
				   v);
	}
	if (!strcmp(k, "bus")) {
		x->has_bus = c->line;
		return cfgini_str(c, k, v, b->cycler_bus,
				  sizeof(b->cycler_bus));
	}
	if (!strcmp(k, "dbc")) {
		x->has_dbc = c->line;
		if (cfgini_resolve(x->base_dir, v, b->cycler_dbc,
				   sizeof(b->cycler_dbc)) < 0)
			return cfgini_fail(c, k, "path too long");
		return 0;
	}
	return cfgini_fail(c, k, "unknown key in [cycler]");
}

static int key_telemetry(struct bctx *x, struct cfgini *c, const char *k,
			 const char *v)
{
	struct benchcfg_telemetry *t = &x->b->telemetry;
	/* clang-format off */
	struct { const char *key; char *path; } paths[] = {
		{"ca", t->ca}, {"cert", t->cert}, {"key", t->key},
		{"password_file", t->password_file},
	};
	/* clang-format on */

	if (!strcmp(k, "url")) {
		if (strncmp(v, "mqtt://", 7) && strncmp(v, "mqtts://", 8))
			return cfgini_fail(c, k,
					   "'%s': expected mqtt://HOST:PORT or "
					   "mqtts://HOST:PORT",
					   v);
		return cfgini_str(c, k, v, t->url, sizeof(t->url));
	}
	if (!strcmp(k, "username"))
		return cfgini_str(c, k, v, t->username, sizeof(t->username));
	if (!strcmp(k, "lab"))
		return cfgini_str(c, k, v, t->lab, sizeof(t->lab));
	if (!strcmp(k, "linger_s"))
		return cfgini_double(c, k, v, 0, 3600, &t->linger_s);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (strcmp(k, paths[i].key))
			continue;
		if (cfgini_resolve(x->base_dir, v, paths[i].path,
				   BENCHCFG_PATH_LEN) < 0)
			return cfgini_fail(c, k, "path too long");
		return 0;
	}
	return cfgini_fail(c, k, "unknown key in [telemetry]");
}

static int on_key(struct cfgini *c, const char *section, const char *k,
		  const char *v)
{
	struct bctx *x = c->user;
	struct benchcfg *b = x->b;

	if (!strcmp(section, "bench")) {
		if (!strcmp(k, "id"))
			return cfgini_str(c, k, v, b->id, sizeof(b->id));
		if (!strcmp(k, "operator"))
			return cfgini_str(c, k, v, b->operator_name,
					  sizeof(b->operator_name));
		return cfgini_fail(c, k, "unknown key in [bench]");
	}
	if (!strcmp(section, "bms")) {
		if (!strcmp(k, "bus"))
			return cfgini_str(c, k, v, b->bms_bus,
					  sizeof(b->bms_bus));
		if (!strcmp(k, "bitrate"))
			return cfgini_uint(c, k, v, 0, 8000000,
					   &b->bms_bitrate);
		if (!strcmp(k, "restart_ms"))
			return cfgini_uint(c, k, v, 0, 60000,
					   &b->bms_restart_ms);
		return cfgini_fail(c, k, "unknown key in [bms]");
	}
	if (!strcmp(section, "cycler"))
		return key_cycler(x, c, k, v);
	if (!strcmp(section, "limits"))
		return key_limits(x, c, k, v);
	if (!strcmp(section, "telemetry"))
		return key_telemetry(x, c, k, v);
	if (!section[0])
		return cfgini_fail(c, k, "key outside a section");
	return cfgini_fail(c, "",
			   "unknown section [%s] (expected bench, bms, cycler, "
			   "limits, telemetry)",
			   section);
}

/* The first key of a kind-specific group (port/serial/model or bus/dbc):
 * its name and line, 0 if the group is absent. */
static unsigned first_of(const unsigned *lines, const char *const *names,
			 size_t n, const char **key)
{
	unsigned best = 0;

	for (size_t i = 0; i < n; i++)
		if (lines[i] && (!best || lines[i] < best)) {
			best = lines[i];
			*key = names[i];
		}
	return best;
}

/* A key that needs another kind: named at the later of it and kind. */
static int wrong_kind(const struct bctx *x, const char *name, unsigned line,
		      const char *key, const char *group, const char *need)
{
	struct benchcfg *b = x->b;

	if (x->has_kind > line) {
		line = x->has_kind;
		key = "kind";
	}
	return cfgini_fail_line(name, line, b->error, sizeof(b->error), key,
				"%s in [cycler] need kind = %s (kind is %s)",
				group, need, benchcfg_cycler_name(b->cycler));
}

/* Keys that belong to another cycler kind are mistakes, not defaults. */
static int finish(const struct bctx *x, const char *name)
{
	static const char *const scpi_keys[] = {"port", "serial", "model"};
	static const char *const can_keys[] = {"bus", "dbc"};
	struct benchcfg *b = x->b;
	bool scpi = b->cycler == BENCHCFG_CYCLER_SCPI;
	bool can = b->cycler == BENCHCFG_CYCLER_CAN;
	unsigned scpi_lines[] = {x->has_port, x->has_serial, x->has_model};
	unsigned can_lines[] = {x->has_bus, x->has_dbc};
	const char *key = "";
	unsigned line;

	if (scpi && !x->has_port)
		return cfgini_fail_file(name, b->error, sizeof(b->error),
					"missing key port in [cycler] "
					"(kind = scpi)");
	if (can && (!x->has_bus || !x->has_dbc))
		return cfgini_fail_file(
		    name, b->error, sizeof(b->error),
		    "missing key %s in [cycler] (kind = can)",
		    x->has_bus ? "dbc" : "bus");
	line = first_of(scpi_lines, scpi_keys, 3, &key);
	if (!scpi && line)
		return wrong_kind(x, name, line, key, "port/serial/model",
				  "scpi");
	line = first_of(can_lines, can_keys, 2, &key);
	if (!can && line)
		return wrong_kind(x, name, line, key, "bus/dbc", "can");
	return 0;
}

int benchcfg_parse(const char *text, const char *name, const char *base_dir,
		   struct benchcfg *b)
{
	struct bctx x = {.b = b, .base_dir = base_dir};
	int rc;

	benchcfg_defaults(b);
	rc = cfgini_run(text, name, &x, on_key, b->error, sizeof(b->error));
	if (rc == 0)
		rc = finish(&x, name);
	if (rc == 0) {
		b->text = strdup(text);
		if (!b->text)
			rc = BENCH_ERR_MEM;
	}
	if (rc < 0) {
		char err[sizeof(b->error)];

		memcpy(err, b->error, sizeof(err));
		benchcfg_release(b);
		memcpy(b->error, err, sizeof(err));
	}
	return rc;
}

int benchcfg_load_file(const char *path, struct benchcfg *b)
{
	char dir[BENCHCFG_PATH_LEN];
	char *text;
	int rc;

	benchcfg_defaults(b);
	TRY(cfgini_read_file(path, &text, b->error, sizeof(b->error)));
	cfgini_dirname(path, dir, sizeof(dir));
	rc = benchcfg_parse(text, path, dir, b);
	free(text);
	return rc;
}

void benchcfg_release(struct benchcfg *b)
{
	free(b->text);
	memset(b, 0, sizeof(*b));
}
