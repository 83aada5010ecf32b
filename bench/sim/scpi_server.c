/* SPDX-License-Identifier: Apache-2.0 */
/* scpi_server.c - the simulated SCPI bidirectional supply (instrument
 * side): command parser, error queue, CC/CV regulation with slew, and its
 * own watchdog. See scpi_server.h for the command set and conventions. */
#define LOG_PREFIX "scpi-sim"
#include "scpi_server.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"

#define SRV_LINE_MAX 256
#define SRV_OUT_MAX 65536
#define SRV_ERRQ 16
#define SRV_NODES 8
#define SRV_NODE_LEN 24
#define SRV_MAX_DT_S 0.1

enum srv_op {
	OP_IDN,
	OP_RST,
	OP_CLS,
	OP_OPC,
	OP_ERR,
	OP_REM,
	OP_LOC,
	OP_LOCK,
	OP_VOLT,
	OP_CURR,
	OP_SINK,
	OP_OUTP,
	OP_MEAS_V,
	OP_MEAS_I,
	OP_MEAS_P,
	OP_FUNC,
	OP_VLIM_HIGH,
	OP_VLIM_LOW,
	OP_CLIM_POS,
	OP_CLIM_NEG,
};

/* Nodes separated by blanks; [NODE] is optional; upper case = short form. */
struct srv_cmd {
	const char *pattern;
	enum srv_op op;
	bool set, query;
};

/* clang-format off */
static const struct srv_cmd srv_cmds[] = {
	{"*IDN", OP_IDN, false, true},
	{"*RST", OP_RST, true, false},
	{"*CLS", OP_CLS, true, false},
	{"*OPC", OP_OPC, false, true},
	{"SYSTem ERRor [NEXT]", OP_ERR, false, true},
	{"SYSTem REMote", OP_REM, true, false},
	{"SYSTem LOCal", OP_LOC, true, false},
	{"SYSTem LOCK [OWNer]", OP_LOCK, true, true},
	{"[SOURce] VOLTage LIMit LOW", OP_VLIM_LOW, true, true},
	{"[SOURce] VOLTage LIMit [HIGH]", OP_VLIM_HIGH, true, true},
	{"[SOURce] VOLTage [LEVel] [IMMediate] [AMPLitude]", OP_VOLT, true,
	 true},
	{"[SOURce] CURRent LIMit NEGative", OP_CLIM_NEG, true, true},
	{"[SOURce] CURRent LIMit [POSitive]", OP_CLIM_POS, true, true},
	{"[SOURce] CURRent [LEVel] [IMMediate] [AMPLitude]", OP_CURR, true,
	 true},
	{"SINK [SOURce] CURRent [LEVel] [IMMediate] [AMPLitude]", OP_SINK,
	 true, true},
	{"OUTPut [STATe]", OP_OUTP, true, true},
	{"MEASure [SCALar] VOLTage [DC]", OP_MEAS_V, false, true},
	{"MEASure [SCALar] CURRent [DC]", OP_MEAS_I, false, true},
	{"MEASure [SCALar] POWer [DC]", OP_MEAS_P, false, true},
	{"[SOURce] FUNCtion [MODE]", OP_FUNC, true, true},
};
/* clang-format on */

struct srv_err {
	int code;
	const char *msg;
};

struct scpi_server {
	struct scpi_server_cfg cfg;
	struct scpi_plant plant;
	const struct clock *clk;
	char idn[128];
	char line[SRV_LINE_MAX];
	size_t line_len;
	bool line_too_long;
	char *out;
	size_t out_len, out_cap;
	struct srv_err errq[SRV_ERRQ];
	unsigned err_n;
	enum scpi_fault fault;
	/* instrument state */
	bool remote, output_on, cc_priority, wd_tripped;
	double volt_set_V, curr_set_A, sink_set_A, vlim_low_V;
	double i_act_A, i_int_A;
	bool stepped;
	int64_t last_step_us, last_cmd_us;
	unsigned commands, errors;
	uint32_t rng;
};

