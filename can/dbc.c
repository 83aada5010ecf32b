/* SPDX-License-Identifier: Apache-2.0 */
/* dbc.c - DBC parser: statements into struct dbc.
 *
 * Lenient like cantools' default mode: unknown statements are skipped with
 * a warning, 29-bit ids written without bit 31 are taken as extended with a
 * warning, names may start with a digit. Attribute defaults (BA_DEF_DEF_)
 * are applied after the whole file is read, since BA_ may come first.
 */
#define LOG_PREFIX "dbc"
#include "dbc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "dbc_lex.h"
#include "dbc_priv.h"

/* VECTOR__INDEPENDENT_SIG_MSG: a pseudo message holding orphan signals. */
#define DBC_ID_INDEPENDENT 0xC0000000u

enum attr_type { ATTR_INT, ATTR_HEX, ATTR_FLOAT, ATTR_STRING, ATTR_ENUM };

struct attr_def {
	char *name;
	enum attr_type type;
	char **enums;
	size_t n_enums;
	bool has_def;
	double def_num;
	char *def_str;
};

struct msg_extra {
	size_t sig_cap;
	size_t *sig_pos; /* file offset of each SG_ */
	bool has_cycle;
	int cycle_ms;
	bool has_vff;
	bool vff_fd;
};

struct pending_mux { /* SG_MUL_VAL_: resolved after parsing */
	size_t msg, sig;
	char *parent;
	size_t pos;
};

struct pending_name { /* System*LongSymbol renames */
	size_t msg;
	long sig; /* -1: the message itself */
	char *name;
};

struct parser {
	struct dbc_lex lx;
	bool strict;
	struct dbc *db;
	size_t msg_cap, mx_cap;
	struct msg_extra *mx;
	long cur; /* current BO_ index, -1 none, -2 skipped */
	struct attr_def *defs;
	size_t n_defs, cap_defs;
	struct pending_mux *pm;
	size_t n_pm, cap_pm;
	struct pending_name *pn;
	size_t n_pn, cap_pn;
};

#define CUR_NONE -1
#define CUR_SKIP -2

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return BENCH_OK;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p) {
		log_err("out of memory growing a table to %zu entries", ncap);
		return BENCH_ERR_MEM;
	}
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return BENCH_OK;
}

static int oom(void)
{
	log_err("out of memory");
	return BENCH_ERR_MEM;
}

/* File id -> id with CANFRAME_EFF, the way SocketCAN spells it. */
static uint32_t norm_id(uint64_t fid)
{
	if (fid == DBC_ID_INDEPENDENT)
		return DBC_ID_INDEPENDENT;
	if (fid & CANFRAME_EFF)
		return CANFRAME_EFF | ((uint32_t)fid & CANFRAME_EFF_MASK);
	if (fid > CANFRAME_SFF_MASK)
		return CANFRAME_EFF | ((uint32_t)fid & CANFRAME_EFF_MASK);
	return (uint32_t)fid;
}

static long find_msg(const struct parser *p, uint32_t id)
{
	for (size_t i = 0; i < p->db->n_msgs; i++)
		if (p->db->msgs[i].id == id)
			return (long)i;
	return -1;
}

static long find_sig(const struct dbc_msg *m, const struct dbc_span *name)
{
	for (size_t i = 0; i < m->n_sigs; i++)
		if (dbc_span_is(name, m->sigs[i].name))
			return (long)i;
	return -1;
}

static struct attr_def *find_def(const struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->n_defs; i++)
		if (!strcmp(p->defs[i].name, name))
			return &p->defs[i];
	return NULL;
}

/* Reads "<id>" and finds the message; *idx = -1 if the id names no message
 * (warned, except for VECTOR__INDEPENDENT_SIG_MSG). */
static int ref_msg(struct parser *p, const char *stmt, long *idx)
{
	size_t pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	uint64_t fid;
	uint32_t id;

	TRY(dbc_lex_uint(&p->lx, UINT32_MAX, &fid, "message id"));
	id = norm_id(fid);
	*idx = find_msg(p, id);
	if (*idx < 0 && id != DBC_ID_INDEPENDENT)
		dbc_lex_warn_at(&p->lx, pos,
				"%s refers to unknown message id %llu", stmt,
				(unsigned long long)fid);
	return BENCH_OK;
}

/* Reads "<id> <signal>"; *m and *s are -1 when not found (warned). */
static int ref_sig(struct parser *p, const char *stmt, long *m, long *s)
{
	struct dbc_span w;
	size_t pos;

	*s = -1;
	TRY(ref_msg(p, stmt, m));
	pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	TRY(dbc_lex_expect_word(&p->lx, &w, "signal name"));
	if (*m < 0)
		return BENCH_OK;
	*s = find_sig(&p->db->msgs[*m], &w);
	if (*s < 0)
		dbc_lex_warn_at(
		    &p->lx, pos,
		    "%s refers to unknown signal '%.*s' of message '%s'", stmt,
		    (int)w.n, w.p, p->db->msgs[*m].name);
	return BENCH_OK;
}

static void end_statement(struct parser *p)
{
	dbc_lex_accept(&p->lx, ';');
}

