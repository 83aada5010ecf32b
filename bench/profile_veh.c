/* SPDX-License-Identifier: Apache-2.0 */
/* profile_veh.c - [vehicle_frame NAME], [contactor_close] and
 * [contactor_open] of a pack profile (docs/profiles.md "Vehicle frames"):
 * the car the bench impersonates is data, not code. */
#define LOG_PREFIX "profile"

#include "bench/profile_veh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can/canframe.h"
#include "can/checksum.h"
#include "common/rc.h"

#define SEC_FRAME "vehicle_frame "

bool profile_veh_section(const char *section)
{
	return !strncmp(section, SEC_FRAME, strlen(SEC_FRAME)) ||
	       !strcmp(section, "contactor_close") ||
	       !strcmp(section, "contactor_open");
}

/* Section "vehicle_frame vcu" -> its entry, made on first sight. */
static struct veh_frame *frame_of(struct veh_set *s, struct cfgini *c,
				  const char *name)
{
	struct veh_frame *f;

	for (unsigned i = 0; i < s->n_frames; i++)
		if (!strcmp(s->frames[i].name, name))
			return &s->frames[i];
	if (s->n_frames == VEH_MAX_FRAMES || !name[0] ||
	    strlen(name) >= VEH_NAME_LEN) {
		cfgini_fail(c, "",
			    "[vehicle_frame %s]: expected a name of 1..%d "
			    "characters, at most %d frames",
			    name, VEH_NAME_LEN - 1, VEH_MAX_FRAMES);
		return NULL;
	}
	f = &s->frames[s->n_frames++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->def.dlc = 8;
	f->def.csum.first = f->def.csum.last = f->def.csum.store = -1;
	f->line = c->line;
	return f;
}

/* "A0 28 02" or "A02802": up to 8 bytes; returns the count, BENCH_ERR_PARSE if
 * bad. */
static int hex_bytes(const char *v, uint8_t *out)
{
	int n = 0, half = 0;

	memset(out, 0, VEHFRAME_MAX_LEN);
	for (const char *s = v; *s; s++) {
		int d;

		if (*s == ' ' || *s == '\t') {
			if (half)
				return BENCH_ERR_PARSE;
			continue;
		}
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return BENCH_ERR_PARSE;
		if (n == VEHFRAME_MAX_LEN)
			return BENCH_ERR_PARSE;
		out[n] = (uint8_t)(out[n] << 4 | d);
		if (++half == 2) {
			half = 0;
			n++;
		}
	}
	return half || n == 0 ? BENCH_ERR_PARSE : n;
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

/* counter = byte=6 bit=4 width=4 [modulus=16] [step=1] [start=0] */
static int counter(struct veh_frame *f, struct cfgini *c, const char *k,
		   const char *v)
{
	char buf[128], *save = NULL, *tok;
	unsigned byte = 0, bit = 0, width = 0, modulus = 0, step = 1, start = 0;

	if (strlen(v) >= sizeof(buf))
		return cfgini_fail(c, k, "value too long");
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		const char *val = eq ? eq + 1 : "";
		bool ok;

		if (eq)
			*eq = '\0';
		ok = (!strcmp(tok, "byte") && uint_tok(val, 7, &byte)) ||
		     (!strcmp(tok, "bit") && uint_tok(val, 7, &bit)) ||
		     (!strcmp(tok, "width") && uint_tok(val, 16, &width) &&
		      width) ||
		     (!strcmp(tok, "modulus") &&
		      uint_tok(val, 65535, &modulus)) ||
		     (!strcmp(tok, "step") && uint_tok(val, 65535, &step)) ||
		     (!strcmp(tok, "start") && uint_tok(val, 65535, &start));
		if (!ok)
			return cfgini_fail(
			    c, k,
			    "bad '%s%s%s' (expected byte=0..7 bit=0..7 "
			    "width=1..16 [modulus=N step=N start=N])",
			    tok, eq ? "=" : "", val);
	}
	if (!width)
		return cfgini_fail(c, k, "missing width=1..16");
	if ((modulus && modulus > 1u << width) ||
	    start >= (modulus ? modulus : 1u << width))
		return cfgini_fail(c, k,
				   "modulus %u / start %u do not fit %u bits",
				   modulus, start, width);
	f->def.counter.bit = (uint8_t)(byte * 8 + bit);
	f->def.counter.width = (uint8_t)width;
	f->def.counter.modulus = (uint16_t)modulus;
	f->def.counter.step = (uint16_t)step;
	f->def.counter.start = (uint16_t)start;
	f->counter_line = c->line;
	return 0;
}

/* checksum = sum8-inv [first=0 last=6 store=7] */
static int csum(struct veh_frame *f, struct cfgini *c, const char *k,
		const char *v)
{
	char buf[128], *save = NULL, *tok;
	int8_t *pos[] = {&f->def.csum.first, &f->def.csum.last,
			 &f->def.csum.store};
	static const char *const names[] = {"first", "last", "store"};

	if (strlen(v) >= sizeof(buf))
		return cfgini_fail(c, k, "value too long");
	snprintf(buf, sizeof(buf), "%s", v);
	tok = strtok_r(buf, " \t", &save);
	if (!tok || !checksum_find(tok) || strlen(tok) >= VEH_ALG_LEN) {
		size_t n;
		const struct checksum_alg *t = checksum_table(&n);
		char known[160] = "";

		for (size_t i = 0; i < n; i++)
			snprintf(known + strlen(known),
				 sizeof(known) - strlen(known), "%s%s",
				 i ? ", " : "", t[i].name);
		return cfgini_fail(c, k,
				   "unknown checksum '%s' (known: %s; "
				   "docs/vehframe.md)",
				   tok ? tok : "", known);
	}
	snprintf(f->alg, sizeof(f->alg), "%s", tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		unsigned u;
		size_t i;

		for (i = 0; i < 3; i++)
			if (eq && !strncmp(tok, names[i], strlen(names[i])) &&
			    tok + strlen(names[i]) == eq)
				break;
		if (i == 3 || !uint_tok(eq + 1, 7, &u))
			return cfgini_fail(c, k,
					   "bad '%s' (expected first=, last= "
					   "or store= a byte 0..7)",
					   tok);
		*pos[i] = (int8_t)u;
	}
	f->csum_line = c->line;
	return 0;
}

/* value = pack_voltage byte=4 bytes=2 [order=le|be] [scale=1] [add=0] */
static int value(struct veh_frame *f, struct cfgini *c, const char *k,
		 const char *v)
{
	char buf[128], *save = NULL, *tok;
	struct vehframe_value *val = &f->def.value;
	unsigned byte = 8, bytes = 0;

	if (strlen(v) >= sizeof(buf))
		return cfgini_fail(c, k, "value too long");
	snprintf(buf, sizeof(buf), "%s", v);
	tok = strtok_r(buf, " \t", &save);
	if (!tok || (val->input = vehframe_input_of(tok)) == VEHFRAME_IN_NONE)
		return cfgini_fail(c, k,
				   "unknown input '%s' (known: pack_voltage)",
				   tok ? tok : "");
	val->scale = 1;
	val->add = 0;
	val->big_endian = false;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '='), *end = NULL;
		const char *x = eq ? eq + 1 : "";
		bool ok;

		if (eq)
			*eq = '\0';
		ok = (!strcmp(tok, "byte") && uint_tok(x, 7, &byte)) ||
		     (!strcmp(tok, "bytes") && uint_tok(x, 4, &bytes) &&
		      bytes) ||
		     (!strcmp(tok, "order") &&
		      (!strcmp(x, "le") || !strcmp(x, "be")));
		if (!strcmp(tok, "order") && ok)
			val->big_endian = !strcmp(x, "be");
		if (!strcmp(tok, "scale") || !strcmp(tok, "add")) {
			double d = strtod(x, &end);

			ok = end != x && !*end && (strcmp(tok, "scale") || d);
			*(!strcmp(tok, "scale") ? &val->scale : &val->add) = d;
		}
		if (!ok)
			return cfgini_fail(c, k,
					   "bad '%s%s%s' (expected byte=0..7 "
					   "bytes=1..4 [order=le|be scale=X "
					   "add=X])",
					   tok, eq ? "=" : "", x);
	}
	if (byte > 7 || !bytes)
		return cfgini_fail(c, k, "missing byte= or bytes=");
	val->byte = (uint8_t)byte;
	val->bytes = (uint8_t)bytes;
	f->value_line = c->line;
	return 0;
}