/* ---------- error queue ---------- */

static void push_err(struct scpi_server *s, int code, const char *msg)
{
	s->errors++;
	if (s->err_n < SRV_ERRQ) {
		s->errq[s->err_n++] = (struct srv_err){code, msg};
		return;
	}
	s->errq[SRV_ERRQ - 1] = (struct srv_err){-350, "Queue overflow"};
}

static struct srv_err pop_err(struct scpi_server *s)
{
	struct srv_err e = {0, "No error"};

	if (s->err_n == 0)
		return e;
	e = s->errq[0];
	memmove(s->errq, s->errq + 1, (s->err_n - 1) * sizeof(s->errq[0]));
	s->err_n--;
	return e;
}

/* ---------- header matching ---------- */

/* Does input node in (len n) match pattern node p (len pn, no brackets)? */
static bool node_eq(const char *p, size_t pn, const char *in, size_t n)
{
	size_t short_len = 0;

	while (short_len < pn && !(p[short_len] >= 'a' && p[short_len] <= 'z'))
		short_len++;
	if (n == pn && !strncasecmp(p, in, n))
		return true;
	return n == short_len && !strncasecmp(p, in, n);
}

/* Split a pattern into nodes: start, length, optional flag. */
struct pnode {
	const char *p;
	size_t n;
	bool opt;
};

static size_t split_pattern(const char *pat, struct pnode *nodes)
{
	size_t k = 0;

	while (*pat && k < SRV_NODES) {
		const char *e;

		while (*pat == ' ')
			pat++;
		if (!*pat)
			break;
		nodes[k].opt = *pat == '[';
		if (nodes[k].opt)
			pat++;
		e = pat;
		while (*e && *e != ' ' && *e != ']')
			e++;
		nodes[k].p = pat;
		nodes[k].n = (size_t)(e - pat);
		k++;
		pat = *e == ']' ? e + 1 : e;
	}
	return k;
}

static bool match_nodes(const struct pnode *pn, size_t np,
			char in[][SRV_NODE_LEN], size_t ni)
{
	if (np == 0)
		return ni == 0;
	if (ni > 0 && node_eq(pn->p, pn->n, in[0], strlen(in[0])) &&
	    match_nodes(pn + 1, np - 1, in + 1, ni - 1))
		return true;
	return pn->opt && match_nodes(pn + 1, np - 1, in, ni);
}

/* Split "MEAS:VOLT" (leading ':' allowed) into nodes; -1 on bad syntax. */
static int split_header(const char *h, size_t len, char in[][SRV_NODE_LEN])
{
	size_t k = 0, i = 0;

	if (len > 0 && h[0] == ':') {
		h++;
		len--;
	}
	while (i <= len) {
		size_t start = i;

		while (i < len && h[i] != ':')
			i++;
		if (i == start || i - start >= SRV_NODE_LEN || k >= SRV_NODES)
			return BENCH_ERR_PROTO;
		for (size_t j = start; j < i; j++) {
			char c = h[j];

			if (!((c >= 'A' && c <= 'Z') ||
			      (c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') ||
			      (c == '*' && j == 0 && k == 0)))
				return BENCH_ERR_PROTO;
		}
		memcpy(in[k], h + start, i - start);
		in[k][i - start] = '\0';
		k++;
		i++;
	}
	return (int)k;
}

static const struct srv_cmd *find_cmd(char in[][SRV_NODE_LEN], size_t ni)
{
	struct pnode pn[SRV_NODES];

	for (size_t i = 0; i < sizeof(srv_cmds) / sizeof(srv_cmds[0]); i++) {
		size_t np = split_pattern(srv_cmds[i].pattern, pn);

		if (match_nodes(pn, np, in, ni))
			return &srv_cmds[i];
	}
	return NULL;
}

/* ---------- arguments ---------- */

static bool word_is(const char *arg, const char *w)
{
	return !strcasecmp(arg, w);
}

/* A number with an optional unit ("12.5", "12.5 V", "1e1A"). */
static int parse_num(const char *arg, char unit, double *out)
{
	char *end;
	double v;

	if (!((*arg >= '0' && *arg <= '9') || *arg == '-' || *arg == '+' ||
	      *arg == '.'))
		return BENCH_ERR_PROTO;
	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || errno == ERANGE || !isfinite(v))
		return BENCH_ERR_PROTO;
	while (*end == ' ')
		end++;
	if (*end == unit || *end == (unit | 0x20))
		end++;
	return *end == '\0' ? (*out = v, 0) : BENCH_ERR_PROTO;
}