static int parse_version(struct parser *p)
{
	char *s = NULL;

	if (dbc_lex_peek(&p->lx) != '"')
		return BENCH_OK;
	TRY(dbc_lex_string(&p->lx, &s, "version text"));
	free(s);
	return BENCH_OK;
}

static int parse_ns(struct parser *p)
{
	struct dbc_span w;
	size_t save;

	dbc_lex_accept(&p->lx, ':');
	/* the indented list of keywords this file may use: not statements */
	for (;;) {
		save = p->lx.pos;
		if (!dbc_lex_word(&p->lx, &w) || dbc_span_is(&w, "BS_") ||
		    dbc_span_is(&w, "BU_") || dbc_span_is(&w, "BO_")) {
			p->lx.pos = save;
			return BENCH_OK;
		}
	}
}

static int parse_rest_of_line(struct parser *p)
{
	dbc_lex_skip_line(&p->lx);
	return BENCH_OK;
}

static int parse_bo(struct parser *p)
{
	struct dbc_span name, sender;
	size_t pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	struct dbc_msg *m;
	uint64_t fid, size;
	uint32_t id;

	TRY(dbc_lex_uint(&p->lx, UINT32_MAX, &fid, "message id"));
	TRY(dbc_lex_expect_word(&p->lx, &name, "message name"));
	TRY(dbc_lex_expect(&p->lx, ':', "after the message name"));
	TRY(dbc_lex_uint(&p->lx, 65535, &size, "message size"));
	sender.n = 0;
	if (!dbc_lex_at_eol(&p->lx))
		TRY(dbc_lex_expect_word(&p->lx, &sender, "transmitter node"));
	dbc_lex_skip_line(&p->lx);

	id = norm_id(fid);
	if (id == DBC_ID_INDEPENDENT) {
		p->cur = CUR_SKIP;
		return BENCH_OK;
	}
	if (!(fid & CANFRAME_EFF) && fid > CANFRAME_SFF_MASK)
		dbc_lex_warn_at(
		    &p->lx, pos,
		    "message '%.*s' id %llu (0x%llX) is above 0x7FF without "
		    "the extended bit 31; taken as 29-bit extended",
		    (int)name.n, name.p, (unsigned long long)fid,
		    (unsigned long long)fid);
	else if ((fid & CANFRAME_EFF) &&
		 (fid & ~(uint64_t)(CANFRAME_EFF | CANFRAME_EFF_MASK)))
		dbc_lex_warn_at(
		    &p->lx, pos,
		    "message '%.*s' id %llu has bits 29-30 set; ignored",
		    (int)name.n, name.p, (unsigned long long)fid);
	if (find_msg(p, id) >= 0)
		dbc_lex_warn_at(&p->lx, pos,
				"message '%.*s' repeats id %llu; lookups by id "
				"find the first",
				(int)name.n, name.p, (unsigned long long)fid);
	if (size > CANFRAME_MAX_LEN) {
		dbc_lex_warn_at(
		    &p->lx, pos,
		    "message '%.*s' size %llu is above %d bytes; using %d",
		    (int)name.n, name.p, (unsigned long long)size,
		    CANFRAME_MAX_LEN, CANFRAME_MAX_LEN);
		size = CANFRAME_MAX_LEN;
	}
	TRY(grow((void **)&p->db->msgs, &p->msg_cap, p->db->n_msgs + 1,
		 sizeof(*p->db->msgs)));
	TRY(grow((void **)&p->mx, &p->mx_cap, p->db->n_msgs + 1,
		 sizeof(*p->mx)));
	m = &p->db->msgs[p->db->n_msgs];
	memset(m, 0, sizeof(*m));
	memset(&p->mx[p->db->n_msgs], 0, sizeof(*p->mx));
	m->id = id;
	m->size = (uint8_t)size;
	m->name = dbc_span_dup(&name);
	m->sender = (sender.n && !dbc_span_is(&sender, "Vector__XXX"))
			? dbc_span_dup(&sender)
			: NULL;
	p->cur = (long)p->db->n_msgs++;
	if (!m->name ||
	    (sender.n && !dbc_span_is(&sender, "Vector__XXX") && !m->sender))
		return oom();
	return BENCH_OK;
}

