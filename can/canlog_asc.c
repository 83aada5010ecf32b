/* SPDX-License-Identifier: Apache-2.0 */
/* canlog_asc.c - Vector ASC log lines (CANalyzer, PCAN-View, SavvyCAN,
 * can-utils log2asc) into the same records as candump lines. */
#define LOG_PREFIX "canlog"
#include "canlog.h"

#include <string.h>
#include <strings.h>

#include "common/rc.h"

#define FAIL_AT(q, msg)                                                        \
	do {                                                                   \
		*err = (msg);                                                  \
		*col = (unsigned)((q)-line) + 1;                               \
		return BENCH_ERR_PARSE;                                        \
	} while (0)

struct tok {
	const char *p;
	size_t n;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Next blank-separated token from *p; n = 0 at the end. */
static struct tok next_tok(const char **p, const char *end)
{
	struct tok t;

	while (*p < end && blank(**p))
		(*p)++;
	t.p = *p;
	while (*p < end && !blank(**p))
		(*p)++;
	t.n = (size_t)(*p - t.p);
	return t;
}

static bool tok_is(struct tok t, const char *word)
{
	return t.n == strlen(word) && !strncasecmp(t.p, word, t.n);
}

static bool starts_with(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && !strncasecmp(p, word, n);
}

static int digit_val(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whole token as a number in base; false if empty, not a number, or above
 * max. */
static bool tok_num(struct tok t, unsigned base, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	int d;

	if (t.n == 0 || t.n > 10)
		return false;
	for (size_t i = 0; i < t.n; i++) {
		if ((d = digit_val(t.p[i], base)) < 0)
			return false;
		v = v * base + (unsigned)d;
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

void canlog_asc_init(struct canlog_asc *st)
{
	memset(st, 0, sizeof(*st));
}

/* "base hex|dec  timestamps absolute|relative" */
static int parse_base(struct canlog_asc *st, const char *line, const char *p,
		      const char *end, const char **err, unsigned *col)
{
	struct tok t;

	(void)next_tok(&p, end); /* "base" */
	t = next_tok(&p, end);
	if (tok_is(t, "hex"))
		st->dec = false;
	else if (tok_is(t, "dec"))
		st->dec = true;
	else
		FAIL_AT(t.p, "expected 'hex' or 'dec' after 'base'");
	t = next_tok(&p, end);
	if (!tok_is(t, "timestamps"))
		FAIL_AT(t.p, "expected 'timestamps' after the base");
	t = next_tok(&p, end);
	if (tok_is(t, "absolute"))
		st->relative = false;
	else if (tok_is(t, "relative"))
		st->relative = true;
	else
		FAIL_AT(t.p, "expected 'absolute' or 'relative' timestamps");
	return 0;
}

static int parse_time(struct canlog_asc *st, const char *line, struct tok t,
		      struct canlog_rec *rec, const char **err, unsigned *col)
{
	uint64_t sec = 0, ns;
	uint32_t frac = 0;
	size_t i = 0, digits;

	for (; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++) {
		if (i >= 10)
			FAIL_AT(t.p, "timestamp seconds longer than 10 digits");
		sec = sec * 10 + (uint64_t)(t.p[i] - '0');
	}
	if (i == t.n || t.p[i] != '.')
		FAIL_AT(t.p + i, "expected '.' and decimals in the timestamp");
	digits = t.n - i - 1;
	if (digits < 1 || digits > 9)
		FAIL_AT(t.p + i, "expected 1 to 9 decimals in the timestamp");
	for (i++; i < t.n; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			FAIL_AT(t.p + i, "expected decimals in the timestamp");
		frac = frac * 10 + (uint32_t)(t.p[i] - '0');
	}
	if (!st->relative) {
		rec->t_sec = sec;
		rec->t_frac = frac;
		rec->t_digits = (uint8_t)digits;
		return 0;
	}
	/* relative: each line is the time since the previous one */
	ns = frac;
	for (size_t d = digits; d < 9; d++)
		ns *= 10;
	ns += sec * 1000000000u; /* below 1e19: fits */
	if (st->t_ns > UINT64_MAX - ns)
		FAIL_AT(t.p, "relative timestamps add up beyond 584 years");
	st->t_ns += ns;
	if (digits > st->digits)
		st->digits = (uint8_t)digits;
	ns = st->t_ns % 1000000000u;
	for (size_t d = st->digits; d < 9; d++)
		ns /= 10;
	rec->t_sec = st->t_ns / 1000000000u;
	rec->t_frac = (uint32_t)ns;
	rec->t_digits = st->digits;
	return 0;
}

/* "<id>[x]" in the header's base; *is_id false when the token is not a
 * number at all (an event name). */
static int parse_id(const struct canlog_asc *st, const char *line, struct tok t,
		    uint32_t *id, bool *is_id, const char **err, unsigned *col)
{
	bool ext = t.n > 1 && (t.p[t.n - 1] == 'x' || t.p[t.n - 1] == 'X');
	struct tok num = {t.p, ext ? t.n - 1 : t.n};
	uint32_t v;

	*is_id = tok_num(num, st->dec ? 10 : 16, UINT32_MAX, &v);
	if (!*is_id)
		return 0;
	if (ext ? v > CANFRAME_EFF_MASK : v > CANFRAME_SFF_MASK)
		FAIL_AT(t.p, ext ? "extended id above 1FFFFFFF"
				 : "standard id above 7FF (extended ids end "
				   "in 'x')");
	*id = ext ? CANFRAME_EFF | v : v;
	return 0;
}

static int parse_bytes(const struct canlog_asc *st, const char *line,
		       const char **p, const char *end, struct canframe *f,
		       unsigned n, const char **err, unsigned *col)
{
	for (unsigned i = 0; i < n; i++) {
		struct tok t = next_tok(p, end);
		uint32_t v;

		if (t.n == 0)
			FAIL_AT(t.p, "fewer data bytes than the length says");
		if ((!st->dec && t.n != 2) ||
		    !tok_num(t, st->dec ? 10 : 16, 255, &v))
			FAIL_AT(t.p, st->dec ? "expected a data byte 0..255"
					     : "expected a data byte of 2 hex "
					       "digits");
		f->data[i] = (uint8_t)v;
	}
	f->len = (uint8_t)n;
	return 0;
}

static void set_iface(struct canlog_rec *rec, uint32_t ch)
{
	/* can-utils' convention (log2asc/asc2log): channel 1 is can0 */
	snprintf(rec->iface, sizeof(rec->iface), "can%u", ch ? ch - 1 : 0);
}

static int parse_dir(const char *line, struct tok t, struct canlog_rec *rec,
		     const char **err, unsigned *col)
{
	if (tok_is(t, "Rx"))
		rec->dir = 'R';
	else if (tok_is(t, "Tx"))
		rec->dir = 'T';
	else
		FAIL_AT(t.p, "expected 'Rx' or 'Tx' after the id");
	return 0;
}

/* "CANFD <ch> <Rx|Tx> <id>[x] [name] <brs> <esi> <dlc> <len> <data>..." */
static int parse_fd(const struct canlog_asc *st, const char *line,
		    const char *p, const char *end, struct canlog_rec *rec,
		    const char **err, unsigned *col)
{
	struct canframe *f = &rec->frame;
	struct tok t = next_tok(&p, end);
	uint32_t ch, brs, esi, dlc, n;
	bool is_id;

	if (!tok_num(t, 10, 255, &ch))
		FAIL_AT(t.p, "expected a channel number after 'CANFD'");
	set_iface(rec, ch);
	TRY(parse_dir(line, next_tok(&p, end), rec, err, col));
	t = next_tok(&p, end);
	TRY(parse_id(st, line, t, &f->id, &is_id, err, col));
	if (!is_id)
		FAIL_AT(t.p, "expected a numeric CAN id (symbolic names are "
			     "not read: export with numeric ids)");
	t = next_tok(&p, end);
	if (!tok_is(t, "0") && !tok_is(t, "1")) /* a symbolic name */
		t = next_tok(&p, end);
	if (!tok_num(t, 10, 1, &brs))
		FAIL_AT(t.p, "expected the BRS flag 0 or 1");
	t = next_tok(&p, end);
	if (!tok_num(t, 10, 1, &esi))
		FAIL_AT(t.p, "expected the ESI flag 0 or 1");
	t = next_tok(&p, end);
	if (!tok_num(t, 16, 15, &dlc))
		FAIL_AT(t.p, "expected a DLC 0..F");
	t = next_tok(&p, end);
	if (!tok_num(t, 10, CANFRAME_MAX_LEN, &n))
		FAIL_AT(t.p, "expected a data length 0..64");
	f->fd = true;
	f->flags = (uint8_t)(brs * CANFRAME_FD_BRS | esi * CANFRAME_FD_ESI);
	f->len8_dlc = 0;
	TRY(parse_bytes(st, line, &p, end, f, n, err, col));
	return 1;
}

/* "<ch> <id>[x] <Rx|Tx> d <dlc> <data>..." or "... r [dlc]"; anything
 * after the data (Length = ..., BitCount = ..., ID = ...) is ignored. */
static int parse_classic(const struct canlog_asc *st, const char *line,
			 const char *p, const char *end, struct tok t_ch,
			 struct canlog_rec *rec, const char **err,
			 unsigned *col)
{
	struct canframe *f = &rec->frame;
	struct tok t = next_tok(&p, end), t_id = t;
	uint32_t ch, dlc = 0;
	bool is_id;

	if (!tok_num(t_ch, 10, 255, &ch))
		FAIL_AT(t_ch.p, "expected a channel number");
	if (tok_is(t, "ErrorFrame"))
		return 0;
	TRY(parse_id(st, line, t, &f->id, &is_id, err, col));
	t = next_tok(&p, end);
	if (!is_id) {
		/* an event (Statistic:, Status:, ...), unless a frame
		 * direction follows: then a symbolic message name */
		if (tok_is(t, "Rx") || tok_is(t, "Tx"))
			FAIL_AT(t_id.p, "expected a numeric CAN id (symbolic "
					"names are not read: export with "
					"numeric ids)");
		return 0;
	}
	if (tok_is(t, "TxRq")) /* transmit request: no frame on the bus */
		return 0;
	set_iface(rec, ch);
	TRY(parse_dir(line, t, rec, err, col));
	t = next_tok(&p, end);
	f->fd = false;
	f->flags = 0;
	f->len8_dlc = 0;
	if (tok_is(t, "r")) {
		struct tok tl = next_tok(&p, end);

		if (tl.n && !tok_num(tl, 10, 8, &dlc))
			FAIL_AT(tl.p, "expected a remote frame length 0..8");
		f->id |= CANFRAME_RTR;
		f->len = (uint8_t)dlc;
		memset(f->data, 0, sizeof(f->data));
		return 1;
	}
	if (!tok_is(t, "d"))
		FAIL_AT(t.p, "expected 'd' (data) or 'r' (remote) after the "
			     "direction");
	t = next_tok(&p, end);
	if (!tok_num(t, 10, 8, &dlc))
		FAIL_AT(t.p, "expected a length 0..8 after 'd'");
	TRY(parse_bytes(st, line, &p, end, f, dlc, err, col));
	return 1;
}

int canlog_asc_parse(struct canlog_asc *st, const char *line, size_t len,
		     struct canlog_rec *rec, const char **err, unsigned *col)
{
	const char *p = line, *end = line + len;
	struct tok t;

	while (end > p &&
	       (end[-1] == '\r' || end[-1] == '\n' || blank(end[-1])))
		end--;
	while (p < end && blank(*p))
		p++;
	if (p == end || starts_with(p, end, "//"))
		return 0;
	if (starts_with(p, end, "base "))
		return parse_base(st, line, p, end, err, col);
	if (starts_with(p, end, "date ") || starts_with(p, end, "begin ") ||
	    starts_with(p, end, "end ") ||
	    starts_with(p, end, "internal events logged") ||
	    starts_with(p, end, "no internal events logged"))
		return 0;
	if (*p < '0' || *p > '9')
		FAIL_AT(p, "expected a timestamp or an ASC header line");
	t = next_tok(&p, end);
	TRY(parse_time(st, line, t, rec, err, col));
	t = next_tok(&p, end);
	if (tok_is(t, "CANFD"))
		return parse_fd(st, line, p, end, rec, err, col);
	if (t.n && t.p[0] >= '0' && t.p[0] <= '9')
		return parse_classic(st, line, p, end, t, rec, err, col);
	return 0; /* Start of measurement, SV:, J1939TP, CAN 1 Status:... */
}