static int parse_onoff(const char *arg, bool *out)
{
	if (word_is(arg, "ON") || word_is(arg, "1")) {
		*out = true;
		return 0;
	}
	if (word_is(arg, "OFF") || word_is(arg, "0")) {
		*out = false;
		return 0;
	}
	return BENCH_ERR_PROTO;
}

/* ---------- noise ---------- */

static double noise(struct scpi_server *s, double amp)
{
	uint32_t x = s->rng;

	if (amp <= 0)
		return 0;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rng = x;
	return amp * (2.0 * (x / 4294967296.0) - 1.0);
}

static double plant_voltage(struct scpi_server *s)
{
	return s->plant.pack_voltage_V ? s->plant.pack_voltage_V(s->plant.ctx)
				       : 0.0;
}

static double measured_current(struct scpi_server *s)
{
	if (!s->output_on)
		return 0.0;
	return s->plant.pack_current_A ? s->plant.pack_current_A(s->plant.ctx)
				       : s->i_act_A;
}

/* ---------- command execution ---------- */

struct reply {
	char *buf;
	size_t cap, len;
};

static void reply_add(struct reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reply_add(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len + 1 >= r->cap)
		return;
	if (r->len > 0)
		r->buf[r->len++] = ';';
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < r->cap - r->len ? (size_t)n
						      : r->cap - r->len - 1;
}

static void reset_state(struct scpi_server *s)
{
	s->output_on = false;
	s->cc_priority = false;
	s->volt_set_V = 0;
	s->curr_set_A = 0;
	s->sink_set_A = 0;
	s->vlim_low_V = 0;
	s->i_act_A = 0;
	s->i_int_A = 0;
}

static int set_value(struct scpi_server *s, const char *arg, char unit,
		     double lo, double hi, double *dst)
{
	double v;

	if (parse_num(arg, unit, &v) < 0) {
		push_err(s, -104, "Data type error");
		return BENCH_ERR_PROTO;
	}
	if (v < lo || v > hi) {
		push_err(s, -222, "Data out of range");
		return BENCH_ERR_PROTO;
	}
	*dst = v;
	return 0;
}