/* "M", "m<n>", "m<n>M" */
static int parse_mux_indicator(struct parser *p, struct dbc_sig *s)
{
	struct dbc_span w;
	size_t pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	uint64_t v = 0;
	size_t i = 1;

	dbc_lex_word(&p->lx, &w);
	if (dbc_span_is(&w, "M")) {
		s->mux = DBC_MUX_SWITCH;
		return BENCH_OK;
	}
	if (w.n < 2 || w.p[0] != 'm')
		goto bad;
	for (; i < w.n && w.p[i] >= '0' && w.p[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (uint64_t)(w.p[i] - '0');
	}
	if (i == 1 || (i < w.n && !(i + 1 == w.n && w.p[i] == 'M')))
		goto bad;
	s->mux = i < w.n ? DBC_MUX_BOTH : DBC_MUX_VALUE;
	s->mux_ranges = malloc(sizeof(*s->mux_ranges));
	if (!s->mux_ranges)
		return oom();
	s->mux_ranges[0].lo = s->mux_ranges[0].hi = v;
	s->n_mux_ranges = 1;
	return BENCH_OK;
bad:
	p->lx.pos = pos;
	return dbc_lex_error(&p->lx,
			     "expected ':' or a multiplexer indicator (M, m<n> "
			     "or m<n>M) after the signal name");
}

static int parse_sg_body(struct parser *p, struct dbc_sig *s)
{
	struct dbc_span name;
	uint64_t start, len;
	size_t pos;

	TRY(dbc_lex_expect_word(&p->lx, &name, "signal name"));
	if (!(s->name = dbc_span_dup(&name)))
		return oom();
	if (dbc_lex_peek(&p->lx) != ':')
		TRY(parse_mux_indicator(p, s));
	TRY(dbc_lex_expect(&p->lx, ':', "after the signal name"));
	pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	TRY(dbc_lex_uint(&p->lx, 65535, &start, "start bit"));
	TRY(dbc_lex_expect(&p->lx, '|', "between start bit and length"));
	TRY(dbc_lex_uint(&p->lx, 65535, &len, "signal length"));
	s->start = (uint16_t)start;
	s->len = (uint16_t)len;
	TRY(dbc_lex_expect(&p->lx, '@', "after the signal length"));
	if (dbc_lex_accept(&p->lx, '0'))
		s->big_endian = true;
	else if (!dbc_lex_accept(&p->lx, '1'))
		return dbc_lex_error(
		    &p->lx,
		    "expected byte order 0 (Motorola) or 1 (Intel) after '@'");
	if (dbc_lex_accept(&p->lx, '-'))
		s->is_signed = true;
	else if (!dbc_lex_accept(&p->lx, '+'))
		return dbc_lex_error(&p->lx, "expected '+' (unsigned) or '-' "
					     "(signed) after the byte order");
	TRY(dbc_lex_expect(&p->lx, '(', "before factor,offset"));
	TRY(dbc_lex_double(&p->lx, &s->factor, "factor"));
	TRY(dbc_lex_expect(&p->lx, ',', "between factor and offset"));
	TRY(dbc_lex_double(&p->lx, &s->offset, "offset"));
	TRY(dbc_lex_expect(&p->lx, ')', "after the offset"));
	TRY(dbc_lex_expect(&p->lx, '[', "before minimum|maximum"));
	TRY(dbc_lex_double(&p->lx, &s->min, "minimum"));
	TRY(dbc_lex_expect(&p->lx, '|', "between minimum and maximum"));
	TRY(dbc_lex_double(&p->lx, &s->max, "maximum"));
	TRY(dbc_lex_expect(&p->lx, ']', "after the maximum"));
	TRY(dbc_lex_string(&p->lx, &s->unit, "unit"));
	dbc_lex_skip_line(&p->lx); /* receivers */
	s->mux_parent = -1;
	if (s->factor == 0.0)
		dbc_lex_warn_at(
		    &p->lx, pos,
		    "signal '%s' has factor 0; it cannot be encoded", s->name);
	return BENCH_OK;
}

/* Does the signal fit in a 64-byte payload? (start is the Motorola MSB) */
static bool sig_fits_max(const struct dbc_sig *s)
{
	unsigned n = s->big_endian ? 8u * (s->start / 8u) + 7u - s->start % 8u
				   : s->start;

	return n + s->len <= 8u * CANFRAME_MAX_LEN;
}

static int parse_sg(struct parser *p)
{
	struct dbc_sig s;
	struct dbc_msg *m;
	struct msg_extra *x;
	size_t pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	int rc;

	memset(&s, 0, sizeof(s));
	if (p->cur == CUR_NONE) {
		return dbc_lex_error(
		    &p->lx, "SG_ outside a message (expected BO_ before it)");
	}
	rc = parse_sg_body(p, &s);
	if (rc < 0 || p->cur == CUR_SKIP)
		goto drop;
	m = &p->db->msgs[p->cur];
	x = &p->mx[p->cur];
	if (s.len < 1 || s.len > 64) {
		/* J1939 DBCs describe whole TP payloads as one long signal */
		if (p->strict) {
			rc = dbc_lex_error_at(
			    &p->lx, pos,
			    "signal '%s' length %u is outside 1..64", s.name,
			    s.len);
			goto drop;
		}
		dbc_lex_warn_at(
		    &p->lx, pos,
		    "signal '%s' length %u is outside 1..64; dropped", s.name,
		    s.len);
		goto drop;
	}
	if (!sig_fits_max(&s)) {
		if (p->strict) {
			rc = dbc_lex_error_at(
			    &p->lx, pos,
			    "signal '%s' (start %u, length %u) lies beyond a "
			    "%d-byte payload",
			    s.name, s.start, s.len, CANFRAME_MAX_LEN);
			goto drop;
		}
		dbc_lex_warn_at(&p->lx, pos,
				"signal '%s' (start %u, length %u) lies beyond "
				"a %d-byte payload; dropped",
				s.name, s.start, s.len, CANFRAME_MAX_LEN);
		goto drop;
	}
	{
		struct dbc_span nm = {s.name, strlen(s.name)};

		if (find_sig(m, &nm) >= 0)
			dbc_lex_warn_at(&p->lx, pos,
					"message '%s' repeats signal '%s'; "
					"lookups by name find the first",
					m->name, s.name);
	}
	if (x->sig_cap <= m->n_sigs) {
		size_t cap = x->sig_cap;

		rc = grow((void **)&m->sigs, &x->sig_cap, m->n_sigs + 1,
			  sizeof(*m->sigs));
		if (rc == BENCH_OK)
			rc = grow((void **)&x->sig_pos, &cap, m->n_sigs + 1,
				  sizeof(*x->sig_pos));
		if (rc < 0)
			goto drop;
	}
	cansig_prepare(&s);
	x->sig_pos[m->n_sigs] = pos;
	m->sigs[m->n_sigs++] = s;
	return BENCH_OK;
drop:
	dbc_sig_release(&s);
	return rc;
}

static int parse_cm(struct parser *p)
{
	struct dbc_span w;
	char **target = NULL, *text = NULL;
	long m, s;

	if (dbc_lex_peek(&p->lx) != '"') {
		TRY(dbc_lex_expect_word(
		    &p->lx, &w, "comment object (BU_, BO_, SG_, EV_) or text"));
		if (dbc_span_is(&w, "BO_")) {
			TRY(ref_msg(p, "CM_ BO_", &m));
			if (m >= 0)
				target = &p->db->msgs[m].comment;
		} else if (dbc_span_is(&w, "SG_")) {
			TRY(ref_sig(p, "CM_ SG_", &m, &s));
			if (s >= 0)
				target = &p->db->msgs[m].sigs[s].comment;
		} else if (dbc_span_is(&w, "BU_") || dbc_span_is(&w, "EV_")) {
			TRY(dbc_lex_expect_word(&p->lx, &w,
						"node or variable name"));
		} else {
			return dbc_lex_error(&p->lx,
					     "expected BU_, BO_, SG_, EV_ or a "
					     "string after CM_");
		}
	}
	TRY(dbc_lex_string(&p->lx, &text, "comment text"));
	if (target) {
		free(*target);
		*target = text;
	} else {
		free(text);
	}
	end_statement(p);
	return BENCH_OK;
}

static void attr_def_release(struct attr_def *d)
{
	free(d->name);
	for (size_t i = 0; i < d->n_enums; i++)
		free(d->enums[i]);
	free(d->enums);
	free(d->def_str);
}

static int parse_ba_def(struct parser *p)
{
	struct attr_def d;
	struct dbc_span w;
	size_t cap = 0, name_pos;
	char *e;
	int rc;

	memset(&d, 0, sizeof(d));
	if (dbc_lex_peek(&p->lx) != '"')
		TRY(dbc_lex_expect_word(
		    &p->lx, &w, "attribute object (BU_, BO_, SG_, EV_)"));
	name_pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	TRY(dbc_lex_string(&p->lx, &d.name, "attribute name"));
	if ((rc = dbc_lex_expect_word(
		 &p->lx, &w,
		 "attribute type (INT, HEX, FLOAT, STRING, ENUM)")) < 0)
		goto fail;
	if (dbc_span_is(&w, "INT"))
		d.type = ATTR_INT;
	else if (dbc_span_is(&w, "HEX"))
		d.type = ATTR_HEX;
	else if (dbc_span_is(&w, "FLOAT"))
		d.type = ATTR_FLOAT;
	else if (dbc_span_is(&w, "STRING"))
		d.type = ATTR_STRING;
	else if (dbc_span_is(&w, "ENUM"))
		d.type = ATTR_ENUM;
	else {
		p->lx.pos = (size_t)(w.p - p->lx.s);
		rc = dbc_lex_error(
		    &p->lx,
		    "expected attribute type INT, HEX, FLOAT, STRING or ENUM");
		goto fail;
	}
	if (d.type == ATTR_ENUM) {
		while (dbc_lex_peek(&p->lx) == '"') {
			if ((rc = dbc_lex_string(&p->lx, &e, "enum value")) < 0)
				goto fail;
			if ((rc = grow((void **)&d.enums, &cap, d.n_enums + 1,
				       sizeof(*d.enums))) < 0) {
				free(e);
				goto fail;
			}
			d.enums[d.n_enums++] = e;
			if (!dbc_lex_accept(&p->lx, ','))
				break;
		}
	}
	/* INT/HEX/FLOAT limits are not needed */
	dbc_lex_skip_statement(&p->lx, NULL);
	if (find_def(p, d.name)) {
		dbc_lex_warn_at(&p->lx, name_pos,
				"attribute '%s' defined twice; the first "
				"definition is kept",
				d.name);
		attr_def_release(&d);
		return BENCH_OK;
	}
	if ((rc = grow((void **)&p->defs, &p->cap_defs, p->n_defs + 1,
		       sizeof(*p->defs))) < 0)
		goto fail;
	p->defs[p->n_defs++] = d;
	return BENCH_OK;
fail:
	attr_def_release(&d);
	return rc;
}

/* An attribute value: a string or a number. */
static int parse_attr_value(struct parser *p, char **str, double *num)
{
	*str = NULL;
	*num = 0;
	if (dbc_lex_peek(&p->lx) == '"')
		return dbc_lex_string(&p->lx, str, "attribute value");
	return dbc_lex_double(&p->lx, num, "attribute value");
}

static int parse_ba_def_def(struct parser *p)
{
	struct attr_def *d;
	char *name = NULL, *str;
	size_t name_pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	double num;
	int rc;

	TRY(dbc_lex_string(&p->lx, &name, "attribute name"));
	if ((rc = parse_attr_value(p, &str, &num)) < 0) {
		free(name);
		return rc;
	}
	end_statement(p);
	d = find_def(p, name);
	if (!d) {
		dbc_lex_warn_at(&p->lx, name_pos,
				"default for undefined attribute '%s' ignored",
				name);
		free(str);
	} else {
		free(d->def_str);
		d->def_str = str;
		d->def_num = num;
		d->has_def = true;
	}
	free(name);
	return BENCH_OK;
}

static bool name_says_fd(const char *s)
{
	size_t n = strlen(s);

	return n >= 3 && !strcmp(s + n - 3, "_FD");
}

/* VFrameFormat: ENUM index (or name), or INT 14/15 (cantools accepts both). */
static bool vff_is_fd(const struct attr_def *d, const char *str, double num)
{
	if (str)
		return name_says_fd(str);
	if (d && d->type == ATTR_ENUM && num >= 0 && num < (double)d->n_enums)
		return name_says_fd(d->enums[(size_t)num]);
	return num == 14 || num == 15;
}

/* An INT attribute value; some tools quote numbers ("100"). */
static int attr_to_int(const char *str, double num)
{
	if (str)
		return atoi(str);
	if (num > INT32_MAX || num < INT32_MIN)
		return 0;
	return (int)num;
}

static int add_rename(struct parser *p, size_t msg, long sig, char *name)
{
	int rc = grow((void **)&p->pn, &p->cap_pn, p->n_pn + 1, sizeof(*p->pn));

	if (rc < 0) {
		free(name);
		return rc;
	}
	p->pn[p->n_pn].msg = msg;
	p->pn[p->n_pn].sig = sig;
	p->pn[p->n_pn++].name = name;
	return BENCH_OK;
}

static int parse_ba(struct parser *p)
{
	struct dbc_span w;
	struct attr_def *d;
	char *name = NULL, *str = NULL;
	long m = -1, s = -1;
	bool on_msg = false, on_sig = false;
	double num;
	int rc;

	TRY(dbc_lex_string(&p->lx, &name, "attribute name"));
	if (dbc_lex_peek(&p->lx) != '"' && dbc_lex_peek(&p->lx) != '-' &&
	    dbc_lex_peek(&p->lx) != '.' &&
	    !(dbc_lex_peek(&p->lx) >= '0' && dbc_lex_peek(&p->lx) <= '9')) {
		if ((rc = dbc_lex_expect_word(
			 &p->lx, &w,
			 "attribute object (BU_, BO_, SG_, EV_) or value")) < 0)
			goto out;
		if (dbc_span_is(&w, "BO_")) {
			on_msg = true;
			rc = ref_msg(p, "BA_ BO_", &m);
		} else if (dbc_span_is(&w, "SG_")) {
			on_sig = true;
			rc = ref_sig(p, "BA_ SG_", &m, &s);
		} else if (dbc_span_is(&w, "BU_") || dbc_span_is(&w, "EV_")) {
			rc = dbc_lex_expect_word(&p->lx, &w,
						 "node or variable name");
		} else {
			p->lx.pos = (size_t)(w.p - p->lx.s);
			rc = dbc_lex_error(&p->lx,
					   "expected BU_, BO_, SG_, EV_ or a "
					   "value after the attribute name");
		}
		if (rc < 0)
			goto out;
	}
	if ((rc = parse_attr_value(p, &str, &num)) < 0)
		goto out;
	end_statement(p);
	d = find_def(p, name);
	if (on_msg && m >= 0) {
		struct msg_extra *x = &p->mx[m];

		if (!strcmp(name, "GenMsgCycleTime")) {
			x->has_cycle = true;
			x->cycle_ms = attr_to_int(str, num);
		} else if (!strcmp(name, "VFrameFormat")) {
			x->has_vff = true;
			x->vff_fd = vff_is_fd(d, str, num);
		} else if (!strcmp(name, "SystemMessageLongSymbol") && str) {
			rc = add_rename(p, (size_t)m, -1, str);
			str = NULL;
		}
	} else if (on_sig && s >= 0 &&
		   !strcmp(name, "SystemSignalLongSymbol") && str) {
		rc = add_rename(p, (size_t)m, s, str);
		str = NULL;
	}
out:
	free(name);
	free(str);
	return rc;
}

static bool span_is_number(const struct dbc_span *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->p[i] < '0' || w->p[i] > '9')
			return false;
	return w->n > 0;
}