static int key_frame(struct veh_frame *f, struct cfgini *c, const char *k,
		     const char *v)
{
	uint32_t u;

	if (!strcmp(k, "id")) {
		char *end;
		unsigned long id = strtoul(v, &end, 0);

		if (end == v || *end || v[0] == '-' || id > CANFRAME_EFF_MASK)
			return cfgini_fail(c, k,
					   "expected a CAN id like 0x12D, "
					   "found '%s'",
					   v);
		f->def.id = (uint32_t)id;
		f->has_id = true;
		f->id_line = c->line;
		return 0;
	}
	if (!strcmp(k, "ext"))
		return cfgini_bool(c, k, v, &f->ext);
	if (!strcmp(k, "dlc")) {
		TRY(cfgini_uint(c, k, v, 0, VEHFRAME_MAX_LEN, &u));
		f->def.dlc = (uint8_t)u;
		return 0;
	}
	if (!strcmp(k, "period_ms"))
		return cfgini_uint(c, k, v, 0, 60000, &f->def.period_ms);
	if (!strcmp(k, "phase_ms"))
		return cfgini_uint(c, k, v, 0, 60000, &f->def.phase_ms);
	if (!strcmp(k, "payload")) {
		int n = hex_bytes(v, f->def.payload);

		if (n < 0)
			return cfgini_fail(c, k,
					   "expected 1..8 hex bytes like 'A0 "
					   "28 02', found '%s'",
					   v);
		f->payload_len = (uint8_t)n;
		f->payload_line = c->line;
		return 0;
	}
	if (!strcmp(k, "counter"))
		return counter(f, c, k, v);
	if (!strcmp(k, "checksum"))
		return csum(f, c, k, v);
	if (!strcmp(k, "value"))
		return value(f, c, k, v);
	if (!strcmp(k, "enabled")) {
		if (strcmp(v, "start") && strcmp(v, "step"))
			return cfgini_fail(c, k,
					   "expected start (cycling from the "
					   "start) or step (once an enable "
					   "step starts it), found '%s'",
					   v);
		f->def.off_at_start = !strcmp(v, "step");
		return 0;
	}
	return cfgini_fail(c, k, "unknown key in [vehicle_frame %s]", f->name);
}