static void exec_set(struct scpi_server *s, enum srv_op op, const char *arg)
{
	double vmax = s->cfg.voltage_max_V, imax = s->cfg.current_max_A;
	double v;
	bool on;

	switch (op) {
	case OP_RST:
		reset_state(s);
		return;
	case OP_CLS:
		s->err_n = 0;
		return;
	case OP_REM:
		s->remote = true;
		return;
	case OP_LOC:
		s->remote = false;
		return;
	case OP_LOCK:
		if (parse_onoff(arg, &on) < 0)
			push_err(s, -104, "Data type error");
		else
			s->remote = on;
		return;
	default:
		break;
	}
	if (!s->remote) {
		push_err(s, -221, "Settings conflict; not in remote");
		return;
	}
	switch (op) {
	case OP_VOLT:
	case OP_VLIM_HIGH:
		set_value(s, arg, 'V', 0, vmax, &s->volt_set_V);
		break;
	case OP_VLIM_LOW:
		set_value(s, arg, 'V', 0, vmax, &s->vlim_low_V);
		break;
	case OP_CURR:
		set_value(s, arg, 'A', s->cc_priority ? -imax : 0, imax,
			  &s->curr_set_A);
		break;
	case OP_SINK:
		set_value(s, arg, 'A', 0, imax, &s->sink_set_A);
		break;
	case OP_CLIM_POS:
	case OP_CLIM_NEG:
		/* ITECH-style limits of the CV-priority output */
		if (s->cc_priority)
			push_err(s, -221, "Settings conflict; CC priority");
		else if (op == OP_CLIM_POS)
			set_value(s, arg, 'A', 0, imax, &s->curr_set_A);
		else if (set_value(s, arg, 'A', -imax, 0, &v) == 0)
			s->sink_set_A = -v;
		break;
	case OP_OUTP:
		if (parse_onoff(arg, &on) < 0) {
			push_err(s, -104, "Data type error");
			break;
		}
		s->output_on = on;
		if (on)
			s->wd_tripped = false;
		else
			s->i_act_A = s->i_int_A = 0;
		break;
	case OP_FUNC:
		if (word_is(arg, "CURR") || word_is(arg, "CURRENT")) {
			s->cc_priority = true;
		} else if (word_is(arg, "VOLT") || word_is(arg, "VOLTAGE")) {
			s->cc_priority = false;
			if (s->curr_set_A < 0)
				s->curr_set_A = 0;
		} else {
			push_err(s, -224, "Illegal parameter value");
		}
		break;
	default:
		push_err(s, -113, "Undefined header");
		break;
	}
}

static void exec_query(struct scpi_server *s, enum srv_op op, struct reply *r)
{
	struct srv_err e;
	double v;

	if (s->fault == SCPI_FAULT_GARBAGE) {
		reply_add(r, "#?%s", op == OP_IDN ? "IDN" : "&%7e!");
		return;
	}
	switch (op) {
	case OP_IDN:
		reply_add(r, "%s", s->idn);
		break;
	case OP_OPC:
		reply_add(r, "1");
		break;
	case OP_ERR:
		e = pop_err(s);
		reply_add(r, "%d,\"%s\"", e.code, e.msg);
		break;
	case OP_LOCK:
		reply_add(r, "%s", s->remote ? "ON" : "OFF");
		break;
	case OP_VOLT:
	case OP_VLIM_HIGH:
		reply_add(r, "%.3f", s->volt_set_V);
		break;
	case OP_VLIM_LOW:
		reply_add(r, "%.3f", s->vlim_low_V);
		break;
	case OP_CURR:
	case OP_CLIM_POS:
		reply_add(r, "%.3f", s->curr_set_A);
		break;
	case OP_SINK:
		reply_add(r, "%.3f", s->sink_set_A);
		break;
	case OP_CLIM_NEG:
		reply_add(r, "%.3f", -s->sink_set_A);
		break;
	case OP_OUTP:
		reply_add(r, "%d", s->output_on ? 1 : 0);
		break;
	case OP_FUNC:
		reply_add(r, "%s", s->cc_priority ? "CURR" : "VOLT");
		break;
	case OP_MEAS_V:
		reply_add(r, "%.3f",
			  plant_voltage(s) + noise(s, s->cfg.noise_V));
		break;
	case OP_MEAS_I:
		reply_add(r, "%.3f",
			  measured_current(s) + noise(s, s->cfg.noise_A));
		break;
	case OP_MEAS_P:
		v = plant_voltage(s);
		reply_add(r, "%.2f", v * measured_current(s));
		break;
	default:
		push_err(s, -113, "Undefined header");
		break;
	}
}

/* One command of a line (between ';'), already trimmed. */
/* What a supply in a device fault still accepts, besides *CLS. */
static bool output_off(enum srv_op op, const char *arg)
{
	bool on;

	return op == OP_OUTP && parse_onoff(arg, &on) == 0 && !on;
}