static int parse_val(struct parser *p)
{
	struct dbc_span w1, w2;
	struct dbc_sig *s;
	struct dbc_val *vals = NULL;
	size_t n = 0, cap = 0, pos;
	uint64_t fid;
	long mi, si;
	int64_t raw;
	char *text;
	int rc;

	pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	TRY(dbc_lex_expect_word(&p->lx, &w1, "message id or variable name"));
	if (!span_is_number(&w1) || !dbc_lex_word(&p->lx, &w2) ||
	    dbc_lex_peek(&p->lx) == '"') {
		/* VAL_ <envvar> ...: environment variables are not used */
		dbc_lex_skip_statement(&p->lx, NULL);
		return BENCH_OK;
	}
	p->lx.pos = pos;
	TRY(dbc_lex_uint(&p->lx, UINT32_MAX, &fid, "message id"));
	p->lx.pos = pos;
	TRY(ref_sig(p, "VAL_", &mi, &si));
	while (dbc_lex_peek(&p->lx) != ';' && dbc_lex_peek(&p->lx) != -1) {
		if ((rc = dbc_lex_int(&p->lx, &raw, "value")) < 0)
			goto fail;
		if ((rc = dbc_lex_string(&p->lx, &text, "value description")) <
		    0)
			goto fail;
		if ((rc = grow((void **)&vals, &cap, n + 1, sizeof(*vals))) <
		    0) {
			free(text);
			goto fail;
		}
		vals[n].raw = raw;
		vals[n++].text = text;
	}
	end_statement(p);
	if (si < 0) {
		rc = BENCH_OK;
		goto fail;
	}
	s = &p->db->msgs[mi].sigs[si];
	for (size_t i = 0; i < s->n_vals; i++)
		free(s->vals[i].text);
	free(s->vals);
	s->vals = vals;
	s->n_vals = n;
	return BENCH_OK;
fail:
	for (size_t i = 0; i < n; i++)
		free(vals[i].text);
	free(vals);
	return rc;
}