static const struct {
	const char *word;
	enum vehframe_act act;
} acts[] = {
    {"set", VEHFRAME_SET},	   {"enable", VEHFRAME_ENABLE},
    {"disable", VEHFRAME_DISABLE}, {"once", VEHFRAME_ONCE},
    {"silence", VEHFRAME_SILENCE},
};

/* Data and mask of a set/once step: two hex strings of one length. */
static int data_mask(struct veh_seq *q, struct cfgini *c, const char *k,
		     const char *data, const char *mask)
{
	struct vehframe_step *s = &q->steps[q->n];
	int nd = hex_bytes(data, s->data), nm = hex_bytes(mask, s->mask);

	if (nd < 0 || nm < 0 || nd != nm)
		return cfgini_fail(c, k,
				   "expected DATA and MASK as hex of one "
				   "length, up to 8 bytes, like A02802 "
				   "FFFFFF; found '%s' '%s'",
				   data, mask);
	q->data_len[q->n] = (uint8_t)nd;
	return 0;
}

/* step1 = set FRAME DATA MASK [hold_ms] | once FRAME [DATA MASK]
 * [hold_ms] | enable FRAME [hold_ms] | disable FRAME [hold_ms] | silence
 * [hold_ms] */
static int key_step(struct veh_seq *q, struct cfgini *c, const char *k,
		    const char *v, const char *sec)
{
	char buf[160], *save = NULL, *tok[6];
	char want[16];
	struct vehframe_step *s;
	unsigned n = 0, i, hold = 0, rest;
	size_t a;

	snprintf(want, sizeof(want), "step%u", q->n + 1);
	if (strcmp(k, want))
		return cfgini_fail(c, k,
				   "expected %s in [%s] (steps are step1, "
				   "step2, ... in order)",
				   want, sec);
	if (q->n == VEH_MAX_STEPS)
		return cfgini_fail(c, k, "more than %d steps", VEH_MAX_STEPS);
	if (strlen(v) >= sizeof(buf))
		return cfgini_fail(c, k, "value too long");
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == 6)
			goto bad;
		tok[n++] = t;
	}
	if (!n)
		goto bad;
	for (a = 0; a < sizeof(acts) / sizeof(acts[0]); a++)
		if (!strcmp(tok[0], acts[a].word))
			break;
	if (a == sizeof(acts) / sizeof(acts[0]))
		goto bad;
	s = &q->steps[q->n];
	memset(s, 0, sizeof(*s));
	q->data_len[q->n] = 0;
	q->frame[q->n][0] = '\0';
	s->act = acts[a].act;
	i = 1;
	if (s->act != VEHFRAME_SILENCE) {
		if (n < 2 || strlen(tok[1]) >= VEH_NAME_LEN)
			goto bad;
		snprintf(q->frame[q->n], VEH_NAME_LEN, "%s", tok[1]);
		i = 2;
	}
	rest = n - i;
	if (s->act == VEHFRAME_SET || (s->act == VEHFRAME_ONCE && rest >= 2)) {
		if (rest < 2)
			goto bad;
		TRY(data_mask(q, c, k, tok[i], tok[i + 1]));
		i += 2;
		rest -= 2;
	}
	if (rest > 1 || (rest == 1 && !uint_tok(tok[i], 600000, &hold)))
		goto bad;
	s->hold_ms = hold;
	q->line[q->n++] = c->line;
	return 0;