static void exec_one(struct scpi_server *s, const char *cmd, struct reply *r)
{
	char nodes[SRV_NODES][SRV_NODE_LEN];
	const struct srv_cmd *c;
	size_t hlen = strcspn(cmd, " \t");
	const char *arg = cmd + hlen;
	bool query = hlen > 0 && cmd[hlen - 1] == '?';
	int ni;

	while (*arg == ' ' || *arg == '\t')
		arg++;
	ni = split_header(cmd, query ? hlen - 1 : hlen, nodes);
	if (ni <= 0) {
		push_err(s, -102, "Syntax error");
		return;
	}
	c = find_cmd(nodes, (size_t)ni);
	if (!c || (query && !c->query) || (!query && !c->set)) {
		push_err(s, -113, "Undefined header");
		return;
	}
	s->commands++;
	if (query) {
		if (*arg)
			push_err(s, -108, "Parameter not allowed");
		else
			exec_query(s, c->op, r);
		return;
	}
	if (s->fault == SCPI_FAULT_ERROR && c->op != OP_CLS &&
	    !output_off(c->op, arg)) {
		push_err(s, -300, "Device-specific error;output protection");
		return;
	}
	if (!*arg && c->op != OP_RST && c->op != OP_CLS && c->op != OP_REM &&
	    c->op != OP_LOC) {
		push_err(s, -109, "Missing parameter");
		return;
	}
	if (*arg && (c->op == OP_RST || c->op == OP_CLS || c->op == OP_REM ||
		     c->op == OP_LOC)) {
		push_err(s, -108, "Parameter not allowed");
		return;
	}
	exec_set(s, c->op, arg);
}

size_t scpi_server_exec_line(struct scpi_server *s, const char *line,
			     char *reply, size_t cap)
{
	struct reply r = {reply, cap, 0};
	char buf[SRV_LINE_MAX];
	size_t n = strlen(line);
	char *save = NULL, *tok;

	if (cap < 2)
		return 0;
	reply[0] = '\0';
	if (s->fault == SCPI_FAULT_SILENT)
		return 0;
	if (clock_now_us(s->clk) > s->last_cmd_us)
		s->last_cmd_us = clock_now_us(s->clk);
	if (n >= sizeof(buf)) {
		push_err(s, -112, "Program mnemonic too long");
		return 0;
	}
	memcpy(buf, line, n + 1);
	for (tok = strtok_r(buf, ";", &save); tok;
	     tok = strtok_r(NULL, ";", &save)) {
		char *e = tok + strlen(tok);

		while (*tok == ' ' || *tok == '\t')
			tok++;
		while (e > tok &&
		       (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*tok)
			exec_one(s, tok, &r);
	}
	if (r.len == 0)
		return 0;
	if (r.len + 1 >= cap)
		r.len = cap - 2;
	reply[r.len++] = '\n';
	reply[r.len] = '\0';
	return r.len;
}

static int out_append(struct scpi_server *s, const char *buf, size_t n)
{
	if (s->out_len + n > SRV_OUT_MAX) {
		log_warn("reply buffer full: client not reading, %zu bytes "
			 "dropped",
			 n);
		return BENCH_OK;
	}
	if (s->out_len + n > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap * 2 : 1024;
		char *p;

		while (cap < s->out_len + n)
			cap *= 2;
		p = realloc(s->out, cap);
		if (!p) {
			log_err("out of memory for replies");
			return BENCH_ERR_MEM;
		}
		s->out = p;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, buf, n);
	s->out_len += n;
	return BENCH_OK;
}

int scpi_server_input(struct scpi_server *s, const char *buf, size_t len)
{
	char reply[1024];

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		size_t n;

		if (c != '\n') {
			if (s->line_len + 1 < sizeof(s->line))
				s->line[s->line_len++] = c == '\0' ? ' ' : c;
			else
				s->line_too_long = true;
			continue;
		}
		s->line[s->line_len] = '\0';
		if (s->line_too_long) {
			if (s->fault != SCPI_FAULT_SILENT)
				push_err(s, -112, "Program mnemonic too long");
			n = 0;
		} else {
			n = scpi_server_exec_line(s, s->line, reply,
						  sizeof(reply));
		}
		s->line_len = 0;
		s->line_too_long = false;
		if (n > 0)
			TRY(out_append(s, reply, n));
	}
	return BENCH_OK;
}