static int parse_sig_valtype(struct parser *p)
{
	struct dbc_sig *s;
	size_t pos;
	uint64_t t;
	long m, si;

	TRY(ref_sig(p, "SIG_VALTYPE_", &m, &si));
	dbc_lex_accept(&p->lx, ':');
	pos = (dbc_lex_peek(&p->lx), p->lx.pos);
	TRY(dbc_lex_uint(&p->lx, 3, &t,
			 "value type (0 integer, 1 float32, 2 float64)"));
	end_statement(p);
	if (si < 0)
		return BENCH_OK;
	s = &p->db->msgs[m].sigs[si];
	if (t == 3 || (t == 1 && s->len != 32) || (t == 2 && s->len != 64)) {
		dbc_lex_warn_at(&p->lx, pos,
				"signal '%s': value type %llu does not fit "
				"length %u; kept as integer",
				s->name, (unsigned long long)t, s->len);
		return BENCH_OK;
	}
	s->valtype = (enum dbc_valtype)t;
	return BENCH_OK;
}

static int parse_sg_mul_val(struct parser *p)
{
	struct dbc_span w;
	struct dbc_range *r = NULL;
	size_t n = 0, cap = 0, pos;
	uint64_t lo, hi;
	long m, si;
	int rc;

	TRY(ref_sig(p, "SG_MUL_VAL_", &m, &si));
	TRY(dbc_lex_expect_word(&p->lx, &w, "multiplexor signal name"));
	pos = (size_t)(w.p - p->lx.s);
	do {
		if ((rc = dbc_lex_uint(&p->lx, UINT64_MAX, &lo,
				       "range start")) < 0 ||
		    (rc = dbc_lex_expect(&p->lx, '-', "in the value range")) <
			0 ||
		    (rc = dbc_lex_uint(&p->lx, UINT64_MAX, &hi, "range end")) <
			0)
			goto fail;
		if ((rc = grow((void **)&r, &cap, n + 1, sizeof(*r))) < 0)
			goto fail;
		r[n].lo = lo;
		r[n++].hi = hi;
	} while (dbc_lex_accept(&p->lx, ','));
	end_statement(p);
	if (si < 0) {
		free(r);
		return BENCH_OK;
	}
	if ((rc = grow((void **)&p->pm, &p->cap_pm, p->n_pm + 1,
		       sizeof(*p->pm))) < 0)
		goto fail;
	{
		struct dbc_sig *s = &p->db->msgs[m].sigs[si];
		struct pending_mux *pm = &p->pm[p->n_pm];

		if (!(pm->parent = dbc_span_dup(&w))) {
			rc = oom();
			goto fail;
		}
		pm->msg = (size_t)m;
		pm->sig = (size_t)si;
		pm->pos = pos;
		p->n_pm++;
		free(s->mux_ranges);
		s->mux_ranges = r;
		s->n_mux_ranges = n;
	}
	return BENCH_OK;
fail:
	free(r);
	return rc;
}