bad:
	return cfgini_fail(
	    c, k,
	    "expected 'set FRAME DATA MASK [hold_ms]', 'once "
	    "FRAME [DATA MASK] [hold_ms]', 'enable|disable FRAME "
	    "[hold_ms]' or 'silence [hold_ms]', found '%s'",
	    v);
}

int profile_veh_key(struct profile *p, struct cfgini *c, const char *section,
		    const char *key, const char *value)
{
	struct veh_set *s = &p->veh;

	if (!strcmp(section, "contactor_close"))
		return key_step(&s->close, c, key, value, section);
	if (!strcmp(section, "contactor_open"))
		return key_step(&s->open, c, key, value, section);
	{
		struct veh_frame *f =
		    frame_of(s, c, section + strlen(SEC_FRAME));

		return f ? key_frame(f, c, key, value) : BENCH_ERR_PARSE;
	}
}

static int fail_at(struct profile *p, const char *name, unsigned line,
		   const char *key, const char *msg)
{
	return cfgini_fail_line(name, line, p->error, sizeof(p->error), key,
				"%s", msg);
}

static int check_frame(struct profile *p, const char *name, struct veh_frame *f)
{
	const struct vehframe_counter *k = &f->def.counter;
	const struct vehframe_csum *cs = &f->def.csum;
	char msg[200];

	if (!f->has_id) {
		snprintf(msg, sizeof(msg), "[vehicle_frame %s]: missing id",
			 f->name);
		return fail_at(p, name, f->line, "", msg);
	}
	if (!f->ext && f->def.id > CANFRAME_SFF_MASK) {
		snprintf(msg, sizeof(msg),
			 "[vehicle_frame %s]: 0x%X is above 0x7FF: give ext "
			 "= true for a 29-bit id",
			 f->name, f->def.id);
		return fail_at(p, name, f->id_line, "id", msg);
	}
	if (f->ext)
		f->def.id |= CANFRAME_EFF;
	if (f->payload_len > f->def.dlc) {
		snprintf(msg, sizeof(msg),
			 "[vehicle_frame %s]: payload of %u bytes is longer "
			 "than dlc %u",
			 f->name, f->payload_len, f->def.dlc);
		return fail_at(p, name, f->payload_line, "payload", msg);
	}
	if (k->width && k->bit + k->width > f->def.dlc * 8u) {
		snprintf(msg, sizeof(msg),
			 "[vehicle_frame %s]: counter bits %u..%u lie outside "
			 "the %u-byte payload",
			 f->name, k->bit, k->bit + k->width - 1u, f->def.dlc);
		return fail_at(p, name, f->counter_line, "counter", msg);
	}
	if (f->def.value.bytes &&
	    f->def.value.byte + f->def.value.bytes > f->def.dlc) {
		snprintf(msg, sizeof(msg),
			 "[vehicle_frame %s]: value bytes %u..%u lie outside "
			 "the %u-byte payload",
			 f->name, f->def.value.byte,
			 f->def.value.byte + f->def.value.bytes - 1u,
			 f->def.dlc);
		return fail_at(p, name, f->value_line, "value", msg);
	}
	if (f->alg[0]) {
		const struct checksum_alg *a = checksum_find(f->alg);
		int first = cs->first < 0 ? a->first : cs->first;
		int last = cs->last < 0 ? a->last : cs->last;
		int store = cs->store < 0 ? a->store : cs->store;

		if (first > last || last >= f->def.dlc || store >= f->def.dlc ||
		    (store >= first && store <= last)) {
			snprintf(msg, sizeof(msg),
				 "[vehicle_frame %s]: %s over bytes %d..%d "
				 "stored at byte %d does not fit the %u-byte "
				 "payload (or stores inside its range)",
				 f->name, f->alg, first, last, store,
				 f->def.dlc);
			return fail_at(p, name, f->csum_line, "checksum", msg);
		}
	}
	return 0;
}