size_t scpi_server_output(struct scpi_server *s, char *buf, size_t cap)
{
	size_t n = s->out_len < cap ? s->out_len : cap;

	if (n == 0)
		return 0;
	memcpy(buf, s->out, n);
	memmove(s->out, s->out + n, s->out_len - n);
	s->out_len -= n;
	return n;
}

/* ---------- regulation and watchdog ---------- */

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void regulate(struct scpi_server *s, double v, double dt)
{
	double vset = s->volt_set_V, src = s->curr_set_A, sink = s->sink_set_A;
	double step;

	if (s->cc_priority) {
		/* A signed setpoint inside [low, high] voltage limits is a
		 * CV-priority source or sink towards the limit it moves to. */
		src = s->curr_set_A > 0 ? s->curr_set_A : 0;
		sink = s->curr_set_A < 0 ? -s->curr_set_A : 0;
		vset = s->curr_set_A < 0 ? s->vlim_low_V : s->volt_set_V;
	}
	if (s->cfg.power_max_W > 0 && v > 1.0) {
		src = fmin(src, s->cfg.power_max_W / v);
		sink = fmin(sink, s->cfg.power_max_W / v);
	}
	s->i_int_A +=
	    s->cfg.cv_gain_A_per_Vs * (vset - v) * fmin(dt, SRV_MAX_DT_S);
	s->i_int_A = clamp(s->i_int_A, -sink, src);
	step = s->cfg.slew_A_per_s * dt;
	s->i_act_A += clamp(s->i_int_A - s->i_act_A, -step, step);
}

void scpi_server_step(struct scpi_server *s)
{
	int64_t now = clock_now_us(s->clk);
	double dt = s->stepped ? (double)(now - s->last_step_us) / 1e6 : 0.0;

	s->stepped = true;
	s->last_step_us = now;
	if (dt < 0)
		dt = 0;
	if (s->output_on && s->cfg.watchdog_us > 0 &&
	    now - s->last_cmd_us > s->cfg.watchdog_us) {
		log_warn("watchdog: no command for %lld ms, output off",
			 (long long)((now - s->last_cmd_us) / 1000));
		s->output_on = false;
		s->wd_tripped = true;
	}
	if (s->output_on)
		regulate(s, plant_voltage(s), dt);
	else
		s->i_act_A = s->i_int_A = 0;
	if (s->plant.apply_current_A)
		s->plant.apply_current_A(s->plant.ctx, s->i_act_A);
}

/* ---------- serving a descriptor ---------- */