static int parse_skip(struct parser *p);

static const struct stmt {
	const char *kw;
	int (*fn)(struct parser *p);
} stmts[] = {
    {"VERSION", parse_version},
    {"NS_", parse_ns},
    {"BS_", parse_rest_of_line},
    {"BU_", parse_rest_of_line},
    {"BO_", parse_bo},
    {"SG_", parse_sg},
    {"CM_", parse_cm},
    {"BA_DEF_", parse_ba_def},
    {"BA_DEF_DEF_", parse_ba_def_def},
    {"BA_", parse_ba},
    {"VAL_", parse_val},
    {"SIG_VALTYPE_", parse_sig_valtype},
    {"SG_MUL_VAL_", parse_sg_mul_val},
    /* parsed and skipped: nothing here changes decoding */
    {"VAL_TABLE_", parse_skip},
    {"BO_TX_BU_", parse_skip},
    {"BA_DEF_REL_", parse_skip},
    {"BA_DEF_DEF_REL_", parse_skip},
    {"BA_REL_", parse_skip},
    {"BU_SG_REL_", parse_skip},
    {"BU_EV_REL_", parse_skip},
    {"BU_BO_REL_", parse_skip},
    {"SIG_GROUP_", parse_skip},
    {"EV_", parse_skip},
    {"ENVVAR_DATA_", parse_skip},
    {"EV_DATA_", parse_skip},
    {"SGTYPE_", parse_skip},
    {"SGTYPE_VAL_", parse_skip},
    {"SIG_TYPE_REF_", parse_skip},
    {"SIG_TYPE_DEF_", parse_skip},
    {"CAT_DEF_", parse_skip},
    {"CAT_", parse_skip},
    {"FILTER", parse_skip},
    {"NS_DESC_", parse_skip},
};