static int check_seq(struct profile *p, const char *name, struct veh_seq *q)
{
	struct veh_set *s = &p->veh;
	char msg[200], key[16];

	for (unsigned i = 0; i < q->n; i++) {
		unsigned k;

		snprintf(key, sizeof(key), "step%u", i + 1);
		if (q->steps[i].act == VEHFRAME_SILENCE)
			continue;
		for (k = 0; k < s->n_frames; k++)
			if (!strcmp(s->frames[k].name, q->frame[i]))
				break;
		if (k == s->n_frames) {
			snprintf(msg, sizeof(msg),
				 "frame '%s' has no [vehicle_frame %s] "
				 "section",
				 q->frame[i], q->frame[i]);
			return fail_at(p, name, q->line[i], key, msg);
		}
		if (q->data_len[i] > s->frames[k].def.dlc) {
			snprintf(msg, sizeof(msg),
				 "%u data bytes for frame '%s' of dlc %u",
				 q->data_len[i], q->frame[i],
				 s->frames[k].def.dlc);
			return fail_at(p, name, q->line[i], key, msg);
		}
		q->steps[i].frame = (uint16_t)k;
	}
	return 0;
}

int profile_veh_finish(struct profile *p, const char *name)
{
	struct veh_set *s = &p->veh;

	for (unsigned i = 0; i < s->n_frames; i++)
		TRY(check_frame(p, name, &s->frames[i]));
	TRY(check_seq(p, name, &s->close));
	TRY(check_seq(p, name, &s->open));
	/* a car that closes the contactors must be able to open them on an
	 * abort */
	if (s->close.n && !s->open.n)
		return cfgini_fail_file(name, p->error, sizeof(p->error),
					"[contactor_close] needs a "
					"[contactor_open] sequence: an abort "
					"must open the contactors");
	return 0;
}

void profile_veh_model(const struct veh_set *s, struct vehframe_def *defs,
		       struct vehframe_model *m)
{
	for (unsigned i = 0; i < s->n_frames; i++) {
		defs[i] = s->frames[i].def;
		defs[i].name = s->frames[i].name;
		defs[i].csum.alg =
		    s->frames[i].alg[0] ? s->frames[i].alg : NULL;
	}
	m->frames = defs;
	m->n_frames = s->n_frames;
	m->start.steps = s->close.steps;
	m->start.n = s->close.n;
	m->stop.steps = s->open.steps;
	m->stop.n = s->open.n;
}