static int flush_out(struct scpi_server *s, int fd)
{
	while (s->out_len > 0) {
		ssize_t n = write(fd, s->out, s->out_len);

		if (n > 0) {
			memmove(s->out, s->out + n, s->out_len - (size_t)n);
			s->out_len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			if (poll(&p, 1, 1000) <= 0) {
				log_warn("line blocked, %zu reply bytes "
					 "dropped",
					 s->out_len);
				s->out_len = 0;
			}
			continue;
		}
		log_err("write to the line failed: %s",
			n < 0 ? strerror(errno) : "nothing written");
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

int scpi_server_serve_fd(struct scpi_server *s, int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[512];
	ssize_t n = 0;
	int rc;

	rc = poll(&p, 1, timeout_ms);
	if (rc < 0 && errno != EINTR) {
		log_err("poll on the line: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	if (rc > 0 && (p.revents & POLLIN)) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			log_info("line closed (%s)",
				 n == 0 ? "end of file" : strerror(errno));
			return BENCH_ERR_IO;
		}
	} else if (rc > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		log_info("line hung up");
		return BENCH_ERR_IO;
	}
	scpi_server_step(s);
	if (n > 0)
		TRY(scpi_server_input(s, buf, (size_t)n));
	return flush_out(s, fd);
}

/* ---------- life cycle ---------- */

int scpi_server_new(const struct scpi_server_cfg *cfg,
		    const struct scpi_plant *plant, const struct clock *clk,
		    struct scpi_server **out)
{
	struct scpi_server *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s) {
		log_err("out of memory for the SCPI supply");
		return BENCH_ERR_MEM;
	}
	if (cfg)
		s->cfg = *cfg;
	if (s->cfg.voltage_max_V <= 0)
		s->cfg.voltage_max_V = 1000;
	if (s->cfg.current_max_A <= 0)
		s->cfg.current_max_A = 500;
	if (s->cfg.slew_A_per_s <= 0)
		s->cfg.slew_A_per_s = 100;
	if (s->cfg.cv_gain_A_per_Vs <= 0)
		s->cfg.cv_gain_A_per_Vs = 50;
	if (s->cfg.watchdog_us == 0)
		s->cfg.watchdog_us = 3000000;
	snprintf(s->idn, sizeof(s->idn), "%s",
		 s->cfg.idn ? s->cfg.idn
			    : "BENCH-SIM,SCPI-PSU-1000-500,0001,1.0");
	s->cfg.idn = NULL;
	if (plant)
		s->plant = *plant;
	s->clk = clk;
	s->rng = s->cfg.seed ? s->cfg.seed : 0x9e3779b9u;
	s->last_cmd_us = clock_now_us(clk);
	*out = s;
	return BENCH_OK;
}

void scpi_server_free(struct scpi_server *s)
{
	if (!s)
		return;
	free(s->out);
	free(s);
}

void scpi_server_set_fault(struct scpi_server *s, enum scpi_fault f)
{
	s->fault = f;
	/* A device fault trips the output, as its protection would. */
	if (f == SCPI_FAULT_ERROR) {
		s->output_on = false;
		s->i_act_A = s->i_int_A = 0;
	}
}

void scpi_server_get_status(const struct scpi_server *s,
			    struct scpi_server_status *st)
{
	st->output_on = s->output_on;
	st->remote = s->remote;
	st->cc_priority = s->cc_priority;
	st->watchdog_tripped = s->wd_tripped;
	st->voltage_set_V = s->volt_set_V;
	st->current_set_A = s->curr_set_A;
	st->sink_current_set_A = s->sink_set_A;
	st->voltage_limit_low_V = s->vlim_low_V;
	st->current_A = s->i_act_A;
	st->commands = s->commands;
	st->errors_queued = s->errors;
}

int scpi_server_open_pty(char *slave_path, size_t cap, int *master_fd,
			 int *slave_keep_fd)
{
	struct termios t;
	int m = -1, sl = -1;
	char *name;

	if (openpty(&m, &sl, NULL, NULL, NULL) < 0) {
		log_err("cannot open a pseudo-terminal: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	/* Raw on the slave: no echo of commands back to the server, no
	 * line editing, no CR/LF translation. */
	if (tcgetattr(sl, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(sl, TCSANOW, &t);
	}
	name = ttyname(sl);
	if (!name || strlen(name) >= cap) {
		log_err("cannot name the pseudo-terminal's slave");
		close(m);
		close(sl);
		return BENCH_ERR_IO;
	}
	strcpy(slave_path, name);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	fcntl(m, F_SETFD, FD_CLOEXEC);
	fcntl(sl, F_SETFD, FD_CLOEXEC);
	*master_fd = m;
	*slave_keep_fd = sl;
	return BENCH_OK;
}