static const struct stmt *find_stmt(const struct dbc_span *w)
{
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
		if (dbc_span_is(w, stmts[i].kw))
			return &stmts[i];
	return NULL;
}

static bool is_keyword(const struct dbc_span *w)
{
	return find_stmt(w) != NULL;
}

static int parse_skip(struct parser *p)
{
	dbc_lex_skip_statement(&p->lx, is_keyword);
	return BENCH_OK;
}

static int parse_statements(struct parser *p)
{
	const struct stmt *st;
	struct dbc_span w;

	while (dbc_lex_peek(&p->lx) != -1) {
		if (p->lx.pos + 1 < p->lx.len && p->lx.s[p->lx.pos] == '/' &&
		    p->lx.s[p->lx.pos + 1] == '/') {
			dbc_lex_skip_line(
			    &p->lx); /* hand-edited files: // comments */
			continue;
		}
		if (!dbc_lex_word(&p->lx, &w))
			return dbc_lex_error(&p->lx,
					     "expected a DBC keyword (BO_, "
					     "SG_, CM_, BA_, VAL_, ...)");
		st = find_stmt(&w);
		if (!st) {
			dbc_lex_warn_at(&p->lx, (size_t)(w.p - p->lx.s),
					"unknown statement '%.*s' skipped",
					(int)(w.n > 64 ? 64 : w.n), w.p);
			dbc_lex_skip_statement(&p->lx, is_keyword);
			continue;
		}
		TRY(st->fn(p));
	}
	return BENCH_OK;
}

/* Apply BA_DEF_DEF_ defaults to messages without their own BA_. */
static void apply_defaults(struct parser *p)
{
	const struct attr_def *cyc = find_def(p, "GenMsgCycleTime");
	const struct attr_def *vff = find_def(p, "VFrameFormat");

	for (size_t i = 0; i < p->db->n_msgs; i++) {
		struct dbc_msg *m = &p->db->msgs[i];
		struct msg_extra *x = &p->mx[i];

		if (x->has_cycle)
			m->cycle_ms = x->cycle_ms;
		else if (cyc && cyc->has_def)
			m->cycle_ms = attr_to_int(cyc->def_str, cyc->def_num);
		if (x->has_vff)
			m->fd = x->vff_fd;
		else if (vff && vff->has_def)
			m->fd = vff_is_fd(vff, vff->def_str, vff->def_num);
		if (m->size > 8)
			m->fd = true;
	}
}

static void apply_renames(struct parser *p)
{
	for (size_t i = 0; i < p->n_pn; i++) {
		struct dbc_msg *m = &p->db->msgs[p->pn[i].msg];
		char **target =
		    p->pn[i].sig < 0 ? &m->name : &m->sigs[p->pn[i].sig].name;

		free(*target);
		*target = p->pn[i].name;
		p->pn[i].name = NULL;
	}
}

/* Multiplexor of a muxed signal without SG_MUL_VAL_: the message's plain
 * M signal, else its first mNM signal other than itself. */
static long default_parent(const struct dbc_msg *m, size_t self)
{
	long both = -1;

	for (size_t i = 0; i < m->n_sigs; i++) {
		if (m->sigs[i].mux == DBC_MUX_SWITCH)
			return (long)i;
		if (m->sigs[i].mux == DBC_MUX_BOTH && i != self && both < 0)
			both = (long)i;
	}
	return both;
}

static int resolve_mux(struct parser *p)
{
	for (size_t i = 0; i < p->db->n_msgs; i++) {
		struct dbc_msg *m = &p->db->msgs[i];

		for (size_t k = 0; k < m->n_sigs; k++) {
			struct dbc_sig *s = &m->sigs[k];

			if (s->mux != DBC_MUX_VALUE && s->mux != DBC_MUX_BOTH)
				continue;
			s->mux_parent = (int)default_parent(m, k);
			if (s->mux_parent < 0)
				dbc_lex_warn_at(
				    &p->lx, p->mx[i].sig_pos[k],
				    "signal '%s' of message '%s' is "
				    "multiplexed but the message has no "
				    "multiplexor; always decoded",
				    s->name, m->name);
		}
	}
	for (size_t i = 0; i < p->n_pm; i++) {
		struct dbc_msg *m = &p->db->msgs[p->pm[i].msg];
		struct dbc_sig *s = &m->sigs[p->pm[i].sig];
		struct dbc_span nm = {p->pm[i].parent, strlen(p->pm[i].parent)};
		long par = find_sig(m, &nm);

		if (par < 0 || (size_t)par == p->pm[i].sig ||
		    (m->sigs[par].mux != DBC_MUX_SWITCH &&
		     m->sigs[par].mux != DBC_MUX_BOTH))
			return dbc_lex_error_at(
			    &p->lx, p->pm[i].pos,
			    "SG_MUL_VAL_: '%s' is not a multiplexor signal of "
			    "message '%s'",
			    p->pm[i].parent, m->name);
		s->mux_parent = (int)par;
		if (s->mux == DBC_MUX_NONE)
			s->mux = DBC_MUX_VALUE;
		else if (s->mux == DBC_MUX_SWITCH)
			s->mux = DBC_MUX_BOTH;
	}
	/* a multiplexor chain must end: cansig_active walks it */
	for (size_t i = 0; i < p->db->n_msgs; i++) {
		struct dbc_msg *m = &p->db->msgs[i];

		for (size_t k = 0; k < m->n_sigs; k++) {
			int par = m->sigs[k].mux_parent;
			size_t steps = 0;

			while (par >= 0 && steps++ <= m->n_sigs)
				par = m->sigs[par].mux_parent;
			if (par >= 0)
				return dbc_lex_error_at(
				    &p->lx, p->mx[i].sig_pos[k],
				    "signal '%s' of message '%s': multiplexors "
				    "select each other in a loop",
				    m->sigs[k].name, m->name);
		}
	}
	return BENCH_OK;
}

static void parser_release(struct parser *p)
{
	for (size_t i = 0; i < p->mx_cap; i++)
		free(p->mx[i].sig_pos);
	free(p->mx);
	for (size_t i = 0; i < p->n_defs; i++)
		attr_def_release(&p->defs[i]);
	free(p->defs);
	for (size_t i = 0; i < p->n_pm; i++)
		free(p->pm[i].parent);
	free(p->pm);
	for (size_t i = 0; i < p->n_pn; i++)
		free(p->pn[i].name);
	free(p->pn);
}

int dbc_parse(const char *text, size_t len, const char *name,
	      const struct dbc_opts *opts, struct dbc **out)
{
	static const struct dbc_opts defaults;
	struct parser p;
	size_t **pos = NULL;
	int rc;

	if (!opts)
		opts = &defaults;
	memset(&p, 0, sizeof(p));
	p.cur = CUR_NONE;
	p.strict = opts->strict;
	*out = NULL;
	if (!name)
		name = "<dbc>";
	if (!(p.db = calloc(1, sizeof(*p.db))) ||
	    !(p.db->path = strdup(name))) {
		free(p.db);
		return oom();
	}
	dbc_lex_init(&p.lx, p.db->path, text, len, opts->quiet);
	/* a UTF-8 byte order mark is not a statement */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		p.lx.pos = 3;
	if ((rc = parse_statements(&p)) < 0)
		goto out;
	apply_renames(&p);
	apply_defaults(&p);
	if ((rc = resolve_mux(&p)) < 0)
		goto out;
	if (p.db->n_msgs) {
		if (!(pos = calloc(p.db->n_msgs, sizeof(*pos)))) {
			rc = oom();
			goto out;
		}
		for (size_t i = 0; i < p.db->n_msgs; i++)
			pos[i] = p.mx[i].sig_pos;
	}
	if (dbc_check_layout(p.db, &p.lx, pos, p.strict) > 0) {
		rc = BENCH_ERR_PARSE;
		goto out;
	}
	if ((rc = dbc_index_build(p.db)) < 0)
		goto out;
	p.db->n_warnings = p.lx.n_warnings;
	*out = p.db;
	p.db = NULL;
	rc = BENCH_OK;
out:
	free(pos);
	parser_release(&p);
	dbc_free(p.db);
	return rc;
}

int dbc_load_file(const char *path, const struct dbc_opts *opts,
		  struct dbc **out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	int rc;

	*out = NULL;
	if (!f) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	do {
		if (cap - n < 65536) {
			char *nb = realloc(buf, cap ? cap * 2 : 1 << 20);

			if (!nb) {
				rc = oom();
				goto out;
			}
			buf = nb;
			cap = cap ? cap * 2 : 1 << 20;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		log_err("cannot read '%s': %s", path, strerror(errno));
		rc = BENCH_ERR_IO;
		goto out;
	}
	buf[n] = '\0';
	rc = dbc_parse(buf, n, path, opts, out);
out:
	free(buf);
	fclose(f);
	return rc;
}

void dbc_sig_release(struct dbc_sig *s)
{
	free(s->name);
	free(s->unit);
	free(s->comment);
	free(s->mux_ranges);
	for (size_t i = 0; i < s->n_vals; i++)
		free(s->vals[i].text);
	free(s->vals);
}

void dbc_free(struct dbc *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_msgs; i++) {
		struct dbc_msg *m = &db->msgs[i];

		for (size_t k = 0; k < m->n_sigs; k++)
			dbc_sig_release(&m->sigs[k]);
		free(m->sigs);
		free(m->name);
		free(m->sender);
		free(m->comment);
	}
	free(db->msgs);
	dbc_index_free(db->index_);
	free(db->path);
	free(db);
}
